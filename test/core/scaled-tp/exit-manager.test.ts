import { describe, expect, it } from 'vitest';
import { applyFill, applyOrderEnd, averageExitPrice, onPrice, requestClose, totalPnl } from '../../../src/core/scaled-tp/exit-manager.ts';
import { asSteps } from '../../../src/core/units.ts';
import { exitsOf, open, walk } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../../support/settings.ts';

const btcLong = (settings = S) => open({ entry: '60000', qty: 10, market: BTC, settings });
const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('exit manager: the ladder on a price path', () => {
  it('places the initial stop at entry and asks for nothing else in market mode', () => {
    const r = btcLong();
    expect(r.commands).toEqual([{ kind: 'placeStop', clientOrderId: 'p1-sl0', stopTicks: 588000, stopPrice: 58800 }]);
    expect(r.position.nextTargetPrice).toBe(60600);
    expect(r.position.stopPrice).toBe(58800);
  });

  it('runs a long ladder to completion, lowest level first, moving the stop up', () => {
    const t = walk(btcLong().position, [60000, 60700, 61300, 62200]);
    expect(exitsOf(t.position)).toEqual(['tp1@60600x3', 'tp2@61200x3', 'tp3@62100x4']);
    expect(t.position.status).toBe('closed');
    expect(t.position.tpLevelsHit).toEqual([1, 2, 3]);
    expect(t.position.stopMoves.map((m) => [m.fromPrice, m.toPrice, m.rule, m.level])).toEqual([
      [58800, 60000, 'breakeven', 1],
      [60000, 60600, 'previous_tp', 2],
    ]);
    // Flat: the last stop is cancelled, nothing rests (F12).
    expect(t.commands.at(-1)).toEqual({ kind: 'cancelOrders', clientOrderIds: ['p1-sl2'] });
  });

  it('runs a short ladder to completion, moving the stop down', () => {
    const t = walk(open({ side: 'short', entry: '60000', qty: 10, market: BTC, settings: S }).position, [60000, 59300, 58700, 57800]);
    expect(exitsOf(t.position)).toEqual(['tp1@59400x3', 'tp2@58800x3', 'tp3@57900x4']);
    expect(t.position.stopMoves.map((m) => m.toPrice)).toEqual([60000, 59400]);
  });

  it('fills every level a gap jumps past at the gap price, and the stop goes to the previous target, not the gap', () => {
    const t = walk(btcLong().position, [61500, 61500]);
    expect(exitsOf(t.position)).toEqual(['tp1@61500x3', 'tp2@61500x3']);
    expect(t.position.stopMoves.map((m) => m.toPrice)).toEqual([60000, 60600]);
  });

  it('checks the moved stop on the rest of the path: TP1 then back through breakeven', () => {
    const t = walk(btcLong().position, [60000, 60700, 59900]);
    expect(exitsOf(t.position)).toEqual(['tp1@60600x3', 'stop@60000x7']);
    expect(t.position.remainingSteps).toBe(0);
  });

  it('a gap through the stop fills at the gap price', () => {
    const t = walk(btcLong().position, [58000, 58500]);
    expect(exitsOf(t.position)).toEqual(['stop@58000x10']);
    expect(t.position.stopMoves).toEqual([]);
  });

  it('never records a refused stop move (favourable only)', () => {
    const settings = {
      ...S,
      levels: [
        { profitPct: 1, closePct: 30, moveStopTo: { profitPct: 0.5 } },
        { profitPct: 2, closePct: 30, moveStopTo: 'breakeven' as const },
        { profitPct: 3.5, closePct: 40 },
      ],
    };
    const t = walk(btcLong(settings).position, [60000, 61300, 61250]);
    expect(t.position.stopMoves.map((m) => m.toPrice)).toEqual([60300]);
    expect(t.position.stopPrice).toBe(60300);
  });

  it('books fees and splits the entry fee pro rata so exit PnLs sum to the trade PnL', () => {
    const fm = { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 };
    const entryFee = (60000 * 0.01 * 0.05) / 100; // 0.3
    const t = walk(open({ entry: '60000', qty: 10, market: BTC, settings: S, entryFee }).position, [60000, 60700, 59900], fm);
    const [tp1, stop] = t.position.partialExits;
    expect(tp1!.fee).toBeCloseTo((60600 * 0.003 * 0.05) / 100, 12);
    expect(tp1!.pnl).toBeCloseTo(600 * 0.003 - tp1!.fee - entryFee * 0.3, 12);
    expect(stop!.pnl).toBeCloseTo(0 - stop!.fee - entryFee * 0.7, 12);
    expect(totalPnl(t.position)).toBeCloseTo(600 * 0.003 - tp1!.fee - stop!.fee - entryFee, 12);
    expect(averageExitPrice(t.position)).toBeCloseTo((60600 * 3 + 60000 * 7) / 10, 9);
  });

  it('applies slippage against the trader on market exits', () => {
    const t = walk(btcLong().position, [60000, 60700, 59900], { takerPct: 0, makerPct: 0, slippagePct: 0.1 });
    expect(t.position.partialExits.map((e) => e.price)).toEqual([60600 * 0.999, 60000 * 0.999]);
  });
});

