/**
 * What the page components draw: plain JSON shared by the backtest report and the dashboard.
 * Times are ms UTC; the components convert for the chart library.
 */
export interface CandleColumns {
  readonly t: readonly number[];
  readonly o: readonly number[];
  readonly h: readonly number[];
  readonly l: readonly number[];
  readonly c: readonly number[];
}

export interface ExitView {
  readonly timeMs: number;
  readonly price: number;
  readonly quantity: number;
  readonly reason: string;
  readonly level: number | null;
  readonly fee: number;
  readonly pnl: number;
}

export interface TradeView {
  readonly id: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly entryTimeMs: number;
  readonly entryPrice: number;
  readonly originalQuantity: number;
  readonly avgExitPrice: number | null;
  readonly pnl: number;
  readonly initialStop: number;
  /** `reason`: `tp1`…`tpN`, or `tp` for the single take-profit (no ladder level). */
  readonly targets: readonly { readonly level: number; readonly reason: string; readonly price: number; readonly skipped: boolean }[];
  readonly exits: readonly ExitView[];
  readonly stopMoves: readonly { readonly timeMs: number; readonly from: number; readonly to: number; readonly reason: string }[];
  /** Still open (dashboard): no close time yet. */
  readonly open?: boolean;
  /** Funding paid (negative) or received, when modelled (a backtest with `--funding`): part of `pnl`. */
  readonly funding?: number;
}

export interface LevelRow {
  /** Null for the single take-profit's row (`tp`): rows are keyed and named on `reason`. */
  readonly level: number | null;
  readonly reason: string;
  readonly eligible: number;
  readonly hits: number;
  readonly hit_rate: number;
  readonly avg_pnl: number;
}

export interface EquityCurve {
  readonly name: string;
  readonly t: readonly number[];
  readonly v: readonly number[];
}

/** Decimal places to show for a tick size such as 0.010 → 2. */
export function decimalsOf(step: number): number {
  if (!(step > 0)) return 2;
  const text = String(step);
  const e = /e-(\d+)$/.exec(text);
  if (e) return Number(e[1]);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}
