import { type FillModel, advanceSegment } from '../../src/core/fill-model.ts';
import type { MarketRules } from '../../src/core/market/market-rules.ts';
import type { Command, DomainEvent } from '../../src/core/model/commands.ts';
import type { Position } from '../../src/core/model/position.ts';
import { applyFill, onPrice, openPosition } from '../../src/core/scaled-tp/exit-manager.ts';
import { planLadder } from '../../src/core/scaled-tp/ladder-plan.ts';
import type { ExitSettings } from '../../src/core/scaled-tp/settings.ts';
import { type Side, asSteps } from '../../src/core/units.ts';

export const NO_FEES: FillModel = { takerPct: 0, makerPct: 0, slippagePct: 0 };

export function open(o: { side?: Side; entry: string; qty: number; market: MarketRules; settings: ExitSettings; entryFee?: number; id?: string }) {
  const plan = planLadder({ side: o.side ?? 'long', entryPrice: o.entry, quantitySteps: asSteps(o.qty), market: o.market, settings: o.settings });
  if (!plan.ok) throw new Error(plan.error.message);
  return openPosition({ id: o.id ?? 'p1', symbol: o.market.id, timeMs: 0, entryFee: o.entryFee ?? 0, plan: plan.value });
}

export interface Trace {
  position: Position;
  commands: Command[];
  events: DomainEvent[];
  /** Every intermediate position, for invariant checks. */
  states: Position[];
}

/** Walks the price path point to point (each pair one straight segment) with immediate fills. */
export function walk(start: Position, path: readonly number[], fm: FillModel = NO_FEES): Trace {
  const t: Trace = { position: start, commands: [], events: [], states: [start] };
  for (let i = 1; i < path.length; i++) {
    const r = advanceSegment(t.position, path[i - 1]!, path[i]!, i, fm);
    t.position = r.position;
    t.commands.push(...r.commands);
    t.events.push(...r.events);
    t.states.push(r.position);
  }
  return t;
}

/** `tp1@60600x3`-style summary of the exits. */
export const exitsOf = (p: Position): string[] => p.partialExits.map((e) => `${e.reason}@${e.price}x${e.qtySteps}`);

/** Each exit order the price sends, filled whole at its trigger price with fee 0.1. */
export function fillSent(p: Position, price: number, timeMs: number): Position {
  const r = onPrice(p, price, timeMs);
  let q = r.position;
  for (const c of r.commands) {
    if (c.kind !== 'placeExit' && c.kind !== 'closeRemainder') continue;
    const f = applyFill(q, { clientOrderId: c.clientOrderId, tradeId: `t-${c.clientOrderId}`, orderId: null, timeMs, qtySteps: c.qtySteps, price: c.triggerPrice, fee: 0.1 });
    if (!f.ok) throw new Error(f.error.message);
    q = f.value.position;
  }
  return q;
}