describe('exit manager: a single take-profit is not ladder level 1', () => {
  // Scaled TP off: BTC long 10 at 60000, take_profit_pct 3 → 61800. Its order (what the bot stores as
  // the order's level) and its tp.hit event carry no level, as its exit does (SPEC "Result JSON").
  const single = { ...S, scaled: false };
  it('market: the exit order and the tp.hit event of the single take-profit have level null', () => {
    const t = walk(btcLong(single).position, [60000, 61900]);
    expect(exitsOf(t.position)).toEqual(['tp@61800x10']);
    expect(t.position.partialExits[0]!.level).toBeNull();
    expect(t.commands.filter((c) => c.kind === 'placeExit').map((c) => [c.reason, c.level])).toEqual([['tp', null]]);
    expect(t.events.filter((e) => e.type === 'tp.hit').map((e) => [e.reason, e.level])).toEqual([['tp', null]]);
  });

  it('limit: the resting order placed at entry has level null too; a ladder keeps its levels', () => {
    const r = btcLong({ ...single, execution: 'limit' });
    expect(r.commands.filter((c) => c.kind === 'placeExit').map((c) => [c.reason, c.level])).toEqual([['tp', null]]);
    const ladder = btcLong({ ...S, execution: 'limit' });
    expect(ladder.commands.filter((c) => c.kind === 'placeExit').map((c) => [c.reason, c.level])).toEqual([
      ['tp1', 1],
      ['tp2', 2],
      ['tp3', 3],
    ]);
  });
});

