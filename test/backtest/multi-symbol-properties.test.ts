import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BacktestOptions, type EntrySignal, type SymbolInput, runBacktest } from '../../src/backtest/engine.ts';
import { resultJson } from '../../src/backtest/result-json.ts';
import type { Side } from '../../src/core/units.ts';
import { HOUR, T0, series } from '../support/candles.ts';
import { marketRules } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';

const runs = Number(process.env.FC_NUM_RUNS ?? 200);

/** One symbol: a random walk of candles from a random start hour, with random signals. */
const symbolArb = (id: string) =>
  fc.record({
    start: fc.integer({ min: 0, max: 6 }),
    moves: fc.array(fc.tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 25 })), { minLength: 2, maxLength: 24 }),
    signals: fc.dictionary(fc.integer({ min: 0, max: 23 }).map(String), fc.constantFrom<Side>('long', 'short'), { maxKeys: 6 }),
  }).map((s) => ({ id, ...s }));

/** Moves a quarter as large: many hours then lie inside the position's trigger band (and are skipped). */
const calmArb = (id: string) =>
  symbolArb(id).map((s) => ({ ...s, moves: s.moves.map(([d, up, down]) => [Math.round(d / 4), Math.round(up / 4), Math.round(down / 4)] as [number, number, number]) }));

type Sym = { id: string; start: number; moves: [number, number, number][]; signals: Record<string, Side> };

function input(s: Sym): SymbolInput {
  let p = 100;
  const rows = s.moves.map(([d, up, down]) => {
    const o = p;
    const c = Math.max(1, Math.round((o + d / 10) * 100) / 100);
    p = c;
    return [o, Math.max(o, c) + up / 10, Math.max(0.5, Math.min(o, c) - down / 10), c] as const;
  });
  const candles = series(rows, HOUR, T0 + s.start * HOUR, s.id);
  const entryAt = (i: number): EntrySignal | null => {
    const side = s.signals[String(i)];
    return side && i > 0 ? { side, timeMs: candles.time[i]! } : null;
  };
  return { symbol: s.id, candles, market: marketRules({ id: s.id, tick: '0.01', step: '0.001', minNotional: 5 }), entryAt };
}

/**
 * The same symbol with 15m detail candles under each hour (`--detail`): open → low → high → close of
 * the hour in three moves and a flat fourth; every third hour the second has wicks 1.5 % beyond the
 * hour's range (data from another source need not nest), so skipping an hour by its own range would
 * miss exits.
 */
function withDetail(s: SymbolInput): SymbolInput {
  const c = s.candles;
  const rows: [number, number, number, number][] = [];
  for (let i = 0; i < c.length; i++) {
    const [o, h, l, cl] = [c.open[i]!, c.high[i]!, c.low[i]!, c.close[i]!];
    const wick = i % 3 === 2 ? 0.015 : 0;
    rows.push([o, o, l, l], [l, h * (1 + wick), l * (1 - wick), h], [h, h, cl, cl], [cl, cl, cl, cl]);
  }
  return { ...s, detail: series(rows, HOUR / 4, c.time[0] ?? T0, s.symbol) };
}

const optionsArb = fc.record({
  maxOpenPositions: fc.integer({ min: 1, max: 3 }),
  slippagePct: fc.constantFrom(0, 0.05, 0.5),
  takerPct: fc.constantFrom(0, 0.05),
  risk: fc.boolean(),
});

describe('several symbols on one balance (properties)', () => {
  it('the result does not depend on the order of the symbols, and never holds more than max_open_positions', () => {
    fc.assert(
      fc.property(symbolArb('AAAUSDT'), symbolArb('BBBUSDT'), symbolArb('CCCUSDT'), optionsArb, (a, b, c, o) => {
        const opts: BacktestOptions = {
          settings: DEFAULT_SETTINGS,
          fills: { takerPct: o.takerPct, makerPct: 0, slippagePct: o.slippagePct },
          intrabar: 'pessimistic',
          startingBalance: 10_000,
          leverage: 5,
          maxOpenPositions: o.maxOpenPositions,
          positionSize: o.risk ? { mode: 'risk_pct', value: 10 } : { mode: 'quote', value: 3000 },
        };
        const syms = [a, b, c] as Sym[];
        const first = runBacktest(syms.map(input), opts);
        const text = JSON.stringify(resultJson(first));
        for (const order of [[2, 1, 0], [1, 0, 2], [0, 2, 1]]) {
          const other = runBacktest(order.map((k) => input(syms[k]!)), opts);
          expect(JSON.stringify(resultJson(other))).toBe(text);
          expect([...other.equity]).toEqual([...first.equity]);
        }
        // At every entry's open: positions entered by then and not yet gone. An exit inside a candle
        // (its open time) still held the slot at that open; a signal close at the open and an `end`
        // at the close (= the next open) did not.
        const trades = resultJson(first).trades;
        for (const t of trades) {
          const at = t.entry_time;
          const held = trades.filter((u) => {
            const last = u.exits.at(-1)!;
            return u.entry_time <= at && (last.time > at || (last.time === at && last.reason !== 'signal' && last.reason !== 'end'));
          });
          expect(held.length).toBeLessThanOrEqual(o.maxOpenPositions);
        }
        // A symbol's `end` is at its own last candle's close.
        for (const t of trades) {
          const last = t.exits.at(-1)!;
          if (last.reason !== 'end') continue;
          const s = syms.find((x) => x.id === t.symbol)!;
          expect(last.time).toBe(new Date(T0 + (s.start + s.moves.length) * HOUR).toISOString());
        }
      }),
      { numRuns: runs },
    );
  });

  it('one symbol alone (the one-symbol loop) gives what the merge loop gives it beside a symbol without candles', () => {
    fc.assert(
      fc.property(fc.oneof(symbolArb('AAAUSDT'), calmArb('AAAUSDT')), optionsArb, fc.constantFrom<'market' | 'limit'>('market', 'limit'), fc.constantFrom<'pessimistic' | 'ohlc'>('pessimistic', 'ohlc'), fc.boolean(), (a, o, execution, intrabar, detailed) => {
        const opts: BacktestOptions = {
          settings: { ...DEFAULT_SETTINGS, execution },
          fills: { takerPct: o.takerPct, makerPct: 0.02, slippagePct: o.slippagePct },
          intrabar,
          startingBalance: 10_000,
          leverage: 5,
          maxOpenPositions: o.maxOpenPositions,
          positionSize: o.risk ? { mode: 'risk_pct', value: 10 } : { mode: 'quote', value: 3000 },
        };
        const one = (): SymbolInput => (detailed ? withDetail(input(a as Sym)) : input(a as Sym));
        const alone = runBacktest([one()], opts);
        const empty: SymbolInput = { ...input({ id: 'ZZZUSDT', start: 0, moves: [], signals: {} }), symbol: 'ZZZUSDT' };
        const merged = runBacktest([one(), empty], opts);
        expect(JSON.stringify(resultJson(alone))).toBe(JSON.stringify(resultJson(merged)));
        expect(alone.equity.length).toBe(merged.equity.length);
        alone.equity.forEach((x, i) => expect(Object.is(x, merged.equity[i])).toBe(true));
        expect([...alone.equityTimeMs]).toEqual([...merged.equityTimeMs]);
      }),
      { numRuns: runs },
    );
  });
});
