import { join } from 'node:path';
import { type MarketRules, type Position, applyFill, asSteps, onPrice, openPosition, planLadder } from '../../src/core/index.ts';
import { type StoredCandle, openStore } from '../../src/store/index.ts';
import { testConfig } from '../support/bot-harness.ts';
import { BTC } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';
import { tempDir } from '../support/temp-dir.ts';

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2025, 2, 3, 10);

/** Books a position's step and its fills the way the bot does (fills read back at the price the core asked for). */
export function drive(store: ReturnType<typeof openStore>, p0: Position, prices: readonly { price: number; timeMs: number }[]): Position {
  let p = p0;
  for (const { price, timeMs } of prices) {
    const r = onPrice(p, price, timeMs);
    store.transaction(() => {
      store.savePosition(r.position);
      store.recordEvents(r.events);
    });
    p = r.position;
    for (const c of r.commands) {
      if (c.kind !== 'placeExit' && c.kind !== 'closeRemainder') continue;
      const qty = c.kind === 'placeExit' ? c.qtySteps : p.remainingSteps;
      const a = applyFill(p, { clientOrderId: c.clientOrderId, tradeId: `${c.clientOrderId}#1`, orderId: null, timeMs, qtySteps: qty, price: c.triggerPrice, fee: 0.01 });
      if (!a.ok) throw new Error(a.error.message);
      store.bookFill({ clientOrderId: c.clientOrderId, tradeId: `${c.clientOrderId}#1`, orderId: null, timeMs, qtySteps: qty, price: c.triggerPrice, fee: 0.01 }, a.value.position, { events: a.value.events });
      p = a.value.position;
    }
  }
  return p;
}

/** A long of 10 steps entered at `entry`, booked as the bot books its entry fill (BTCUSDT unless `market` says otherwise). */
export function open(store: ReturnType<typeof openStore>, id: string, entry: number, timeMs: number, market: MarketRules = BTC): Position {
  const plan = planLadder({ side: 'long', entryPrice: entry, quantitySteps: asSteps(10), market, settings: DEFAULT_SETTINGS });
  if (!plan.ok) throw new Error(plan.error.message);
  const r = openPosition({ id, symbol: market.id, timeMs, entryFee: 0.02, plan: plan.value });
  store.bookFill({ clientOrderId: `${id}-entry`, tradeId: `${id}-e`, orderId: null, timeMs, qtySteps: asSteps(10), price: entry, fee: 0.02 }, r.position, { entry: true, events: r.events });
  return r.position;
}

/**
 * A store as the bot leaves it: closed trades (full ladder; TP1 then the stop at breakeven; straight to
 * the stop), one open position after TP1, and hourly candles around them.
 */
export function storeWithTrades(): { dbPath: string; ids: { ladder: string; tp1Stop: string; stopped: string; open: string } } {
  const dbPath = join(tempDir('ladder-web-'), 'ladder.db');
  const store = openStore(dbPath);
  const at = (h: number) => T0 + h * HOUR;
  drive(store, open(store, 'BTCUSDT-a', 60000, at(0)), [{ price: 60700, timeMs: at(1) }, { price: 61300, timeMs: at(2) }, { price: 62200, timeMs: at(3) }]);
  drive(store, open(store, 'BTCUSDT-b', 60000, at(5)), [{ price: 60700, timeMs: at(6) }, { price: 59900, timeMs: at(7) }]);
  drive(store, open(store, 'BTCUSDT-c', 60000, at(9)), [{ price: 58700, timeMs: at(10) }]);
  drive(store, open(store, 'BTCUSDT-d', 60000, at(12)), [{ price: 60700, timeMs: at(13) }]);
  const candles: StoredCandle[] = [];
  for (let h = -20; h <= 14; h++) candles.push({ openTimeMs: at(h), open: 60000, high: 60100, low: 59950, close: 60050, volume: 1 });
  store.saveCandles('BTCUSDT', HOUR, candles);
  store.close();
  return { dbPath, ids: { ladder: 'BTCUSDT-a', tp1Stop: 'BTCUSDT-b', stopped: 'BTCUSDT-c', open: 'BTCUSDT-d' } };
}

/**
 * A store written on a market clock (a run on the simulator): two stopped longs (10 steps of BTC at
 * 60000, closed at 58700, the price that crossed the 58800 stop: −13 gross, −0.02 entry and −0.01 exit
 * fee each = −13.03), one closed on the market day before, one on 2026-03-05; hourly candles up to
 * 2026-03-05 12:00; a daily_loss_limit hit until 2026-03-06. `heartbeatAtMs`: when the run last beat;
 * `startedAtMs`: when it started (a minute before its last beat unless given).
 */
export function marketClockStore(heartbeatAtMs: number, mode: 'demo' | 'live', startedAtMs = heartbeatAtMs - 60_000): string {
  const dbPath = join(tempDir('ladder-risk-clock-'), 'ladder.db');
  const store = openStore(dbPath);
  const day = Date.UTC(2026, 2, 5);
  drive(store, open(store, 'BTCUSDT-y', 60000, day - 6 * HOUR), [{ price: 58700, timeMs: day - 5 * HOUR }]); // closed 03-04 19:00
  drive(store, open(store, 'BTCUSDT-t', 60000, day + 9 * HOUR), [{ price: 58700, timeMs: day + 10 * HOUR }]); // closed 03-05 10:00
  const candles = Array.from({ length: 36 }, (_, i) => ({ openTimeMs: day - 24 * HOUR + i * HOUR, open: 60000, high: 60100, low: 59950, close: 60050, volume: 1 }));
  store.saveCandles('BTCUSDT', HOUR, candles); // the newest closes at 03-05 12:00
  const run = store.startRun({ mode, command: `ladder ${mode}`, pid: 999_999, host: 'elsewhere', startedAtMs, config: testConfig({ risk_limits: { daily_loss_limit: 10 } }) });
  store.runHeartbeat(run, heartbeatAtMs);
  store.setRiskLimitHit({ limit: 'daily_loss_limit', detail: 'realised PnL since 2026-03-05T00:00:00.000Z is -13.03, the daily loss limit is 10', untilMs: day + 24 * HOUR }, day + 10 * HOUR);
  store.close();
  return dbPath;
}
