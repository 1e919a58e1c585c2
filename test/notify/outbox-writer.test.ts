import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { type StepResult, asSteps, openPosition, planLadder, requestClose } from '../../src/core/index.ts';
import type { Notice } from '../../src/notify/notice.ts';
import { withOutbox } from '../../src/notify/outbox-writer.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { BTC } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';
import { entryIntent, fill, hitLevel, mustApply } from '../store/store-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

const T0 = Date.UTC(2026, 0, 5, 10);

function opened(id = 'BTCUSDT-p1'): StepResult {
  const plan = planLadder({ side: 'long', entryPrice: '60000', quantitySteps: asSteps(100), market: BTC, settings: DEFAULT_SETTINGS });
  if (!plan.ok) throw new Error(plan.error.message);
  return openPosition({ id, symbol: 'BTCUSDT', timeMs: T0, entryFee: 0, plan: plan.value });
}

function setup(): { raw: Store; store: Store; woken: number[] } {
  const raw = openStore(join(tempDir('ladder-notify-'), 'ladder.db'), { now: () => T0 });
  const woken: number[] = [];
  const w = withOutbox(raw, { log: silentLogger(), onAdded: () => woken.push(1) });
  return { raw, store: w.store, woken };
}

const rows = (s: Store) => s.outbox.messages().map((m) => ({ key: m.key, ...(m.payload as Notice) }));

