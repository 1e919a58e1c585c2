import type { BacktestOptions, EntrySignal, SkipWhy } from '../../backtest/engine.ts';
import { feeOf, slippedText } from '../../core/fill-model.ts';
import { type MarketRules, stepsToQty } from '../../core/market/market-rules.ts';
import { entryBelowMinimum, entrySteps } from '../../core/position-size.ts';
import type { Steps } from '../../core/units.ts';

/** An entry's fill and size: the same for every exit policy (sizing from the starting balance). */
export interface EntryInfo {
  /** The slipped fill as exact decimal text (null without slippage): the plan's entry price. */
  readonly exact: string | null;
  readonly price: number;
  readonly steps: Steps;
  readonly refused: { readonly why: SkipWhy; readonly detail: string } | null;
  readonly qty: number;
  readonly margin: number;
  readonly fee: number;
}

type SizingOptions = Pick<BacktestOptions, 'fills' | 'leverage' | 'positionSize' | 'sizingBalance'>;

/**
 * The engine's entry arithmetic (`enter` in engine.ts: slipped open, size, exchange minimums, margin,
 * entry fee), done once per signal and kept when it depends on the candle, the signal and the run's
 * options only: always, except `risk_pct` sized from the running balance. With `risk_pct` the stop
 * distance is part of the key.
 */
export class EntryCache {
  private readonly byStop = new Map<number, (EntryInfo | undefined)[]>();
  private readonly varies: boolean;

  constructor(
    private readonly open: Float64Array,
    private readonly market: MarketRules,
    private readonly o: SizingOptions,
  ) {
    this.varies = o.positionSize.mode === 'risk_pct' && o.sizingBalance !== 'starting';
  }

  /** The entry at the open of candle i; `sizingEquity` is the balance `risk_pct` sizes from. */
  get(i: number, sig: EntrySignal, stopPct: number, sizingEquity: number): EntryInfo {
    if (this.varies) return this.compute(i, sig, stopPct, sizingEquity);
    const k = this.o.positionSize.mode === 'risk_pct' ? stopPct : 0;
    let list = this.byStop.get(k);
    // Dense from the start: a sparse array written at index 30,000 falls back to a dictionary.
    if (list === undefined) this.byStop.set(k, (list = new Array<EntryInfo | undefined>(this.open.length).fill(undefined)));
    return (list[i] ??= this.compute(i, sig, stopPct, sizingEquity));
  }

  private compute(i: number, sig: EntrySignal, stopPct: number, sizingEquity: number): EntryInfo {
    const { fills, leverage, positionSize } = this.o;
    const m = this.market;
    const exact = fills.slippagePct === 0 ? null : slippedText(this.open[i]!, sig.side === 'long', fills.slippagePct);
    const price = exact === null ? this.open[i]! : Number(exact);
    const steps = entrySteps(positionSize, price, sizingEquity, stopPct, m);
    const refused = entryBelowMinimum(steps, price, m);
    const qty = stepsToQty(steps, m);
    return { exact, price, steps, refused, qty, margin: (price * qty) / leverage, fee: feeOf(price, qty, fills.takerPct) };
  }
}
