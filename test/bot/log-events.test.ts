import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exitSlippage, logDomainEvent } from '../../src/bot/log-events.ts';
import { createLogger } from '../../src/bot/logger.ts';
import type { DomainEvent } from '../../src/core/model/commands.ts';
import { stopClientId } from '../../src/core/model/position.ts';
import { applyFill, onPrice } from '../../src/core/scaled-tp/exit-manager.ts';
import { asSteps } from '../../src/core/units.ts';
import { open } from '../support/ladder.ts';
import { BTC } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';
import { duplicateKeys, quantityFields } from '../support/log-lines.ts';

/** Lines written by a real pino logger, raw and parsed. */
function capture() {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) raw.push(l);
      cb();
    },
  });
  return { log: createLogger('debug', sink), raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

/** A long of 0.010 BTC at 60000 on the SPEC ladder: TP1 60600 fills 10 worse, then the stop (moved to 60000) fills at 59950. */
function longRun() {
  const opened = open({ entry: '60000', qty: 10, market: BTC, settings: DEFAULT_SETTINGS });
  const reached = onPrice(opened.position, 60620, 1000);
  const tp1 = ok(applyFill(reached.position, { clientOrderId: 'p1-tp1', tradeId: 't1', orderId: '1', timeMs: 2000, qtySteps: asSteps(3), price: 60590, fee: 0.1 }));
  const stopped = ok(applyFill(tp1.position, { clientOrderId: stopClientId('p1', tp1.position.stopSeq), tradeId: 't2', orderId: '2', timeMs: 3000, qtySteps: asSteps(7), price: 59950, fee: 0.2 }));
  return [opened, reached, tp1, stopped];
}

describe('logDomainEvent: one line per event, quantities in the base asset', () => {
  it('writes every event type with quantities in BTC (never lot steps), symbol once, the event time apart from pino’s time', () => {
    const c = capture();
    const seen = new Set<DomainEvent['type']>();
    for (const r of longRun()) for (const e of r.events) {
      seen.add(e.type);
      logDomainEvent(c.log, e, BTC, r.position);
    }
    const stopReached = onPrice(open({ entry: '60000', qty: 10, market: BTC, settings: DEFAULT_SETTINGS }).position, 58700, 500);
    for (const e of stopReached.events) {
      seen.add(e.type);
      logDomainEvent(c.log, e, BTC, stopReached.position);
    }
    // Every member of the DomainEvent union went through the logger (a new one must be added here).
    const all: Record<DomainEvent['type'], true> = { 'plan.made': true, 'tp.hit': true, 'order.requested': true, 'fill.applied': true, 'stop.moved': true, 'stop.reached': true, 'position.closed': true };
    expect([...seen].sort()).toEqual(Object.keys(all).sort());
    for (const raw of c.raw) expect(duplicateKeys(raw), raw).toEqual([]);
    for (const l of c.lines()) {
      expect(l['symbol']).toBe('BTCUSDT');
      expect(typeof l['eventTime']).toBe('string');
      for (const [path, v] of quantityFields(l)) {
        // 0.010 BTC in all: a count of 0.001 steps (3, 7, 10) would be ≥ 1.
        expect(v, `${String(l['msg'])} ${path}`).toBeLessThanOrEqual(0.01);
        expect(Math.round(v * 1000) / 1000, `${String(l['msg'])} ${path} is a multiple of the 0.001 step`).toBe(v);
      }
    }
    const byMsg = (m: string) => c.lines().filter((l) => l['msg'] === m);
    expect(byMsg('plan.made')[0]).toMatchObject({ side: 'long', entry: 60000, qty: 0.01, stop: 58800, levels: [{ reason: 'tp1', target: 60600, qty: 0.003 }, { reason: 'tp2', target: 61200, qty: 0.003 }, { reason: 'tp3', target: 62100, qty: 0.004 }] });
    expect(byMsg('fill.applied').map((l) => [l['reason'], l['qty'], l['remaining']])).toEqual([['tp1', 0.003, 0.007], ['stop', 0.007, 0]]);
  });

  it('gives each TP and stop fill its slippage against the target or the stop, in price and %, positive when worse', () => {
    const c = capture();
    for (const r of longRun()) for (const e of r.events) logDomainEvent(c.log, e, BTC, r.position);
    const fills = c.lines().filter((l) => l['msg'] === 'fill.applied');
    // TP1 target 60600, sold at 60590: 10 worse (0.0165 %); the stop, at breakeven 60000, sold at 59950: 50 worse.
    expect(fills[0]).toMatchObject({ refKind: 'target', refPrice: 60600, slippage: 10, slippagePct: 0.0165 });
    expect(fills[1]).toMatchObject({ refKind: 'stop', refPrice: 60000, slippage: 50, slippagePct: 0.0833 });
  });

  it('counts a short’s exit bought higher as worse and one bought lower as better', () => {
    expect(exitSlippage('short', 100, 100.3, 1)).toEqual({ price: 0.3, pct: 0.3 });
    expect(exitSlippage('short', 100, 99.9, 1)).toEqual({ price: -0.1, pct: -0.1 });
    expect(exitSlippage('long', 0.3, 0.1, 1)).toEqual({ price: 0.2, pct: 66.6667 });
  });

  it('leaves out the slippage when the fill has no price of its own to be measured against', () => {
    const c = capture();
    const [opened] = longRun();
    const e: DomainEvent = { type: 'fill.applied', positionId: 'p1', symbol: 'BTCUSDT', timeMs: 1, clientOrderId: 'p1-close', orderId: null, reason: 'signal', level: null, price: 60100, qtySteps: asSteps(10), fee: 0, pnl: 1, remainingSteps: asSteps(0) };
    logDomainEvent(c.log, e, BTC, opened!.position);
    logDomainEvent(c.log, { ...e, reason: 'tp1' }, BTC, null);
    for (const l of c.lines()) expect(l).not.toHaveProperty('slippage');
  });
});