describe('notifications written with the state change that causes them ([operate] 5)', () => {
  it('an entry with its plan, then a TP fill with its PnL and the stop move it caused, then the exit summary', async () => {
    const { raw, store, woken } = setup();
    const o = opened();
    raw.recordIntent(entryIntent(o.position));
    expect(store.bookFill(fill('BTCUSDT-p1-entry', 'e1', 100, 60000, { timeMs: T0 }), o.position, { entry: true, events: o.events })).toBe(true);
    const entry = rows(raw);
    expect(entry).toHaveLength(1);
    expect(entry[0]).toMatchObject({ key: 'BTCUSDT-p1:entry', type: 'entry', symbol: 'BTCUSDT', side: 'long', entryPrice: 60000, qty: 0.1, stopPrice: o.position.plan.initialStopPrice, adopted: false });
    expect((entry[0] as Extract<Notice, { type: 'entry' }>).levels.map((l) => [l.reason, l.targetPrice, l.qty])).toEqual(o.position.plan.levels.map((l) => [l.reason, l.targetPrice, l.qtySteps / 1000]));

    const tp1 = hitLevel(o.position, 1, { tradeId: 't1', timeMs: T0 + 60_000 });
    store.recordEvents(tp1.reached.events); // the level reached and its order requested: nothing to tell yet
    raw.savePosition(tp1.reached.position);
    expect(store.bookFill(tp1.fill, tp1.filled.position, { events: tp1.filled.events })).toBe(true);
    const after = rows(raw).slice(1);
    expect(after.map((r) => [r.key, r.type])).toEqual([
      ['BTCUSDT-p1:fill:t1', 'tp'],
      [`BTCUSDT-p1:stop:${tp1.filled.position.stopMoves[0]!.toPrice}`, 'stop'],
    ]);
    expect(after[0]).toMatchObject({ reason: 'tp1', level: 1, price: o.position.plan.levels[0]!.targetPrice, qty: 0.03, remainingQty: 0.07 });
    expect((after[0] as Extract<Notice, { type: 'tp' }>).pnl).toBeCloseTo(0.03 * (o.position.plan.levels[0]!.targetPrice - 60000), 6); // no fees here
    expect(after[1]).toMatchObject({ fromPrice: o.position.plan.initialStopPrice, rule: 'breakeven', level: 1 });

    // The remainder closed on a signal: the close is requested (a transition), then its fill books the exit.
    const closing = requestClose(tp1.filled.position, 'signal', 60500, T0 + 120_000);
    raw.savePosition(closing.position);
    store.recordEvents(closing.events);
    const closeFill = fill('BTCUSDT-p1-close', 'c1', 70, 60500, { timeMs: T0 + 120_500 });
    const closed = mustApply(closing.position, closeFill);
    expect(store.bookFill(closeFill, closed.position, { events: closed.events })).toBe(true);
    const exit = rows(raw).at(-1)!;
    expect(exit).toMatchObject({ key: 'BTCUSDT-p1:closed', type: 'exit', reason: 'signal', levelsHit: [1], entryPrice: 60000, avgExitPrice: closed.position.partialExits.reduce((a, e) => a + e.price * e.qtySteps, 0) / 100, qty: 0.1, durationMs: 120_500 });
    expect((exit as Extract<Notice, { type: 'exit' }>).pnl).toBeCloseTo(closed.position.partialExits.reduce((a, e) => a + e.pnl, 0), 9);
    await Promise.resolve();
    expect(woken.length).toBeGreaterThan(0); // the senders are told after the commit
    raw.close();
  });

  it('writes nothing when the fill is already booked, or when the transaction rolls back', () => {
    const { raw, store } = setup();
    const o = opened();
    raw.recordIntent(entryIntent(o.position));
    store.bookFill(fill('BTCUSDT-p1-entry', 'e1', 100, 60000), o.position, { entry: true, events: o.events });
    expect(store.bookFill(fill('BTCUSDT-p1-entry', 'e1', 100, 60000), o.position, { entry: true, events: o.events })).toBe(false);
    expect(raw.outbox.messages()).toHaveLength(1);
    const tp1 = hitLevel(o.position, 1, { tradeId: 't1' });
    raw.savePosition(tp1.reached.position);
    expect(() =>
      raw.transaction(() => {
        store.bookFill(tp1.fill, tp1.filled.position, { events: tp1.filled.events });
        throw new Error('killed before the commit');
      }),
    ).toThrow('killed before the commit');
    expect(raw.hasFill('BTCUSDT', 't1')).toBe(false);
    expect(raw.outbox.messages()).toHaveLength(1); // neither the fill nor its message
    raw.close();
  });

  it('tells an adopted position (no entry order of ours) as an alert and an entry', () => {
    const { raw, store } = setup();
    const o = opened('BTCUSDT-m1');
    store.bookFill(fill('BTCUSDT-m1-entry', 'adopt-BTCUSDT-m1', 100, 60000), o.position, { entry: true, events: o.events });
    const r = rows(raw);
    expect(r.map((x) => [x.key, x.type])).toEqual([
      ['BTCUSDT-m1:adopted', 'alert'],
      ['BTCUSDT-m1:entry', 'entry'],
    ]);
    expect(r[0]).toMatchObject({ kind: 'reconciled' });
    expect(r[1]).toMatchObject({ adopted: true });
    raw.close();
  });

  it('tells a new risk-limit hit once, with its own key, and an alert with a key of its own', () => {
    const { raw, store } = setup();
    const w = withOutbox(raw, { log: silentLogger() });
    expect(store.setRiskLimitHit({ limit: 'daily_loss_limit', detail: 'lost 210 today (limit 200)', untilMs: T0 + 3_600_000 }, T0)).toBe(true);
    expect(store.setRiskLimitHit({ limit: 'daily_loss_limit', detail: 'lost 230 today (limit 200)', untilMs: T0 + 3_600_000 }, T0 + 5)).toBe(false);
    w.alert({ kind: 'insufficient_margin', symbol: 'BTCUSDT', message: 'entry refused for lack of margin', timeMs: T0 + 9 });
    w.alert({ kind: 'insufficient_margin', symbol: 'BTCUSDT', message: 'entry refused for lack of margin', timeMs: T0 + 9 }); // the same alert twice: once
    const r = rows(raw);
    expect(r.map((x) => x.type)).toEqual(['risk', 'alert']);
    expect(r[0]).toMatchObject({ key: `risk:daily_loss_limit:${T0}`, limit: 'daily_loss_limit', detail: 'lost 210 today (limit 200)', untilMs: T0 + 3_600_000 });
    expect(r[1]).toMatchObject({ kind: 'insufficient_margin', symbol: 'BTCUSDT', message: 'entry refused for lack of margin' });
    raw.close();
  });
});
