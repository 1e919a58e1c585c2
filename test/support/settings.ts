import type { BacktestOptions } from '../../src/backtest/engine.ts';
import type { ExitSettings } from '../../src/core/scaled-tp/settings.ts';

/** The SPEC's example ladder (1.0 %/30 %, 2.0 %/30 %, 3.5 %/40 %), market exits, 2 % stop, no fees. */
export const DEFAULT_SETTINGS: ExitSettings = {
  scaled: true,
  levels: [
    { profitPct: 1.0, closePct: 30 },
    { profitPct: 2.0, closePct: 30 },
    { profitPct: 3.5, closePct: 40 },
  ],
  minOrderNotional: 0,
  fallbackToSingle: true,
  execution: 'market',
  breakevenOffsetPct: 0,
  stopLossPct: 2,
  takeProfitPct: 3,
};

/** Backtest options of the hand-built engine cases: the default ladder, no fees, 10,000 USDT, leverage 10, 5 slots, 1,000 USDT a position. */
export const backtestOptions = (o: Partial<BacktestOptions> = {}): BacktestOptions => ({
  settings: DEFAULT_SETTINGS,
  fills: { takerPct: 0, makerPct: 0, slippagePct: 0 },
  intrabar: 'pessimistic',
  startingBalance: 10_000,
  leverage: 10,
  maxOpenPositions: 5,
  positionSize: { mode: 'quote', value: 1000 },
  ...o,
});
