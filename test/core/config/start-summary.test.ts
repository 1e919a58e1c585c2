import { describe, expect, it } from 'vitest';
import { type RunFacts, startSummary } from '../../../src/core/config/index.ts';
import { parsed } from './helpers.ts';

const LIVE: RunFacts = { mode: 'live', exchangeUrl: null, balances: [{ asset: 'USDT', total: 2500 }], storePath: 'ladder.db', dashboardUrl: 'http://127.0.0.1:8080/', webhookUrl: null, logFile: null };

/** The text of the row labelled `label` (continuation lines included), without the label. */
function row(lines: readonly string[], label: string): string[] {
  const i = lines.findIndex((l) => l.startsWith(`  ${label.padEnd(10)} `));
  if (i < 0) throw new Error(`no ${label} row in:\n${lines.join('\n')}`);
  const out = [lines[i]!.slice(13)];
  for (let j = i + 1; j < lines.length && lines[j]!.startsWith(' '.repeat(13)); j++) out.push(lines[j]!.slice(13));
  return out;
}

describe('startSummary', () => {
  it('says in so many words that the default config trades a single take-profit, with no stop ladder', () => {
    const s = startSummary(parsed({}), LIVE);
    expect(s[0]).toBe('Ladder live');
    expect(row(s, 'exit')).toEqual(['single take-profit at 3 % (scaled TP off); set enable_scaled_take_profit to true to trade the ladder']);
    expect(row(s, 'stop')).toEqual(['initial 2 % from the entry; it stays where it is until the exit (no stop ladder without scaled TP)']);
    expect(row(s, 'account')).toEqual(['2500.00 USDT equity (wallet + unrealised PnL)']); // Balance.total: the wallet with the open positions' PnL
    expect(row(s, 'exchange')).toEqual(['binanceusdm']);
    expect(row(s, 'dashboard')).toEqual(['http://127.0.0.1:8080/']);
    expect(row(s, 'mode')).toEqual(['live: real orders with real money']);
  });

  it('lists each level of the ladder with its profit, its close share and where the stop goes, then the stop ladder', () => {
    const cfg = parsed({
      enable_scaled_take_profit: true,
      breakeven_offset_pct: 0.1,
      scaled_tp_levels: [
        { profit_pct: 1, close_pct: 25 },
        { profit_pct: 2, close_pct: 25 },
        { profit_pct: 3, close_pct: 25, move_stop_to: { profit_pct: 1.5 } },
        { profit_pct: 5, close_pct: 25 },
      ],
      scaled_tp_execution: 'limit',
    });
    const s = startSummary(cfg, LIVE);
    expect(row(s, 'exit')).toEqual([
      'scaled take-profit, 4 levels, reduce-only limit orders resting at the targets:',
      'TP1  +1 %     close 25 %   then stop → breakeven (entry + 0.1 %)',
      "TP2  +2 %     close 25 %   then stop → TP1's target",
      'TP3  +3 %     close 25 %   then stop → +1.5 % from the entry',
      'TP4  +5 %     close 25 %   then the position is closed',
      'too small to split: single take-profit at 3 %',
    ]);
    expect(row(s, 'stop')).toEqual(["initial 2 % from the entry; ladder: after TP1 breakeven (entry + 0.1 %), after TP2 TP1's target, after TP3 +1.5 % from the entry"]);
  });

  it('says when levels keep the stop and when a small position closes whole at the last level', () => {
    const cfg = parsed({ enable_scaled_take_profit: true, scaled_tp_fallback_to_single: false, scaled_tp_levels: [{ profit_pct: 1, close_pct: 50, move_stop_to: 'none' }, { profit_pct: 2, close_pct: 50 }] });
    const s = startSummary(cfg, LIVE);
    expect(row(s, 'exit')).toContain('TP1  +1 %     close 50 %   then the stop stays');
    expect(row(s, 'exit')).toContain('too small to split: closed whole at the last level');
    expect(row(s, 'stop')).toEqual(['initial 2 % from the entry; ladder: none (every level keeps the stop where it is)']);
  });

  it('words each sizing mode with the leverage, the margin mode and the open-position cap', () => {
    const sizing = (position_size: unknown, extra: object = {}) => row(startSummary(parsed({ position_size, ...extra }), LIVE), 'sizing')[0];
    expect(sizing({ mode: 'quote', value: 1000 })).toBe('1000 USDT per position, leverage 1x, isolated margin, at most 3 open positions');
    expect(sizing({ mode: 'base', value: 0.05 }, { leverage: 5, margin_mode: 'cross', max_open_positions: 1 })).toBe('0.05 base units per position, leverage 5x, cross margin, at most 1 open position');
    expect(sizing({ mode: 'risk_pct', value: 1 }, { symbols: ['BTC/USDC:USDC'] })).toBe('1 % of equity at risk per position, leverage 1x, isolated margin, at most 3 open positions');
    expect(sizing({ mode: 'quote', value: 200 }, { symbols: ['BTC/USDC:USDC'] })).toMatch(/^200 USDC per position/);
  });

  it('lists every risk limit that is set, and says when none is', () => {
    expect(row(startSummary(parsed({}), LIVE), 'limits')).toEqual(['none (risk_limits not set)']);
    const all = parsed({ risk_limits: { daily_loss_limit: 150, max_drawdown_pct: 10, max_total_notional: 5000, max_consecutive_losses: 3, cooldown_minutes: 120 } });
    expect(row(startSummary(all, LIVE), 'limits')).toEqual([
      'daily loss 150 USDT, drawdown 10 % from the equity peak, total notional 5000 USDT, 3 losses in a row → 120 min pause (a hit stops new entries)',
    ]);
    const streak = parsed({ risk_limits: { max_consecutive_losses: 2 } });
    expect(row(startSummary(streak, LIVE), 'limits')).toEqual(['2 losses in a row → pause until the next UTC day (a hit stops new entries)']);
  });

  it('names the strategy with its parameters, the ATR stop, a module path and the webhook', () => {
    const atr = parsed({ strategy: { name: 'ema_cross', fast: 9, slow: 21, atr_stop_mult: 2 } });
    expect(row(startSummary(atr, LIVE), 'strategy')).toEqual(['ema_cross (EMA crossover): fast 9, slow 21, stop 2 × ATR(14)']);
    expect(row(startSummary(atr, LIVE), 'stop')[0]).toMatch(/^initial 2 × ATR\(14\) from the entry;/);
    const mod = parsed({ strategy: { name: 'module', path: 'strategies/rsi.ts', params: { period: 7 } } });
    const s = startSummary(mod, { ...LIVE, webhookUrl: 'http://127.0.0.1:8081/webhook' });
    expect(row(s, 'strategy')).toEqual(['module strategies/rsi.ts, params {"period":7}']);
    expect(row(s, 'webhook')).toEqual(['http://127.0.0.1:8081/webhook (entry and close signals, POST)']);
    expect(row(startSummary(parsed({ strategy: { name: 'signals', file: 's.csv' } }), LIVE), 'strategy')).toEqual(['signals from the CSV file s.csv']);
  });

  it('tells live, testnet, paper and the demo apart, with their costs, and what is not known', () => {
    const c = parsed({ exchange: { testnet: true }, fees: { taker_pct: 0.04, maker_pct: 0.01 }, slippage_pct: 0.02 });
    const testnet = startSummary(c, LIVE);
    expect(row(testnet, 'exchange')).toEqual(['binanceusdm testnet (Binance demo trading)']);
    expect(row(testnet, 'costs')).toEqual(["the exchange's real fees and fills (the config's fees taker 0.04 %, maker 0.01 %, slippage 0.02 % apply to backtests and paper only)"]);
    const paper = startSummary(c, { ...LIVE, mode: 'paper', balances: [], exchangeUrl: 'http://127.0.0.1:18080', dashboardUrl: null, logFile: 'ladder.log' });
    expect(row(paper, 'exchange')).toEqual(['binanceusdm testnet (Binance demo trading) API at http://127.0.0.1:18080 (market data)']);
    expect(row(paper, 'account')).toEqual(['balance not known yet']);
    expect(row(paper, 'costs')).toEqual(['fees taker 0.04 %, maker 0.01 %, slippage 0.02 % (applied to the paper fills)']);
    expect(row(paper, 'dashboard')).toEqual(['off']);
    expect(row(paper, 'log file')).toEqual(['ladder.log (JSON lines)']);
    const demo = startSummary(c, { ...LIVE, mode: 'demo', exchangeUrl: 'http://127.0.0.1:40000' });
    expect(row(demo, 'exchange')).toEqual(['simulator at http://127.0.0.1:40000 (Binance USDⓈ-M compatible, replaying shipped real candles)']);
  });
});
