import { describe, expect, it } from 'vitest';
import { parseManageOption, parseSymbolOption } from '../../src/cli/cli-error.ts';

describe('--symbol and --manage', () => {
  it('a USDⓈ-M delivery contract is its Binance id, in either spelling and any case', () => {
    for (const text of ['BTCUSDT_241227', 'btcusdt_241227', 'BTC/USDT:USDT-241227', ' btc/usdt:usdt-241227 ']) expect(parseSymbolOption('--symbol', text)).toBe('BTCUSDT_241227');
  });

  it('--manage takes a delivery contract the config trades, as the config writes it or by its id (runBot matched either before --manage was parsed)', () => {
    expect(parseManageOption(['BTC/USDT:USDT-241227', 'btcusdt_241227'], ['BTC/USDT:USDT-241227'])).toEqual(['BTCUSDT_241227', 'BTCUSDT_241227']);
    expect(() => parseManageOption(['BTCUSDT'], ['BTC/USDT:USDT-241227'])).toThrow("--manage: BTCUSDT is not one of the config's symbols (BTCUSDT_241227): the bot adopts positions only on the symbols it trades");
  });
});