describe('exit manager: fills from an exchange', () => {
  const sent = () => {
    const r = onPrice(btcLong().position, 60650, 1);
    expect(r.commands.map((c) => c.kind === 'placeExit' && [c.clientOrderId, c.qtySteps, c.orderType])).toEqual([['p1-tp1', 3, 'market']]);
    return r.position;
  };
  const fill = (qty: number, tradeId: string, price = 60640) => ({ clientOrderId: 'p1-tp1', tradeId, orderId: '77', timeMs: 2, qtySteps: asSteps(qty), price, fee: 0 });

  it('sends a level once: a second price beyond it while the order is in flight sends nothing', () => {
    const p = sent();
    expect(onPrice(p, 60700, 2).commands).toEqual([]);
  });

  it('applies the same trade twice without any change', () => {
    const once = must(applyFill(sent(), fill(3, 't1')));
    const twice = must(applyFill(once.position, fill(3, 't1')));
    expect(twice.position).toBe(once.position);
    expect(twice.commands).toEqual([]);
  });

  it('books partial fills by what filled and moves the stop only when the level completes', () => {
    const a = must(applyFill(sent(), fill(1, 't1', 60640)));
    expect(a.position.remainingSteps).toBe(9);
    expect(a.commands).toEqual([]);
    const b = must(applyFill(a.position, fill(2, 't2', 60660)));
    expect(b.position.remainingSteps).toBe(7);
    expect(b.position.partialExits).toHaveLength(1);
    expect(b.position.partialExits[0]!.qtySteps).toBe(3);
    expect(b.position.partialExits[0]!.price).toBeCloseTo((60640 + 2 * 60660) / 3, 9);
    expect(b.commands).toEqual([
      { kind: 'moveStop', clientOrderId: 'p1-sl1', replacesClientOrderId: 'p1-sl0', fromTicks: 588000, toTicks: 600000, stopPrice: 60000, rule: 'breakeven' },
    ]);
  });

  it('refuses a fill larger than the order or the position', () => {
    const r = applyFill(sent(), fill(4, 't1'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('overfill');
  });

  it('refuses a fill for an order it never sent or does not know', () => {
    const p = btcLong().position;
    const pending = applyFill(p, fill(3, 't1'));
    expect(!pending.ok && pending.error.code).toBe('invalid_transition');
    const unknown = applyFill(p, { ...fill(3, 't1'), clientOrderId: 'other-tp1' });
    expect(!unknown.ok && unknown.error.code).toBe('unknown_order');
  });

  it('returns a rejected level to pending so the next price may send it again', () => {
    const back = must(applyOrderEnd(sent(), { clientOrderId: 'p1-tp1', status: 'rejected', timeMs: 3 }));
    expect(back.position.levels[0]!.status).toBe('pending');
    expect(onPrice(back.position, 60650, 4).commands).toHaveLength(1);
  });

  it('ends a partially filled, cancelled level at what filled and climbs the stop (F15)', () => {
    const a = must(applyFill(sent(), fill(1, 't1')));
    const b = must(applyOrderEnd(a.position, { clientOrderId: 'p1-tp1', status: 'canceled', timeMs: 3 }));
    expect(b.position.levels[0]!.status).toBe('filled');
    expect(b.position.levels[0]!.filledSteps).toBe(1);
    expect(b.position.stopPrice).toBe(60000);
    // TP2 is sized from the plan; the last level later takes everything that is left.
    const c = onPrice(b.position, 62200, 4);
    expect(c.commands.map((x) => x.kind === 'placeExit' && x.qtySteps)).toEqual([3, 6]);
  });

  it('closes the remainder on request and cancels the stop when flat', () => {
    const r = requestClose(btcLong().position, 'signal', 60100, 5);
    expect(r.commands).toEqual([{ kind: 'closeRemainder', reason: 'signal', qtySteps: 10, clientOrderId: 'p1-close', triggerPrice: 60100 }]);
    const done = must(applyFill(r.position, { clientOrderId: 'p1-close', tradeId: 'c1', orderId: null, timeMs: 6, qtySteps: asSteps(10), price: 60100, fee: 0 }));
    expect(done.position.status).toBe('closed');
    expect(done.position.partialExits[0]!.reason).toBe('signal');
    expect(done.commands).toEqual([{ kind: 'cancelOrders', clientOrderIds: ['p1-sl0'] }]);
  });

  it('a close that ends filled in part is ended, and the rest goes out under the next close id', () => {
    const r = requestClose(btcLong().position, 'signal', 60100, 5);
    const half = must(applyFill(r.position, { clientOrderId: 'p1-close', tradeId: 'c1', orderId: null, timeMs: 6, qtySteps: asSteps(4), price: 60100, fee: 0 }));
    expect(half.position.closing).toEqual({ reason: 'signal', clientOrderId: 'p1-close' });
    const ended = must(applyOrderEnd(half.position, { clientOrderId: 'p1-close', status: 'expired', timeMs: 7 }));
    expect(ended.position.closing).toBeNull();
    expect(ended.position.closeSeq).toBe(1);
    const again = requestClose(ended.position, 'signal', 60050, 8);
    expect(again.commands).toEqual([{ kind: 'closeRemainder', reason: 'signal', qtySteps: 6, clientOrderId: 'p1-close1', triggerPrice: 60050 }]);
    // A late fill of the first close is still that close's: booked as the signal exit, not refused.
    const late = must(applyFill(again.position, { clientOrderId: 'p1-close', tradeId: 'c1b', orderId: null, timeMs: 8, qtySteps: asSteps(1), price: 60090, fee: 0 }));
    expect(late.position.remainingSteps).toBe(5);
    const done = must(applyFill(late.position, { clientOrderId: 'p1-close1', tradeId: 'c2', orderId: null, timeMs: 9, qtySteps: asSteps(5), price: 60050, fee: 0 }));
    expect(done.position.status).toBe('closed');
    expect(done.position.partialExits.map((e) => [e.clientOrderId, e.reason, e.qtySteps])).toEqual([
      ['p1-close', 'signal', 5],
      ['p1-close1', 'signal', 5],
    ]);
  });

  it('what a stop left when it filled in part is closed at market as a stop exit', () => {
    const reached = onPrice(btcLong().position, 58700, 3);
    expect(reached.position.closing).toEqual({ reason: 'stop', clientOrderId: 'p1-sl0' });
    const part = must(applyFill(reached.position, { clientOrderId: 'p1-sl0', tradeId: 's1', orderId: null, timeMs: 3, qtySteps: asSteps(4), price: 58800, fee: 0 }));
    const ended = must(applyOrderEnd(part.position, { clientOrderId: 'p1-sl0', status: 'expired', timeMs: 4 }));
    expect([ended.position.closing, ended.position.closeSeq]).toEqual([null, 0]);
    const close = requestClose(ended.position, 'stop', 58650, 4);
    expect(close.commands).toEqual([{ kind: 'closeRemainder', reason: 'stop', qtySteps: 6, clientOrderId: 'p1-close', triggerPrice: 58650 }]);
    const done = must(applyFill(close.position, { clientOrderId: 'p1-close', tradeId: 'c1', orderId: null, timeMs: 5, qtySteps: asSteps(6), price: 58650, fee: 0 }));
    expect(done.position.status).toBe('closed');
    expect(done.position.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['stop', 4],
      ['stop', 6],
    ]);
  });

  it('the end of a stop order does not advance the close id', () => {
    const ended = must(applyOrderEnd(btcLong().position, { clientOrderId: 'p1-sl0', status: 'expired', timeMs: 3 }));
    expect(ended.position.closeSeq).toBe(0);
  });
});

describe('exit manager: resting limit exits (scaled_tp_execution "limit")', () => {
  const settings = { ...S, execution: 'limit' as const };

  it('places every level as a resting reduce-only limit at entry', () => {
    const r = open({ entry: '60000', qty: 10, market: BTC, settings });
    expect(r.commands.filter((c) => c.kind === 'placeExit').map((c) => c.kind === 'placeExit' && [c.clientOrderId, c.qtySteps, c.limitPrice, c.orderType])).toEqual([
      ['p1-tp1', 3, 60600, 'limit'],
      ['p1-tp2', 3, 61200, 'limit'],
      ['p1-tp3', 4, 62100, 'limit'],
    ]);
  });

  it('fills resting levels at their price with the maker fee, and cancels the rest when stopped', () => {
    const fm = { takerPct: 0.05, makerPct: 0.02, slippagePct: 0.1 };
    const t = walk(open({ entry: '60000', qty: 10, market: BTC, settings }).position, [60000, 60700, 59000], fm);
    expect(t.position.partialExits[0]!.price).toBe(60600);
    expect(t.position.partialExits[0]!.fee).toBeCloseTo((60600 * 0.003 * 0.02) / 100, 12);
    expect(t.position.partialExits[1]!.reason).toBe('stop');
    expect(t.commands.at(-1)).toEqual({ kind: 'cancelOrders', clientOrderIds: ['p1-tp2', 'p1-tp3'] });
  });
});
