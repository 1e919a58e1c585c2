import { formatScaled, scaledIntToNumber } from '../decimal.ts';
import { type MarketRules, ticksToPrice } from '../market/market-rules.ts';
import type { LadderPlan, LevelReason, PlannedLevel, SkipReason, StopRule } from '../model/plan.ts';
import { type Result, assertNever, err, ok } from '../result.ts';
import { type Side, type Steps, type Ticks, asSteps } from '../units.ts';
import { notionalMinSteps, shareOfSteps, stopTicksAt, targetTicks } from './price-math.ts';
import { type ExitSettings, type LevelSpec, type MoveStopTo, moveStopRule } from './settings.ts';
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
  /**
   * A position already open (the bot's entry filled at another price than the one its plan was checked
   * at): a stop distance under one tick puts the stop one tick past the entry instead of refusing the
   * plan (`stop_at_entry`), so the position is never left without a stop.
   */
  readonly stopAtLeastOneTick?: boolean;
}

export type PlanError =
  | { readonly code: 'no_quantity'; readonly message: string }
  | { readonly code: 'target_not_positive'; readonly message: string }
  | { readonly code: 'stop_not_positive'; readonly message: string }
  | { readonly code: 'stop_at_entry'; readonly message: string };

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
/** The entry itself, rounded as a stop is (in the position's favour). */
const AT_ENTRY = sided(0);

/**
 * `s` as an internalized string (V8 keeps one copy of each property name), for a string the rules
 * compare with literals on every plan and fill. A config's string (JSON.parse internalizes only short
 * values: "previous_tp" is not) or a template's (`tp${k}`) is a string of its own, and each `===`
 * against a literal then calls V8's StringEqual instead of comparing two pointers. Same text.
 */
const interned = <T extends string>(s: T): T => Object.keys({ [s]: 0 })[0] as T;
/** A stop rule with its string interned (see `interned`); an object rule as it is. */
const internedRule = (rule: MoveStopTo): MoveStopTo => (typeof rule === 'string' ? interned(rule) : rule);

/**
 * Plans the exits of a position once, at entry (R3.4): target, quantity and stop-after of every
 * level, with skips for the minimum (R3.1), the remainder rule (R3.2) and the fallback (R3.3).
 */
export const planLadder = (i: PlanInput): Result<LadderPlan, PlanError> => new LadderPlanner(i.market, i.settings).plan(i);

/**
 * `planLadder` for one market and one set of exit settings, with what depends on them alone worked
 * out once (unit texts, level reasons, stop rules, exit minimums that do not depend on the price,
 * the factors of every percentage): the backtest plans every entry of a symbol with one planner, so a
 * plan allocates only its own objects, and its plans share those parts instead of carrying copies.
 */
