import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TradeReads, type TradeRow, tradesSince } from '../../../src/exchange/ccxt/trades-since.ts';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

interface Row extends TradeRow {
  readonly id: number;
  readonly timestamp: number;
}

/**
 * userTrades over `rows` (ids ascending, times not decreasing) as Binance answers it: a range of at most
 * 7 days (from its start when no end is sent), a page of `page`, a full range giving its oldest or its
 * newest trades (`order`); by id, every trade from it on. Counts the reads.
 */
function exchange(rows: Row[], page: number, order: 'oldest' | 'newest', nowMs: number): TradeReads<Row> & { reads: number } {
  const ex = {
    page,
    reads: 0,
    range: async (startMs: number, untilMs?: number) => {
      ex.reads++;
      const end = untilMs ?? startMs + WEEK;
      if (end - startMs > WEEK) throw new Error(`a range of more than 7 days: ${startMs}..${end}`);
      const inRange = rows.filter((t) => t.timestamp >= startMs && t.timestamp <= end);
      return order === 'oldest' ? inRange.slice(0, page) : inRange.slice(-page);
    },
    recent: async () => {
      ex.reads++;
      const inRange = rows.filter((t) => t.timestamp >= nowMs - WEEK && t.timestamp <= nowMs);
      return order === 'oldest' ? inRange.slice(0, page) : inRange.slice(-page);
    },
    fromId: async (id: number) => {
      ex.reads++;
      return rows.filter((t) => t.id >= id);
    },
    nowMs: () => nowMs,
  };
  return ex;
}

/** Trades at the given times (sorted), ids from 100 up. */
const rowsAt = (times: number[]): Row[] => [...times].sort((a, b) => a - b).map((timestamp, i) => ({ id: 100 + i, timestamp }));
const idsFrom = (rows: Row[], sinceMs: number): number[] => rows.filter((t) => t.timestamp >= sinceMs).map((t) => t.id);

describe('tradesSince: every trade from a time on, whatever order Binance gives a full page in', () => {
  it.each(['oldest', 'newest'] as const)('a day of 2,500 trades from an hour ago, %s first: all 2,500, none twice', async (order) => {
    const now = 30 * DAY;
    const rows = rowsAt(Array.from({ length: 2_600 }, (_, i) => now - DAY + i * 30_000));
    const since = rows[100]!.timestamp;
    const ex = exchange(rows, 1000, order, now);
    const got = (await tradesSince(ex, since)).map((t) => t.id);
    expect(got).toEqual(idsFrom(rows, since));
    expect(got).toHaveLength(2_500);
  });

  it('a range that is not full is read once', async () => {
    const now = 30 * DAY;
    const rows = rowsAt([now - 3 * DAY, now - DAY]);
    const ex = exchange(rows, 1000, 'newest', now);
    expect((await tradesSince(ex, now - 4 * DAY)).map((t) => t.id)).toEqual([100, 101]);
    expect(ex.reads).toBe(1);
  });

  it('from 20 days back with the first two weeks empty: the third week found, then read on by id', async () => {
    const now = 30 * DAY;
    const rows = rowsAt([now - 5 * DAY, now - 4 * DAY, now - DAY]);
    const ex = exchange(rows, 1000, 'newest', now);
    expect((await tradesSince(ex, now - 20 * DAY)).map((t) => t.id)).toEqual([100, 101, 102]);
  });

  it.each(['oldest', 'newest'] as const)('a full page cut inside a millisecond, %s first: the trades of that millisecond before the cut are found', async (order) => {
    const now = 30 * DAY;
    const rows = rowsAt([now - 2 * DAY, now - 2 * DAY, ...Array.from({ length: 999 }, (_, i) => now - DAY + i)]);
    const got = (await tradesSince(exchange(rows, 1000, order, now), now - 3 * DAY)).map((t) => t.id);
    expect(got).toEqual(idsFrom(rows, 0));
  });

  it('property: any trades, any page size, either order, any start: exactly the trades from the start, each once', async () => {
    const now = 60 * DAY;
    await fc.assert(
      fc.asyncProperty(
        // Spread over 60 days, some crowded into a few milliseconds (pages cut inside one).
        fc.array(fc.oneof(fc.integer({ min: 0, max: now }), fc.integer({ min: 30 * DAY, max: 30 * DAY + 4 })), { maxLength: 120 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('oldest' as const, 'newest' as const),
        fc.oneof(fc.integer({ min: 0, max: now }), fc.integer({ min: 30 * DAY - 1, max: 30 * DAY + 5 })),
        async (times, page, order, since) => {
          // More trades in one millisecond than a page cannot be told apart by time (not searched).
          fc.pre(times.every((t) => times.filter((u) => u === t).length <= page));
          const rows = rowsAt(times);
          const got = (await tradesSince(exchange(rows, page, order, now), since)).map((t) => t.id);
          expect([...got].sort((a, b) => a - b)).toEqual(idsFrom(rows, since));
        },
      ),
      { numRuns: 400 },
    );
  });
});
