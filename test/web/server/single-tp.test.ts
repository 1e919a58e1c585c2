import { describe, expect, it } from 'vitest';
import { type Position, asSteps, closeRemainderNow, openPosition, planLadder } from '../../../src/core/index.ts';
import type { StoredCandle } from '../../../src/store/index.ts';
import { type SingleTpOptions, singleTpOutcome } from '../../../src/web/server/single-tp.ts';
import { NO_FEES } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS } from '../../support/settings.ts';

const H = 3_600_000;
const T0 = Date.UTC(2025, 0, 6);
/** Single take-profit 3 %, stop 2 % (DEFAULT_SETTINGS), no fees, the pessimistic path. */
const OPTS: SingleTpOptions = { settings: DEFAULT_SETTINGS, fills: NO_FEES, intrabar: 'pessimistic' };

/** A scaled trade as the bot opened it: long 0.010 BTC at `entry`, at `timeMs`. */
function trade(entry: number, timeMs = T0, stopLossPct?: number): Position {
  const plan = planLadder({ side: 'long', entryPrice: entry, quantitySteps: asSteps(10), market: BTC, settings: DEFAULT_SETTINGS, ...(stopLossPct ? { stopLossPct } : {}) });
  if (!plan.ok) throw new Error(plan.error.message);
  return openPosition({ id: 'BTCUSDT-x', symbol: 'BTCUSDT', timeMs, entryFee: 0, plan: plan.value }).position;
}

/** Candle rows [open, high, low, close], one an hour from T0. */
const candles = (rows: readonly (readonly [number, number, number, number])[]): StoredCandle[] =>
  rows.map(([open, high, low, close], i) => ({ openTimeMs: T0 + i * H, open, high, low, close, volume: 0 }));

const replay = (t: Position, cs: StoredCandle[]) => singleTpOutcome(t, H, (after) => cs.filter((c) => c.openTimeMs > after), OPTS);
const exits = (r: ReturnType<typeof singleTpOutcome>) => (r.ok ? r.position.partialExits.map((e) => [e.reason, e.price, e.qtySteps, e.timeMs]) : r.why);

describe('single take-profit replayed on stored candles (scaled vs single on the same entries, R8.5)', () => {
  it('closes everything at the single target (entry +3 %) when a later candle reaches it', () => {
    const r = replay(
      trade(60000),
      candles([
        [60000, 60100, 59900, 60050], // entry candle: neither 58800 nor 61800
        [60050, 61900, 60000, 61500], // open→low→high: reaches 61800
      ]),
    );
    expect(exits(r)).toEqual([['tp', 61800, 10, T0 + H]]);
    expect(r.ok && r.closedAtEnd).toBe(false);
  });

  it('takes the stop first when one candle reaches both (pessimistic path: a long sees its low first)', () => {
    const r = replay(trade(60000), candles([[60000, 62000, 58700, 61000]])); // low 58700 ≤ stop 58800 before high
    expect(exits(r)).toEqual([['stop', 58800, 10, T0]]);
  });

  it('walks the entry candle from the entry price, not from its open', () => {
    const t = trade(60500, T0 + 20 * 60_000); // entered 20 minutes into the candle, after it fell from its open
    // Walked from its open, 62400 would be a gap past the target (filled at the open, 62400). From the
    // entry: 60500 → low 60000 (stop 59290 not reached) → high 62500, crossing the target 62315 there.
    const r = replay(t, candles([[62400, 62500, 60000, 60600]]));
    expect(exits(r)).toEqual([['tp', 62315, 10, T0]]);
  });

  it('when the stored candles end first, closes at the last close (reason end) and says so', () => {
    const r = replay(
      trade(60000),
      candles([
        [60000, 60100, 59900, 60050],
        [60050, 60300, 60000, 60200], // still open after this one
      ]),
    );
    expect(exits(r)).toEqual([['end', 60200, 10, T0 + H]]);
    expect(r.ok && r.closedAtEnd).toBe(true);
  });

  it('a trade the bot closed on an opposite signal closes there too while the single TP is open', () => {
    const open = trade(60000);
    const closed = closeRemainderNow(open, 'signal', 60150, T0 + 2 * H, NO_FEES).position;
    const r = replay(
      closed,
      candles([
        [60000, 60100, 59900, 60050],
        [60050, 60300, 60000, 60200],
        [60200, 62000, 60100, 61900], // would reach the target, but the signal closed the trade at its open
      ]),
    );
    expect(exits(r)).toEqual([['signal', 60150, 10, T0 + 2 * H]]);
  });

  it('keeps the trade’s own initial stop (a per-signal 1.5 % stop), exactly', () => {
    const t = trade(60000, T0, 1.5); // stop 59100
    const r = replay(t, candles([[60000, 60100, 59050, 60000]]));
    expect(exits(r)).toEqual([['stop', 59100, 10, T0]]);
    expect(r.ok && r.position.plan.mode).toBe('single');
  });

  it('without a stored candle at or after the entry it cannot say: no_candles', () => {
    const r = singleTpOutcome(trade(60000, T0 + 5 * H), H, () => [], OPTS);
    expect(r).toEqual({ ok: false, why: 'no_candles', message: 'no stored BTCUSDT candle at or after the entry' });
  });
});
