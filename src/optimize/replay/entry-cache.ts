import type { BacktestOptions, SkipWhy } from '../../backtest/engine.ts';
import { feeOf, slippedText } from '../../core/fill-model.ts';
import { type MarketRules, stepsToQty } from '../../core/market/market-rules.ts';
import { entryBelowMinimum, entrySteps } from '../../core/position-size.ts';
import { type Steps, asSteps } from '../../core/units.ts';

type SizingOptions = Pick<BacktestOptions, 'fills' | 'leverage' | 'positionSize' | 'sizingBalance'>;

/** Entries of one stop distance, by signal ordinal, as columns (a candidate reads them in order). */
interface Columns {
  /** 0: not computed yet, 1: an entry, 2: refused by the exchange's minimums. */
  readonly state: Uint8Array;
  readonly price: Float64Array;
  readonly steps: Float64Array;
  readonly margin: Float64Array;
  readonly fee: Float64Array;
  /** The slipped fill as exact decimal text (with slippage only): the plan's entry price. */
  readonly exact: (string | null)[];
  readonly refused: Map<number, { readonly why: SkipWhy; readonly detail: string }>;
}

/**
 * The engine's entry arithmetic (`enter` in engine.ts: slipped open, size, exchange minimums, margin,
 * entry fee), done once per signal and kept when it depends on the candle, the signal and the run's
 * options only: always, except `risk_pct` sized from the equity at each open (then `compute` each time).
 * With `risk_pct` the stop distance is part of the key. Columns of numbers by signal ordinal, not an
 * object per entry: a candidate reads them in order, thousands of times per study.
 */
export class EntryCache {
  private readonly byStop = new Map<number, Columns>();
  private lastKey = NaN;
  private lastCols: Columns | undefined = undefined;
  readonly varies: boolean;
  // The entry `get` put here (the row of the columns, or a fresh computation).
  price = 0;
  steps: Steps = asSteps(0);
  margin = 0;
  fee = 0;
  exact: string | null = null;
  refused: { readonly why: SkipWhy; readonly detail: string } | null = null;

  constructor(
    private readonly open: Float64Array,
    /** Candle index of signal ordinal s. */
    private readonly signalAt: Int32Array,
    private readonly market: MarketRules,
    private readonly o: SizingOptions,
  ) {
    this.varies = o.positionSize.mode === 'risk_pct' && o.sizingBalance !== 'starting';
  }

  /** Loads signal s's entry (a `long` or short one) into the fields above; `sizingEquity` is the balance `risk_pct` sizes from. */
  get(s: number, long: boolean, stopPct: number, sizingEquity: number): void {
    if (this.varies) return this.compute(s, long, stopPct, sizingEquity, null);
    const key = this.o.positionSize.mode === 'risk_pct' ? stopPct : 0;
    let cols = key === this.lastKey ? this.lastCols : this.byStop.get(key);
    if (cols === undefined) this.byStop.set(key, (cols = columns(this.signalAt.length)));
    this.lastKey = key;
    this.lastCols = cols;
    if (cols.state[s] === 0) return this.compute(s, long, stopPct, sizingEquity, cols);
    this.price = cols.price[s]!;
    this.steps = asSteps(cols.steps[s]!);
    this.margin = cols.margin[s]!;
    this.fee = cols.fee[s]!;
    this.exact = cols.exact[s] ?? null;
    this.refused = cols.state[s] === 2 ? cols.refused.get(s)! : null;
  }

  private compute(s: number, long: boolean, stopPct: number, sizingEquity: number, cols: Columns | null): void {
    const { fills, leverage, positionSize } = this.o;
    const m = this.market;
    const open = this.open[this.signalAt[s]!]!;
    const exact = fills.slippagePct === 0 ? null : slippedText(open, long, fills.slippagePct);
    const price = exact === null ? open : Number(exact);
    const steps = entrySteps(positionSize, price, sizingEquity, stopPct, m);
    const refused = entryBelowMinimum(steps, price, m);
    const qty = stepsToQty(steps, m);
    this.price = price;
    this.steps = steps;
    this.margin = (price * qty) / leverage;
    this.fee = feeOf(price, qty, fills.takerPct);
    this.exact = exact;
    this.refused = refused;
    if (cols === null) return;
    cols.state[s] = refused ? 2 : 1;
    cols.price[s] = price;
    cols.steps[s] = steps;
    cols.margin[s] = this.margin;
    cols.fee[s] = this.fee;
    if (exact !== null) cols.exact[s] = exact;
    if (refused) cols.refused.set(s, refused);
  }
}

function columns(n: number): Columns {
  return {
    state: new Uint8Array(n),
    price: new Float64Array(n),
    steps: new Float64Array(n),
    margin: new Float64Array(n),
    fee: new Float64Array(n),
    exact: [],
    refused: new Map(),
  };
}
