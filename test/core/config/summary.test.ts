import { describe, expect, it } from 'vitest';
import { summarizeConfig } from '../../../src/core/config/index.ts';
import { parsed } from './helpers.ts';

describe('summarizeConfig', () => {
  it('says what the default config does', () => {
    expect(summarizeConfig(parsed({}))).toBe(
      'binanceusdm BTC/USDT:USDT 1h, ema_cross 12/26, 1x, 1000 USDT per position, stop 2 %, scaled TP off (single TP 3 %)',
    );
  });

  it('names a signals file, a base size, testnet and the ladder', () => {
    const cfg = parsed({
      exchange: { testnet: true },
      symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'],
      timeframe: '4h',
      strategy: { name: 'signals', file: 'my-signals.csv' },
      position_size: { mode: 'base', value: 0.05 },
      enable_scaled_take_profit: true,
      scaled_tp_levels: [{ profit_pct: 1, close_pct: 50 }, { profit_pct: 3, close_pct: 50 }],
    });
    expect(summarizeConfig(cfg)).toBe(
      'binanceusdm (testnet) BTC/USDT:USDT ETH/USDT:USDT 4h, signals from my-signals.csv, 1x, 0.05 base units per position, stop 2 %, scaled TP on: 50 % at 1 %, 50 % at 3 %',
    );
  });
});
