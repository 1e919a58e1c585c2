import { formatScaled } from '../decimal.ts';
import { type MarketRules, ticksToPrice } from '../market/market-rules.ts';
import type { LadderPlan, LevelReason, PlannedLevel, SkipReason, StopRule } from '../model/plan.ts';
import { type Result, assertNever, err, ok } from '../result.ts';
import { type Side, type Steps, type Ticks, asSteps } from '../units.ts';
import { notionalMinSteps, shareOfSteps, stopTicksAt, targetTicks } from './price-math.ts';
import { type ExitSettings, type LevelSpec, moveStopRule } from './settings.ts';
import { EntryTicks, type PctFactor, pctFactor, shareOf } from './entry-ticks.ts';

export interface PlanInput {
  readonly side: Side;
  /** Entry fill price as the exchange reports it (text or number); exact decimal. */
  readonly entryPrice: string | number;
  readonly quantitySteps: Steps;
  readonly market: MarketRules;
  readonly settings: ExitSettings;
  /** Per-signal stop distance, %; default `settings.stopLossPct`. */
  readonly stopLossPct?: number;
}

export type PlanError =
  | { readonly code: 'no_quantity'; readonly message: string }
  | { readonly code: 'target_not_positive'; readonly message: string }
  | { readonly code: 'stop_not_positive'; readonly message: string };

/** What a plan needs besides the market and the settings (a planner holds those). */
export type PlanRequest = Omit<PlanInput, 'market' | 'settings'>;

/** The plan fields that depend only on the market: shared by every plan a planner makes. */
type MarketPart = Pick<LadderPlan, 'tickSize' | 'stepSize' | 'tickUnit' | 'stepUnit'>;

/** The exact factors of a percentage x for a long (+x) and a short (−x) price level (see entry-ticks.ts). */
interface SidedFactor {
  readonly long: PctFactor | null;
  readonly short: PctFactor | null;
}
const sided = (x: number): SidedFactor => ({ long: pctFactor(x), short: pctFactor(-x) });

/**
 * Plans the exits of a position once, at entry (R3.4): target, quantity and stop-after of every
 * level, with skips for the minimum (R3.1), the remainder rule (R3.2) and the fallback (R3.3).
 */
export const planLadder = (i: PlanInput): Result<LadderPlan, PlanError> => new LadderPlanner(i.market, i.settings).plan(i);

/**
 * `planLadder` for one market and one set of exit settings, with what depends on them alone worked
 * out once (unit texts, level reasons): the backtest plans every entry of a symbol with one planner,
 * and its plans share those parts instead of carrying copies.
 */
export class LadderPlanner {
  private readonly unit: MarketPart;
  private readonly reasons: readonly LevelReason[];
  /** The integer path for targets and stops, and the factors of every percentage of the settings. */
  private readonly ticks: EntryTicks;
  private readonly targetF: readonly SidedFactor[];
  private readonly takeProfitF: SidedFactor;
  private readonly breakevenF: SidedFactor;
  private readonly stopRuleF: readonly (SidedFactor | null)[];
  private readonly closeF: readonly (PctFactor | null)[];
  /** Scratch: each level's target and exit minimum while a plan is made. */
  private readonly targets: Ticks[];
  private readonly mins: number[];
  /** The initial stop's factor for the last stop distance seen (settings' or a signal's). */
  private stopPct = NaN;
  private stopF: SidedFactor = { long: null, short: null };

  constructor(
    readonly market: MarketRules,
    readonly settings: ExitSettings,
  ) {
    const m = market;
    this.unit = {
      tickSize: formatScaled(1, m.tickSize),
      stepSize: formatScaled(1, m.stepSize),
      tickUnit: { int: Number(m.tickSize.int), scale: m.tickSize.scale },
      stepUnit: { int: Number(m.stepSize.int), scale: m.stepSize.scale },
    };
    this.reasons = settings.levels.map((_, k): LevelReason => `tp${k + 1}`);
    this.ticks = new EntryTicks(this.unit.tickUnit);
    this.targetF = settings.levels.map((l) => sided(l.profitPct));
    this.takeProfitF = sided(settings.takeProfitPct);
    this.breakevenF = sided(settings.breakevenOffsetPct);
    this.stopRuleF = settings.levels.map((_, k) => {
      const rule = moveStopRule(settings.levels, k);
      return typeof rule === 'object' ? sided(rule.profitPct) : null;
    });
    this.closeF = settings.levels.map((l) => pctFactor(l.closePct));
    this.targets = settings.levels.map(() => 0 as Ticks);
    this.mins = settings.levels.map(() => 0);
  }