export class LadderPlanner {
  private readonly unit: MarketPart;
  private readonly reasons: readonly LevelReason[];
  private readonly stopRules: readonly MoveStopTo[];
  /** The integer path for targets and stops, and the factors of every percentage of the settings. */
  private readonly ticks: EntryTicks;
  private readonly targetF: readonly SidedFactor[];
  private readonly takeProfitF: SidedFactor;
  private readonly breakevenF: SidedFactor;
  private readonly stopRuleF: readonly (SidedFactor | null)[];
  private readonly closeF: readonly (PctFactor | null)[];
  /** max(1, minQty): every level's exit minimum when no notional minimum applies (then it is price-free). */
  private readonly fixedMin: number;
  private readonly minIsFixed: boolean;
  /** Ticks to a price by the plain path (`tickUnit.int` a safe integer), else `ticksToPrice`. */
  private readonly plainTick: boolean;
  /** The tick as a double (for an estimate only). */
  private readonly tickNumber: number;
  /** Scratch, read only during one `plan` call (nothing returned holds them): each level's target, minimum and split. */
  private readonly targets: Ticks[];
  private readonly mins: number[];
  private readonly laterMin: number[];
  private readonly qty: number[];
  private readonly carried: number[];
  private readonly closes: boolean[];
  private readonly skips: (SkipReason | null)[];
  /**
   * `planScratch`: the plan is written into these objects, the planner's own, instead of new ones
   * (a scaled and a single plan, made on first use; each with its result and its levels' stop-afters).
   */
  private scaledScratch: Scratch | null = null;
  private singleScratch: Scratch | null = null;
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
    const n = settings.levels.length;
    this.reasons = settings.levels.map((_, k): LevelReason => interned(`tp${k + 1}`));
    this.stopRules = settings.levels.map((_, k) => internedRule(moveStopRule(settings.levels, k)));
    this.ticks = new EntryTicks(this.unit.tickUnit);
    this.targetF = settings.levels.map((l) => sided(l.profitPct));
    this.takeProfitF = sided(settings.takeProfitPct);
    this.breakevenF = sided(settings.breakevenOffsetPct);
    this.stopRuleF = this.stopRules.map((rule) => (typeof rule === 'object' ? sided(rule.profitPct) : null));
    this.closeF = settings.levels.map((l) => pctFactor(l.closePct));
    // minExitSteps's notional terms are 0 when their minimums are (notionalMinSteps of 0 is 0).
    this.fixedMin = Math.max(1, m.minQtySteps[settings.execution]);
    this.minIsFixed = !(m.minNotionalAppliesToReduceOnly && m.minNotional > 0) && !(settings.minOrderNotional > 0);
    this.plainTick = Number.isSafeInteger(this.unit.tickUnit.int);
    this.tickNumber = this.unit.tickUnit.int / 10 ** this.unit.tickUnit.scale;
    this.targets = new Array<Ticks>(n).fill(0 as Ticks);
    this.mins = new Array<number>(n).fill(0);
    this.laterMin = new Array<number>(n).fill(0);
    this.qty = new Array<number>(n).fill(0);
    this.carried = new Array<number>(n).fill(0);
    this.closes = new Array<boolean>(n).fill(false);
    this.skips = new Array<SkipReason | null>(n).fill(null);
  }

  private price(t: Ticks): number {
    const u = this.unit.tickUnit;
    return this.plainTick ? scaledIntToNumber(t, u.int, u.scale) : ticksToPrice(t, this.market);
  }

  /**
   * The stop after level index k fills (R1.5, `move_stop_to`): exact ticks, or null when it stays.
   * Written into `into` when given (a scratch plan's), else a new object.
   */
  private stopAfterLevel(k: number, breakeven: Ticks, entry: string | number, side: Side, into: MutableStopAfter | null): PlannedLevel['stopAfter'] {
    const rule = this.stopRules[k]!;
    if (rule === 'none') return null;
    if (rule === 'breakeven') return stopAfterOf(into, breakeven, this.price(breakeven), 'breakeven');
    if (rule === 'previous_tp') {
      // The configured target of level k−1, even if that level was skipped (SPEC "Skipped levels").
      if (k === 0) throw new Error('previous_tp on level 1 must be rejected by config validation');
      const t = this.targets[k - 1]!;
      return stopAfterOf(into, t, this.price(t), 'previous_tp');
    }
    if (typeof rule === 'object') {
      const t = this.at(entry, rule.profitPct, this.stopRuleF[k]!, side, stopTicksAt);
      return stopAfterOf(into, t, this.price(t), 'profit_pct');
    }
    return assertNever(rule);
  }

  /**
   * The price level `pct` % from the entry in ticks, rounded as `round` does (`targetTicks`: away from
   * the entry; `stopTicksAt`: in the position's favour; both up for longs, down for shorts): by the
   * integer path when it can decide, else by that exact function.
   */
  private at(entry: string | number, pct: number, f: SidedFactor | null, side: Side, round: typeof targetTicks): Ticks {
    const long = side === 'long';
    const t = f === null ? NaN : this.ticks.ticks(long ? f.long : f.short, long);
    return t === t ? (t as Ticks) : round(entry, pct, side, this.market);
  }

  /**
   * `plan`, written into objects the planner owns and writes again on its next `planScratch`: for a
   * driver that drops each plan when its trade closes, before it plans the next one (the backtest,
   * whose closed trades plan again when read; the optimizer's figures), so that an entry allocates
   * no plan. Never for a plan that is kept (the bot's, a stored one, a trade of a `BacktestRun` kept
   * as a position).
   */
  planScratch(i: PlanRequest): Result<LadderPlan, PlanError> {
    return this.make(i, true);
  }

  plan(i: PlanRequest): Result<LadderPlan, PlanError> {
    return this.make(i, false);
  }

  /** A plan in new objects, or (`reuse`) in the planner's scratch objects. */
  private make(i: PlanRequest, reuse: boolean): Result<LadderPlan, PlanError> {
    const { side } = i;
    const { market: m, settings: s } = this;
    const q = i.quantitySteps;
    if (q <= 0) return err({ code: 'no_quantity', message: 'position quantity is zero steps' });
    asSteps(q);
    const entry = i.entryPrice;
    const stopPct = i.stopLossPct ?? s.stopLossPct;
    this.ticks.read(entry);
    if (!Object.is(stopPct, this.stopPct)) {
      this.stopPct = stopPct;
      this.stopF = sided(-stopPct);
    }
    let initialStop = this.at(entry, -stopPct, this.stopF, side, stopTicksAt);
    if (initialStop <= 0) return err({ code: 'stop_not_positive', message: `a stop ${stopPct}% from the entry ${String(i.entryPrice)} is not a positive price` });
    const entryNumber = Number(entry);
    // A stop distance under one tick, rounded in the position's favour, lands on the entry (or past it):
    // the trade would be stopped at its own entry (the backtest at the entry candle's open, live as a
    // stop that triggers at once), a loss of fees for nothing. A distance of a tick or more cannot
    // (for a long ceil(x − 1) < ceil(x), for a short floor(x + 1) > floor(x), x the entry in ticks):
    // then the entry is not rounded at all. The estimate's margin (0.1 %) is far beyond its few ulps.
    const onEntry = (entryNumber * stopPct) / 100 > this.tickNumber * 1.001 ? (side === 'long' ? initialStop + 1 : initialStop - 1) : this.at(entry, 0, AT_ENTRY, side, stopTicksAt);
    if ((side === 'long' ? initialStop >= onEntry : initialStop <= onEntry) && i.stopAtLeastOneTick === true) {
      // onEntry is the entry rounded in the position's favour: one tick past it is past the entry.
      initialStop = (side === 'long' ? onEntry - 1 : onEntry + 1) as Ticks;
      if (initialStop <= 0) return err({ code: 'stop_not_positive', message: `a stop one tick from the entry ${String(i.entryPrice)} is not a positive price` });
    } else if (side === 'long' ? initialStop >= onEntry : initialStop <= onEntry) {
      return err({ code: 'stop_at_entry', message: `a stop ${stopPct}% from the entry ${String(i.entryPrice)} rounds to ${this.price(initialStop)} on ${m.symbol}'s tick ${formatScaled(1, m.tickSize)}: at or past the entry (the stop distance is less than one tick; raise stop_loss_pct)` });
    }
    const breakeven = this.at(entry, s.breakevenOffsetPct, this.breakevenF, side, stopTicksAt);
    const head: PlanHead = { side, entryPrice: entryNumber, q, initialStop, breakeven };
    // Loops and plain calls, no closures: the backtest plans every entry.
    if (!s.scaled) return this.single(head, 'disabled', this.at(entry, s.takeProfitPct, this.takeProfitF, side, targetTicks), reuse);

    const n = s.levels.length;
    const { targets, mins } = this;
    for (let k = 0; k < n; k++) {
      const t = this.at(entry, s.levels[k]!.profitPct, this.targetF[k]!, side, targetTicks);
      if (t <= 0) return err({ code: 'target_not_positive', message: `level ${k + 1} (scaled_tp_levels[${k}].profit_pct ${s.levels[k]!.profitPct}%) puts a short's target at or below zero from the entry ${entryNumber}: a short gains at most 100 %` });
      targets[k] = t;
      mins[k] = this.minIsFixed ? this.fixedMin : minExitSteps(t, m, s);
    }
    const exits = this.split(q);
    // "Too small to split" (R3.3): the minimums leave at most one exit. A ladder configured with one
    // level never asked for a split, so it keeps its own target.
    if (exits <= 1 && n > 1) {
      if (s.fallbackToSingle) return this.single(head, 'too_small_to_split', this.at(entry, s.takeProfitPct, this.takeProfitF, side, targetTicks), reuse);
      // No fallback: everything closes at the last level (R3.3).
      for (let k = 0; k < n; k++) {
        const last = k === n - 1;
        this.qty[k] = last ? q : 0;
        this.carried[k] = last ? q : 0;
        this.closes[k] = last;
        this.skips[k] = last ? null : 'too_small_to_split';
      }
    }
    if (reuse) {
      const levels = this.scaledLevels(n, breakeven, entry, side);
      return this.planOf(head, 'scaled', null, levels, this.scaledScratch);
    }
    // Sized up front: a pushed-to array keeps spare capacity.
    const planned = new Array<PlannedLevel>(n);
    for (let k = 0; k < n; k++) {
      const spec = s.levels[k]!;
      const t = targets[k]!;
      const l = (planned[k] = newLevel());
      l.level = k + 1;
      l.reason = this.reasons[k]!;
      l.profitPct = spec.profitPct;
      l.closePct = spec.closePct;
      l.targetTicks = t;
      l.targetPrice = this.price(t);
      l.minSteps = asSteps(mins[k]!);
      l.qtySteps = asSteps(this.qty[k]!);
      l.carriedInSteps = asSteps(this.carried[k]!);
      l.closesRemainder = this.closes[k]!;
      l.skipped = this.skips[k]!;
      l.stopAfter = this.stopAfterLevel(k, breakeven, entry, side, null);
    }
    return this.planOf(head, 'scaled', null, planned, null);
  }

  /**
   * The scaled plan's levels written into the scratch plan (`planScratch`), from the targets, minimums
   * and split of this plan: what does not depend on the entry (level, reason, percentages, the stop
   * rule, a price-free minimum) was written when the scratch was made, so only the entry's own values
   * are written here; each price is made once (a breakeven or previous-target stop reads the one made).
   * The same values as the new levels of `plan` (a property test holds the two plans equal).
   */
  private scaledLevels(n: number, breakeven: Ticks, entry: string | number, side: Side): readonly PlannedLevel[] {
    const into = (this.scaledScratch ??= this.newScaledScratch(n));
    const { targets, mins, qty, carried, closes, skips } = this;
    const levels = into.levels;
    let breakevenPrice = NaN;
    for (let k = 0; k < n; k++) {
      const t = targets[k]!;
      const l = levels[k]!;
      l.targetTicks = t;
      l.targetPrice = this.price(t);
      if (!this.minIsFixed) l.minSteps = asSteps(mins[k]!);
      // The split's quantities are of q, checked a safe integer (asSteps) before: none of them is more.
      l.qtySteps = qty[k]! as Steps;
      l.carriedInSteps = carried[k]! as Steps;
      l.closesRemainder = closes[k]!;
      l.skipped = skips[k]!;
      const to = l.stopAfter as MutableStopAfter | null;
      if (to === null) continue;
      const rule = this.stopRules[k]!;
      if (rule === 'breakeven') {
        if (breakevenPrice !== breakevenPrice) breakevenPrice = this.price(breakeven);
        to.ticks = breakeven;
        to.price = breakevenPrice;
      } else if (rule === 'previous_tp') {
        // The configured target of level k−1, even if that level was skipped (SPEC "Skipped levels").
        to.ticks = targets[k - 1]!;
        to.price = levels[k - 1]!.targetPrice;
      } else this.stopAfterLevel(k, breakeven, entry, side, to);
    }
    return levels;
  }

  /** The scaled scratch plan, with its levels' entry-free fields written once. */
  private newScaledScratch(n: number): Scratch {
    const sc = newScratch(n, this.unit);
    for (let k = 0; k < n; k++) {
      const spec = this.settings.levels[k]!;
      const l = sc.levels[k]!;
      l.level = k + 1;
      l.reason = this.reasons[k]!;
      l.profitPct = spec.profitPct;
      l.closePct = spec.closePct;
      if (this.minIsFixed) l.minSteps = asSteps(this.fixedMin);
      const rule = this.stopRules[k]!;
      if (rule === 'previous_tp' && k === 0) throw new Error('previous_tp on level 1 must be rejected by config validation');
      const to = sc.stopAfters[k]!;
      if (rule !== 'none') to.rule = rule === 'breakeven' ? 'breakeven' : rule === 'previous_tp' ? 'previous_tp' : 'profit_pct';
      l.stopAfter = rule === 'none' ? null : to;
    }
    return sc;
  }

  /** `splitQuantity` into the planner's scratch (no object per level); returns the number of exits. */
  private split(q: number): number {
    const specs = this.settings.levels;
    const { mins, laterMin, qty: qtyOut, carried, closes, skips } = this;
    const n = specs.length;
    // The remainder is closed by the last level (the ones between may skip and roll on): its minimum.
    laterMin[n - 1] = 0;
    for (let k = n - 2; k >= 0; k--) laterMin[k] = mins[n - 1]!;
    let remaining = q;
    let carry = 0;
    let exits = 0;
    for (let k = 0; k < n; k++) {
      if (remaining === 0) {
        qtyOut[k] = 0;
        carried[k] = 0;
        closes[k] = false;
        skips[k] = 'nothing_left';
        continue;
      }
      const last = k === n - 1;
      let qty = last ? remaining : Math.min(share(q, specs[k]!.closePct, this.closeF[k] ?? null) + carry, remaining);
      if (!last && qty < mins[k]!) {
        qtyOut[k] = 0;
        carried[k] = carry;
        closes[k] = false;
        skips[k] = 'below_minimum';
        carry = qty;
        continue;
      }
      const left = remaining - qty;
      const closesRemainder = last || left === 0 || left < laterMin[k]!;
      if (closesRemainder) qty = remaining;
      qtyOut[k] = qty;
      carried[k] = carry;
      closes[k] = closesRemainder;
      skips[k] = null;
      exits++;
      remaining -= qty;
      carry = 0;
    }
    return exits;
  }

  /** The single take-profit plan; `t`: its target, `targetTicks(entry, takeProfitPct)`. */
  private single(h: PlanHead, reason: 'disabled' | 'too_small_to_split', t: Ticks, reuse: boolean): Result<LadderPlan, PlanError> {
    const tp = this.settings.takeProfitPct;
    if (t <= 0) return err({ code: 'target_not_positive', message: `take_profit_pct ${tp}% puts a short's target at or below zero from the entry ${h.entryPrice}: a short gains at most 100 %` });
    const into = reuse ? (this.singleScratch ??= newScratch(1, this.unit)) : null;
    const l = into === null ? newLevel() : into.levels[0]!;
    l.level = 1;
    l.reason = 'tp';
    l.profitPct = tp;
    l.closePct = 100;
    l.targetTicks = t;
    l.targetPrice = this.price(t);
    l.minSteps = asSteps(0);
    l.qtySteps = asSteps(h.q);
    l.carriedInSteps = asSteps(0);
    l.closesRemainder = true;
    l.skipped = null;
    l.stopAfter = null;
    return this.planOf(h, 'single', reason, into === null ? [l] : into.levels, into);
  }

  /**
   * The plan's own fields, written into a new plan (`newPlan`: every field in one order, one hidden
   * class) or into the scratch one; its result is the scratch's own when reused.
   */
  private planOf(h: PlanHead, mode: LadderPlan['mode'], singleReason: LadderPlan['singleReason'], levels: readonly PlannedLevel[], into: Scratch | null): Result<LadderPlan, PlanError> {
    const u = this.unit;
    const p = into === null ? newPlan(u) : into.plan;
    p.side = h.side;
    p.entryPrice = h.entryPrice;
    p.originalSteps = asSteps(h.q);
    p.initialStopTicks = h.initialStop;
    p.initialStopPrice = this.price(h.initialStop);
    p.breakevenTicks = h.breakeven;
    p.execution = this.settings.execution;
    p.mode = mode;
    p.singleReason = singleReason;
    p.levels = levels;
    return into === null ? ok(p) : into.result;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutablePlan = Mutable<LadderPlan>;
type MutableLevel = Mutable<PlannedLevel>;
type MutableStopAfter = Mutable<NonNullable<PlannedLevel['stopAfter']>>;

/** A plan the planner writes again on each `planScratch`: its objects, and the result that holds it. */
interface Scratch {
  readonly plan: MutablePlan;
  readonly levels: MutableLevel[];
  readonly stopAfters: MutableStopAfter[];
  readonly result: Result<LadderPlan, PlanError>;
}

// Every plan, level and stop-after is made by these, with every field in one order: one hidden class
// each (a spread of a base plus more fields gave nearly every plan a class of its own: 3 maps per trade).
const newPlan = (u: MarketPart): MutablePlan => ({
  side: 'long',
  entryPrice: 0,
  originalSteps: asSteps(0),
  initialStopTicks: 0 as Ticks,
  initialStopPrice: 0,
  breakevenTicks: 0 as Ticks,
  execution: 'market',
  tickSize: u.tickSize,
  stepSize: u.stepSize,
  tickUnit: u.tickUnit,
  stepUnit: u.stepUnit,
  mode: 'scaled',
  singleReason: null,
  levels: [],
});

const newLevel = (): MutableLevel => ({
  level: 0,
  reason: 'tp',
  profitPct: 0,
  closePct: 0,
  targetTicks: 0 as Ticks,
  targetPrice: 0,
  minSteps: asSteps(0),
  qtySteps: asSteps(0),
  carriedInSteps: asSteps(0),
  closesRemainder: false,
  skipped: null,
  stopAfter: null,
});

function stopAfterOf(into: MutableStopAfter | null, ticks: Ticks, price: number, rule: StopRule): PlannedLevel['stopAfter'] {
  if (into === null) return { ticks, price, rule };
  into.ticks = ticks;
  into.price = price;
  into.rule = rule;
  return into;
}

function newScratch(n: number, u: MarketPart): Scratch {
  const plan = newPlan(u);
  const levels = Array.from({ length: n }, newLevel);
  plan.levels = levels;
  return { plan, levels, stopAfters: Array.from({ length: n }, (): MutableStopAfter => ({ ticks: 0 as Ticks, price: 0, rule: 'breakeven' })), result: ok(plan) };
}

/** What a plan knows before its levels (a scratch of one `plan` call). */
interface PlanHead {
  readonly side: Side;
  readonly entryPrice: number;
  readonly q: number;
  readonly initialStop: Ticks;
  readonly breakeven: Ticks;
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
 * (R3.1). A level that would leave a remainder below the last level's minimum closes it all (R3.2):
 * the last level closes whatever remains, and a level between that cannot meet its own minimum is
 * skipped and rolls on, so only the last one's minimum can leave dust. (Not the largest later
 * minimum: for a long with a notional minimum, nearer targets need more steps, and a remainder the
 * last level can close would close everything early, or fall back to the single take-profit.)
 */
export function splitQuantity(q: number, specs: readonly LevelSpec[], mins: readonly number[], closeFactors?: readonly (PctFactor | null)[]): Split[] {
  const n = specs.length;
  // laterMin[k]: the minimum a remainder left by level k must meet, the last level's (it closes it).
  const laterMin = new Array<number>(n).fill(0);
  for (let k = n - 2; k >= 0; k--) laterMin[k] = mins[n - 1]!;
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

