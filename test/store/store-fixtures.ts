import {
  type FillInput,
  type MarketRules,
  type Position,
  type Side,
  type StepResult,
  applyFill,
  asSteps,
  onPrice,
  openPosition,
  planLadder,
} from '../../src/core/index.ts';
import type { ExitSettings } from '../../src/core/scaled-tp/settings.ts';
import type { OrderIntent } from '../../src/store/index.ts';
import { BTC } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';

/** A fresh position from the real core: BTCUSDT-like rules, the SPEC's example ladder. */
export function newPosition(
  o: { id?: string; side?: Side; qty?: number; entry?: string; market?: MarketRules; entryFee?: number; settings?: ExitSettings; timeMs?: number } = {},
): Position {
  const market = o.market ?? BTC;
  const plan = planLadder({ side: o.side ?? 'long', entryPrice: o.entry ?? '60000', quantitySteps: asSteps(o.qty ?? 100), market, settings: o.settings ?? DEFAULT_SETTINGS });
  if (!plan.ok) throw new Error(plan.error.message);
  return openPosition({ id: o.id ?? 'p1', symbol: market.id, timeMs: o.timeMs ?? 0, entryFee: o.entryFee ?? 0, plan: plan.value }).position;
}

export function fill(clientOrderId: string, tradeId: string, qtySteps: number, price: number, o: { fee?: number; timeMs?: number; orderId?: string | null } = {}): FillInput {
  return { clientOrderId, tradeId, orderId: o.orderId === undefined ? `x-${clientOrderId}` : o.orderId, timeMs: o.timeMs ?? 1000, qtySteps: asSteps(qtySteps), price, fee: o.fee ?? 0 };
}

export function mustApply(p: Position, f: FillInput): StepResult {
  const r = applyFill(p, f);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/**
 * The price reaches level k (1-based) and its whole order fills in one trade at the target:
 * `reached` is the core's step that sent the order, `filled` the step that booked it.
 */
export function hitLevel(p: Position, k: number, o: { tradeId?: string; fee?: number; timeMs?: number } = {}): { reached: StepResult; fill: FillInput; filled: StepResult } {
  const target = p.plan.levels[k - 1]!.targetPrice;
  const timeMs = o.timeMs ?? 1000 * k;
  const reached = onPrice(p, target, timeMs);
  const cmd = reached.commands.find((c) => c.kind === 'placeExit' && c.level === k);
  if (cmd === undefined || cmd.kind !== 'placeExit') throw new Error(`level ${k} was not sent`);
  const f = fill(cmd.clientOrderId, o.tradeId ?? `t${k}`, cmd.qtySteps, target, { fee: o.fee ?? 0, timeMs });
  return { reached, fill: f, filled: mustApply(reached.position, f) };
}

const exitSide = (p: Position): 'buy' | 'sell' => (p.side === 'long' ? 'sell' : 'buy');

export function exitIntent(p: Position, level: number, qtySteps: number, createdAtMs = 1000): OrderIntent {
  return {
    clientOrderId: `${p.id}-tp${level}`,
    positionId: p.id,
    symbol: p.symbol,
    kind: 'exit',
    level,
    side: exitSide(p),
    type: 'market',
    qtySteps: asSteps(qtySteps),
    priceTicks: null,
    price: null,
    stopTicks: null,
    stopPrice: null,
    reduceOnly: true,
    closePosition: false,
    replacesClientOrderId: null,
    createdAtMs,
  };
}

export function stopIntent(p: Position, seq: number, createdAtMs = 1000): OrderIntent {
  return {
    clientOrderId: `${p.id}-sl${seq}`,
    positionId: p.id,
    symbol: p.symbol,
    kind: 'stop',
    level: null,
    side: exitSide(p),
    type: 'stop_market',
    qtySteps: null,
    priceTicks: null,
    price: null,
    stopTicks: p.stopTicks,
    stopPrice: p.stopPrice,
    reduceOnly: false,
    closePosition: true,
    replacesClientOrderId: seq === 0 ? null : `${p.id}-sl${seq - 1}`,
    createdAtMs,
  };
}

export function entryIntent(p: Position, createdAtMs = 0): OrderIntent {
  return {
    clientOrderId: `${p.id}-entry`,
    positionId: p.id,
    symbol: p.symbol,
    kind: 'entry',
    level: null,
    side: p.side === 'long' ? 'buy' : 'sell',
    type: 'market',
    qtySteps: p.originalSteps,
    priceTicks: null,
    price: null,
    stopTicks: null,
    stopPrice: null,
    reduceOnly: false,
    closePosition: false,
    replacesClientOrderId: null,
    createdAtMs,
  };
}
