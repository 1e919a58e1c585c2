/**
 * Fuzzing the candle CSV parser: whatever the bytes, it either gives finite, consistent candles or
 * throws a CandleFileError naming the file (and the line, unless the whole file is the problem).
 * Never a RangeError or TypeError from inside, never Infinity or NaN in the columns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleSeries } from '../../src/data/candle-assemble.ts';
import { parseCandleCsv, type CandleChunk } from '../../src/data/candle-csv.ts';
import { CandleFileError } from '../../src/data/candle-file-error.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 400);
const T0 = 1640995200000;
const H = 3_600_000;
const BINANCE_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

/** Field texts a file might hold: good numbers, and every kind of bad one. */
const arbToken: fc.Arbitrary<string> = fc.oneof(
  fc.double({ min: 1e-8, max: 1e7, noNaN: true }).map(String),
  fc.integer({ min: 0, max: 100_000 }).map(String),
  fc.constantFrom('1e400', '-1e400', `9${'9'.repeat(400)}`, `0.${'0'.repeat(400)}1`, '1e-400', 'Infinity', '-Infinity', 'NaN', '', '-1', '0', '-0', 'abc', '0x10', ' 1', '1.2.3', '+5', '.5', '5.', '1e5', '1E+308', '1e309', '"1"', '\t', '\u00ff'),
  fc.string({ unit: fc.constantFrom(...'0123456789.-+eE xZT:'.split('')), maxLength: 10 }),
);

/** Time texts: epoch ms/s/µs, ISO, and junk. */
const arbTime: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((i) => String(T0 + i * H)),
  fc.integer({ min: 0, max: 40 }).map((i) => String((T0 + i * H) / 1000)),
  fc.integer({ min: 0, max: 40 }).map((i) => String((T0 + i * H) * 1000)),
  fc.integer({ min: 0, max: 40 }).map((i) => new Date(T0 + i * H).toISOString()),
  arbToken,
);

const arbRow: fc.Arbitrary<string> = fc
  .tuple(arbTime, fc.array(arbToken, { minLength: 3, maxLength: 13 }))
  .map(([t, rest]) => [t, ...rest].join(','));

const arbHeader: fc.Arbitrary<string | undefined> = fc.constantFrom(undefined, BINANCE_HEADER, 'time,open,high,low,close,volume', 'volume,close,low,high,open,timestamp,extra', 'open,high', '\uFEFFdate,open,high,low,close,volume', 'x');

/** A whole file: optional header, rows, line endings, a final line feed or not. */
const arbText: fc.Arbitrary<string> = fc
  .tuple(arbHeader, fc.array(fc.oneof(arbRow, fc.constant('')), { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean())
  .map(([header, rows, eol, finalEol]) => {
    const lines = header === undefined ? rows : [header, ...rows];
    return lines.join(eol) + (finalEol ? eol : '');
  });

/** Well-formed Binance rows (a valid file), with at most one field replaced by a token. */
const arbMutatedKlines: fc.Arbitrary<{ text: string; mutated: boolean }> = fc
  .tuple(
    fc.array(
      fc.tuple(fc.double({ min: 0.01, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true })),
      { minLength: 1, maxLength: 12 },
    ),
    fc.boolean(),
    fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 11 }), arbToken), { nil: undefined }),
  )
  .map(([candles, withHeader, mutation]) => {
    const rows = candles.map(([low, a, b, v], i) => {
      const high = low * (1 + a);
      const fields = [T0 + i * H, low + (high - low) * b, high, low, high - (high - low) * b, v, T0 + (i + 1) * H - 1, 0, 0, 0, 0, 0].map(String);
      return fields;
    });
    if (mutation !== undefined) {
      const [r, col, token] = mutation;
      (rows[r % rows.length] as string[])[col] = token;
    }
    const body = rows.map((f) => f.join(',')).join('\n');
    return { text: withHeader ? `${BINANCE_HEADER}\n${body}\n` : `${body}\n`, mutated: mutation !== undefined };
  });

/** `text` as bytes at a byte offset 0–3 (the parser reads 32-bit words; alignment must not matter). */
function bytesAt(text: string, offset: number): Uint8Array {
  const raw = Buffer.from(text, 'latin1');
  const buf = Buffer.concat([Buffer.alloc(offset), raw]);
  return new Uint8Array(buf.buffer, buf.byteOffset + offset, raw.length);
}

function expectConsistent(c: CandleChunk): void {
  expect(c.length).toBeGreaterThan(0);
  for (let i = 0; i < c.length; i++) {
    const [t, o, h, l, cl, v] = [c.time[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]] as number[] as [number, number, number, number, number, number];
    for (const x of [t, o, h, l, cl, v]) expect(Number.isFinite(x)).toBe(true);
    expect(l).toBeGreaterThan(0);
    expect(h).toBeGreaterThanOrEqual(l);
    for (const x of [o, cl]) expect(x >= l && x <= h).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
    if (i > 0) {
      expect(t).toBeGreaterThan(c.time[i - 1] as number);
      expect(c.lines[i]).toBeGreaterThan(c.lines[i - 1] as number);
    }
  }
}

/** The property: a consistent chunk (and series), or a CandleFileError naming file and line. */
function checkOutcome(text: string, offset: number): CandleChunk | CandleFileError {
  const lineCount = text.split(/\r\n|\r|\n/).length;
  let chunk: CandleChunk;
  try {
    chunk = parseCandleCsv(bytesAt(text, offset), 'F.csv');
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(CandleFileError);
    const err = e as CandleFileError;
    expect(err.message.startsWith('F.csv')).toBe(true);
    if (err.field !== 'file') {
      expect(err.line).toBeGreaterThanOrEqual(1);
      expect(err.line).toBeLessThanOrEqual(lineCount);
    }
    return err;
  }
  expectConsistent(chunk);
  try {
    const s = assembleSeries([chunk], { source: 'F.csv', timeframeHintMs: H });
    expect(Number.isInteger(s.timeframeMs) && s.timeframeMs > 0).toBe(true);
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(CandleFileError);
  }
  return chunk;
}

describe('candle CSV parser under fuzzing', () => {
  it('random files: finite consistent candles or a CandleFileError naming a line', () => {
    fc.assert(
      fc.property(arbText, fc.integer({ min: 0, max: 3 }), (text, offset) => {
        checkOutcome(text, offset);
      }),
      { numRuns },
    );
  });

  it('random bytes: the same, never a RangeError or TypeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 3 }), (bytes, offset) => {
        checkOutcome(Buffer.from(bytes).toString('latin1'), offset);
      }),
      { numRuns },
    );
  });

  it('valid kline files with one field replaced: exact values when it still parses, else the row named', () => {
    fc.assert(
      fc.property(arbMutatedKlines, fc.integer({ min: 0, max: 3 }), ({ text, mutated }, offset) => {
        const out = checkOutcome(text, offset);
        const rows = text.trimEnd().split('\n').filter((r) => r !== BINANCE_HEADER);
        if (!mutated) expect(out).not.toBeInstanceOf(CandleFileError);
        if (out instanceof CandleFileError) return;
        // What was accepted is exactly what `Number` reads from the text.
        expect(out.length).toBe(rows.length);
        rows.forEach((r, i) => {
          const f = r.split(',').map(Number);
          expect([out.open[i], out.high[i], out.low[i], out.close[i], out.volume[i]]).toEqual(f.slice(1, 6));
        });
      }),
      { numRuns },
    );
  });
});