  /**
   * The price level `pct` % from the entry in ticks, rounded as `round` does (`targetTicks`: away from
   * the entry; `stopTicksAt`: in the position's favour; both up for longs, down for shorts): by the
   * integer path when it can decide, else by that exact function.
   */
  /** The stop after level index k fills (R1.5, `move_stop_to`): exact ticks, or null when it stays. */
  private stopAfterLevel(k: number, targets: readonly Ticks[], breakeven: Ticks, entry: string | number, side: Side): PlannedLevel['stopAfter'] {
    const m = this.market;
    const rule = moveStopRule(this.settings.levels, k);
    if (rule === 'none') return null;
    if (rule === 'breakeven') return stopAt(breakeven, 'breakeven', m);
    if (rule === 'previous_tp') {
      // The configured target of level k−1, even if that level was skipped (SPEC "Skipped levels").
      if (k === 0) throw new Error('previous_tp on level 1 must be rejected by config validation');
      return stopAt(targets[k - 1]!, 'previous_tp', m);
    }
    if (typeof rule === 'object') return stopAt(this.at(entry, rule.profitPct, this.stopRuleF[k]!, side, stopTicksAt), 'profit_pct', m);
    return assertNever(rule);
  }

  private at(entry: string | number, pct: number, f: SidedFactor | null, side: Side, round: typeof targetTicks): Ticks {
    const long = side === 'long';
    const t = f === null ? NaN : this.ticks.ticks(long ? f.long : f.short, long);
    return t === t ? (t as Ticks) : round(entry, pct, side, this.market);
  }

  plan(i: PlanRequest): Result<LadderPlan, PlanError> {
    const { side } = i;
    const { market: m, settings: s, unit } = this;
    const q = i.quantitySteps;
    if (q <= 0) return err({ code: 'no_quantity', message: 'position quantity is zero steps' });
    const entry = i.entryPrice;
    const stopPct = i.stopLossPct ?? s.stopLossPct;
    this.ticks.read(entry);
    if (!Object.is(stopPct, this.stopPct)) {
      this.stopPct = stopPct;
      this.stopF = sided(-stopPct);
    }
    const initialStop = this.at(entry, -stopPct, this.stopF, side, stopTicksAt);
    if (initialStop <= 0) return err({ code: 'stop_not_positive', message: `a stop ${stopPct}% from the entry ${String(i.entryPrice)} is not a positive price` });
    const breakeven = this.at(entry, s.breakevenOffsetPct, this.breakevenF, side, stopTicksAt);
    const base: PlanBase = {
      side,
      entryPrice: Number(i.entryPrice),
      originalSteps: q,
      initialStopTicks: initialStop,
      initialStopPrice: ticksToPrice(initialStop, m),
      breakevenTicks: breakeven,
      execution: s.execution,
      unit,
    };
    // Loops and plain calls, no closures: the backtest plans every entry.
    if (!s.scaled) return singlePlan(base, 'disabled', this.at(entry, s.takeProfitPct, this.takeProfitF, side, targetTicks), s.takeProfitPct, m);

    // The planner's scratch arrays: read only during this call (nothing returned holds them).
    const n = s.levels.length;
    const targets = this.targets;
    const mins = this.mins;
    for (let k = 0; k < n; k++) {
      const l = s.levels[k]!;
      const t = this.at(entry, l.profitPct, this.targetF[k]!, side, targetTicks);
      if (t <= 0) return err({ code: 'target_not_positive', message: `level at ${l.profitPct}% gives a target at or below zero` });
      targets[k] = t;
      mins[k] = minExitSteps(t, m, s);
    }
    const levels = splitQuantity(q, s.levels, mins, this.closeF);
    // "Too small to split" (R3.3): the minimums leave at most one exit. A ladder configured with one
    // level never asked for a split, so it keeps its own target.
    let exits = 0;
    for (const l of levels) if (l.skipped === null) exits++;
    if (exits <= 1 && s.levels.length > 1) {
      if (s.fallbackToSingle) return singlePlan(base, 'too_small_to_split', this.at(entry, s.takeProfitPct, this.takeProfitF, side, targetTicks), s.takeProfitPct, m);
      // No fallback: everything closes at the last level (R3.3).
      for (let k = 0; k < levels.length; k++) {
        const last = k === levels.length - 1;
        levels[k] = { ...levels[k]!, qtySteps: asSteps(last ? q : 0), carriedInSteps: asSteps(last ? q : 0), closesRemainder: last, skipped: last ? null : 'too_small_to_split' };
      }
    }
    // Sized up front: a pushed-to array keeps spare capacity, and every closed trade of a backtest keeps its plan.
    const planned = new Array<PlannedLevel>(s.levels.length);
    for (let k = 0; k < s.levels.length; k++) {
      const spec = s.levels[k]!;
      const t = targets[k]!;
      const split = levels[k]!;
      planned[k] = {
        level: k + 1,
        reason: this.reasons[k]!,
        profitPct: spec.profitPct,
        closePct: spec.closePct,
        targetTicks: t,
        targetPrice: ticksToPrice(t, m),
        minSteps: asSteps(mins[k]!),
        qtySteps: split.qtySteps,
        carriedInSteps: split.carriedInSteps,
        closesRemainder: split.closesRemainder,
        skipped: split.skipped,
        stopAfter: this.stopAfterLevel(k, targets, breakeven, entry, side),
      };
    }
    return ok(planOf(base, 'scaled', null, planned));
  }
}

/** The fields of a plan worked out before its levels. */
interface PlanBase extends Pick<LadderPlan, 'side' | 'entryPrice' | 'originalSteps' | 'initialStopTicks' | 'initialStopPrice' | 'breakevenTicks' | 'execution'> {
  readonly unit: MarketPart;
}

