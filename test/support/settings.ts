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
