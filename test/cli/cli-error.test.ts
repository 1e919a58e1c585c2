import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { appendList, parseManageOption, parseSymbolOption, refuseRepeatedOptions } from '../../src/cli/cli-error.ts';

describe('--symbol and --manage', () => {
  it('a USDⓈ-M delivery contract is its Binance id, in either spelling and any case', () => {
    for (const text of ['BTCUSDT_241227', 'btcusdt_241227', 'BTC/USDT:USDT-241227', ' btc/usdt:usdt-241227 ']) expect(parseSymbolOption('--symbol', text)).toBe('BTCUSDT_241227');
  });

  it('--manage takes a delivery contract the config trades, as the config writes it or by its id (runBot matched either before --manage was parsed)', () => {
    expect(parseManageOption(['BTC/USDT:USDT-241227', 'btcusdt_241227'], ['BTC/USDT:USDT-241227'])).toEqual(['BTCUSDT_241227', 'BTCUSDT_241227']);
    expect(() => parseManageOption(['BTCUSDT'], ['BTC/USDT:USDT-241227'])).toThrow("--manage: BTCUSDT is not one of the config's symbols (BTCUSDT_241227): the bot adopts positions only on the symbols it trades");
  });
});

describe('an option given twice', () => {
  const cmd = new Command('x')
    .option('--config <file>', 'one value')
    .option('--data <files>', 'a list', appendList)
    .option('--manage [symbols...]', 'variadic')
    .option('--json', 'a flag')
    .option('--speed <x>', 'one value, with a default', '1');

  it('a single-value option repeated, in either spelling, is refused naming it and its values', () => {
    expect(() => refuseRepeatedOptions(cmd, ['x', '--config', 'a.json', '--config=b.json'])).toThrow('--config: given 2 times (a.json, b.json): give it once');
    expect(() => refuseRepeatedOptions(cmd, ['--speed', '2', '--json', '--speed', '3', '--speed', '4'])).toThrow('--speed: given 3 times (2, 3, 4): give it once');
  });

  it('lists, variadic options and flags add up or mean the same: left alone; so is anything after --', () => {
    expect(() => refuseRepeatedOptions(cmd, ['--data', 'a.csv', '--data', 'b.csv', '--manage', 'BTCUSDT', '--manage', 'ETHUSDT', '--json', '--json', '--config', 'a.json', '--', '--config', 'b.json'])).not.toThrow();
  });
});