/**
 * One object literal with every field in one order: a spread of `base` plus three more fields made
 * V8 give nearly every plan a hidden class of its own (measured: 3 maps per backtest trade).
 */
function planOf(b: PlanBase, mode: LadderPlan['mode'], singleReason: LadderPlan['singleReason'], levels: readonly PlannedLevel[]): LadderPlan {
  return {
    side: b.side,
    entryPrice: b.entryPrice,
    originalSteps: b.originalSteps,
    initialStopTicks: b.initialStopTicks,
    initialStopPrice: b.initialStopPrice,
    breakevenTicks: b.breakevenTicks,
    execution: b.execution,
    tickSize: b.unit.tickSize,
    stepSize: b.unit.stepSize,
    tickUnit: b.unit.tickUnit,
    stepUnit: b.unit.stepUnit,
    mode,
    singleReason,
    levels,
  };
}

/** The single take-profit plan; `t`: its target, `targetTicks(entry, takeProfitPct)`. */
function singlePlan(base: PlanBase, reason: 'disabled' | 'too_small_to_split', t: Ticks, takeProfitPct: number, m: MarketRules): Result<LadderPlan, PlanError> {
  if (t <= 0) return err({ code: 'target_not_positive', message: `take_profit_pct ${takeProfitPct}% gives a target at or below zero` });
  const level: PlannedLevel = {
    level: 1,
    reason: 'tp',
    profitPct: takeProfitPct,
    closePct: 100,
    targetTicks: t,
    targetPrice: ticksToPrice(t, m),
    minSteps: asSteps(0),
    qtySteps: base.originalSteps,
    carriedInSteps: asSteps(0),
    closesRemainder: true,
    skipped: null,
    stopAfter: null,
  };
  return ok(planOf(base, 'single', reason, [level]));
}

/**
 * The effective minimum of an exit at `priceTicks`, in steps (R3): the exchange's minQty for the order
 * type, its MIN_NOTIONAL only where it binds reduce-only orders, and the user's minimum notional.
 */
export function minExitSteps(priceTicks: Ticks, m: MarketRules, s: Pick<ExitSettings, 'execution' | 'minOrderNotional'>): number {
  const exchangeNotional = m.minNotionalAppliesToReduceOnly ? m.minNotional : 0;
  return Math.max(
    1,
    m.minQtySteps[s.execution],
    notionalMinSteps(exchangeNotional, priceTicks, m),
    notionalMinSteps(s.minOrderNotional, priceTicks, m),
  );
}

type Split = Pick<PlannedLevel, 'qtySteps' | 'carriedInSteps' | 'closesRemainder' | 'skipped'>;

/** A level that will not fire, and what was carried into it. */
const skip = (why: SkipReason, carried: number): Split => ({ qtySteps: asSteps(0), carriedInSteps: asSteps(carried), closesRemainder: false, skipped: why });

/**
 * SPEC "Splitting": level k gets floor(Q × close_pct_k / 100) steps plus what skipped levels rolled in;
 * the last level takes whatever remains. A level below its minimum is skipped and rolls its quantity on
 * (R3.1). A level that would leave a remainder below the minimum of any later level closes it all (R3.2).
 */
export function splitQuantity(q: number, specs: readonly LevelSpec[], mins: readonly number[], closeFactors?: readonly (PctFactor | null)[]): Split[] {
  const n = specs.length;
  // laterMin[k] = the largest minimum among levels after k: a remainder must be closable by any of them.
  const laterMin = new Array<number>(n).fill(0);
  for (let k = n - 2; k >= 0; k--) laterMin[k] = Math.max(laterMin[k + 1]!, mins[k + 1]!);
  const out = new Array<Split>(n);
  let remaining = q;
  let carry = 0;
  for (let k = 0; k < n; k++) {
    if (remaining === 0) {
      out[k] = skip('nothing_left', 0);
      continue;
    }
    const last = k === n - 1;
    let qty = last ? remaining : Math.min(share(q, specs[k]!.closePct, closeFactors?.[k] ?? null) + carry, remaining);
    if (!last && qty < mins[k]!) {
      out[k] = skip('below_minimum', carry);
      carry = qty;
      continue;
    }
    const left = remaining - qty;
    const closesRemainder = last || left === 0 || left < laterMin[k]!;
    if (closesRemainder) qty = remaining;
    out[k] = { qtySteps: asSteps(qty), carriedInSteps: asSteps(carry), closesRemainder, skipped: null };
    remaining -= qty;
    carry = 0;
  }
  return out;
}

/** floor(q × closePct / 100): by the integer path (`closeF` = pctFactor(closePct)) when it decides, else exactly. */
function share(q: number, closePct: number, closeF: PctFactor | null): number {
  const fast = shareOf(q, closeF);
  return fast === fast ? fast : shareOfSteps(q, closePct);
}

const stopAt = (ticks: Ticks, rule: StopRule, m: MarketRules) => ({ ticks, price: ticksToPrice(ticks, m), rule });

