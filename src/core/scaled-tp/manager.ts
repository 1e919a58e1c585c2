import type { ApplyError, FillInput, OrderEndInput, StepResult } from '../model/commands.ts';
import type { LadderPlan } from '../model/plan.ts';
import type { Position } from '../model/position.ts';
import { type Result, err } from '../result.ts';
import { applyFill, applyOrderEnd, onSegment, openPosition, requestClose } from './exit-manager.ts';
import { type PlanError, type PlanInput, planLadder } from './ladder-plan.ts';
import type { ExitSettings } from './settings.ts';
import { type TPStatus, tpStatus } from './tp-status.ts';

/**
 * ScaledTakeProfitManager (plan task 4): the ladder of every symbol under one set of exit settings.
 * A thin, I/O-free holder over the pure functions (planLadder, onSegment, applyFill, …), for drivers
 * that handle one event at a time. One position per symbol (SPEC "Data formats").
 */
export class ScaledTakeProfitManager {
  private readonly bySymbol = new Map<string, Position>();

  constructor(readonly settings: ExitSettings) {}

  plan(input: Omit<PlanInput, 'settings'>): Result<LadderPlan, PlanError> {
    return planLadder({ ...input, settings: this.settings });
  }

  open(input: { id: string; symbol: string; timeMs: number; entryFee: number; plan: LadderPlan }): StepResult {
    if (this.bySymbol.get(input.symbol)?.status === 'open') throw new Error(`${input.symbol} already has an open position`);
    return this.keep(openPosition(input));
  }

  /** Puts back a stored position after a restart (R6.2). */
  restore(p: Position): void {
    this.bySymbol.set(p.symbol, p);
  }

  onPrice(symbol: string, price: number, timeMs: number): StepResult | null {
    return this.onSegment(symbol, price, price, timeMs);
  }

  onSegment(symbol: string, from: number, to: number, timeMs: number): StepResult | null {
    const p = this.bySymbol.get(symbol);
    return p ? this.keep(onSegment(p, from, to, timeMs)) : null;
  }

  applyFill(symbol: string, f: FillInput): Result<StepResult, ApplyError> {
    const p = this.bySymbol.get(symbol);
    if (!p) return err({ code: 'unknown_order', message: `no position tracked for ${symbol}` });
    const r = applyFill(p, f);
    if (r.ok) this.keep(r.value);
    return r;
  }

  applyOrderEnd(symbol: string, e: OrderEndInput): Result<StepResult, ApplyError> {
    const p = this.bySymbol.get(symbol);
    if (!p) return err({ code: 'unknown_order', message: `no position tracked for ${symbol}` });
    const r = applyOrderEnd(p, e);
    if (r.ok) this.keep(r.value);
    return r;
  }

  requestClose(symbol: string, reason: 'signal' | 'end', price: number, timeMs: number): StepResult | null {
    const p = this.bySymbol.get(symbol);
    return p ? this.keep(requestClose(p, reason, price, timeMs)) : null;
  }

  position(symbol: string): Position | undefined {
    return this.bySymbol.get(symbol);
  }

  /** TPStatus of the symbol's position (R4.4); null when nothing is tracked. */
  getTpStatus(symbol: string, markPrice?: number): TPStatus | null {
    const p = this.bySymbol.get(symbol);
    return p ? tpStatus(p, markPrice) : null;
  }

  /** Forget a symbol once its position has ended and its leftovers are cancelled (R4.4). */
  resetTracking(symbol: string): void {
    this.bySymbol.delete(symbol);
  }

  private keep(r: StepResult): StepResult {
    this.bySymbol.set(r.position.symbol, r.position);
    return r;
  }
}
