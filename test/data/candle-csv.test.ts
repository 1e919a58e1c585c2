import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CandleFileError } from '../../src/data/candle-file-error.ts';
import { loadCandles } from '../../src/data/load-candles.ts';
import { parseCandleCsv } from '../../src/data/candle-csv.ts';
import { FIXTURES, KLINES } from './paths.ts';

const fixture = (name: string): string => join(FIXTURES, name);
const H = 3_600_000;

describe('candle CSV layouts', () => {
  it('reads Binance klines without a header: symbol from the name, 1h inferred, exact values', async () => {
    const s = await loadCandles(fixture('BTCUSDT-1h.csv'));
    expect(s.symbol).toBe('BTCUSDT');
    expect(s.timeframeMs).toBe(H);
    expect(s.length).toBe(5);
    expect(s.time[0]).toBe(Date.UTC(2022, 0, 1));
    expect([s.open[0], s.high[0], s.low[0], s.close[0], s.volume[0]]).toEqual([46216.93, 46731.39, 46208.37, 46656.13, 1503.33095]);
    expect(s.time[4]).toBe(Date.UTC(2022, 0, 1, 4));
    expect(s.gaps).toEqual([]);
  });

  it('reads Binance klines under the header line of newer archives', async () => {
    const s = await loadCandles(fixture('ETHUSDT-1h-with-header.csv'));
    expect(s.symbol).toBe('ETHUSDT');
    expect(s.length).toBe(4);
    expect(s.close[3]).toBe(3723.96);
  });

  it('reads µs open times (Binance spot archives since 2025) as ms', async () => {
    const s = await loadCandles(fixture('BTCUSDT-1h-2025-01-us.csv'));
    expect(Array.from(s.time)).toEqual([0, 1, 2].map((h) => Date.UTC(2025, 0, 1, h)));
  });

  it('decides ms or µs per row, so a December (ms) and January (µs) archive join seamlessly', async () => {
    const s = await loadCandles(fixture('BTCUSDT-1h-2024-12-mixed-units.csv'));
    expect(Array.from(s.time)).toEqual([-2, -1, 0, 1, 2].map((h) => Date.UTC(2025, 0, 1, h)));
    expect(s.gaps).toEqual([]);
  });

  it('reads time,open,high,low,close,volume with ISO times, offsets and times without a zone (UTC)', async () => {
    const s = await loadCandles(fixture('ohlcv-iso.csv'));
    expect(s.symbol).toBeUndefined();
    expect(Array.from(s.time)).toEqual([0, 1, 2, 3].map((h) => Date.UTC(2024, 0, 1, h)));
    expect(s.high[1]).toBe(42775);
  });

  it('reads epoch seconds and skips columns it does not know', async () => {
    const s = await loadCandles(fixture('ohlcv-epoch-seconds.csv'), { symbol: 'BTCUSDT' });
    expect(s.symbol).toBe('BTCUSDT');
    expect(s.time[2]).toBe(Date.UTC(2024, 0, 1, 2));
    expect(s.volume[2]).toBe(685.2813);
  });

  it('reads columns in any order named by the header, with CRLF line ends', async () => {
    const s = await loadCandles(fixture('ohlcv-reordered-crlf.csv'));
    expect(s.length).toBe(2);
    expect([s.time[1], s.open[1], s.high[1], s.low[1], s.close[1], s.volume[1]]).toEqual([Date.UTC(2024, 0, 1, 1), 42475.23, 42775, 42431.65, 42613.56, 1196.37856]);
  });

  it('accepts a last line without a line feed, a BOM, and blank lines', () => {
    const text = '\uFEFFtime,open,high,low,close,volume\n\n1704067200000,1,2,0.5,1.5,10\n\n1704070800000,1.5,2,1,1,5';
    const c = parseCandleCsv(Buffer.from(text, 'utf8'), 'x.csv');
    expect(c.length).toBe(2);
    expect(Array.from(c.lines)).toEqual([3, 5]);
    expect(c.close[1]).toBe(1);
  });

  it('parses the real BTCUSDT 1h file to the same doubles as split(",") and Number()', () => {
    const buf = readFileSync(join(KLINES, 'BTCUSDT-1h.csv'));
    const c = parseCandleCsv(buf, 'BTCUSDT-1h.csv');
    const rows = buf.toString('latin1').trimEnd().split('\n');
    expect(c.length).toBe(rows.length);
    const cols = [c.time, c.open, c.high, c.low, c.close, c.volume];
    let mismatches = 0;
    rows.forEach((row, i) => {
      const f = row.split(',');
      for (let k = 0; k < 6; k++) if (cols[k]![i] !== Number(f[k])) mismatches++;
    });
    expect(mismatches).toBe(0);
  });

  it('gives the same columns for CRLF line ends and for a buffer at any byte offset', () => {
    const lf = readFileSync(join(KLINES, 'ETHUSDT-1h.csv'));
    const ref = parseCandleCsv(lf, 'ETHUSDT-1h.csv');
    const crlf = Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    const variants = [crlf, ...[1, 2, 3].map((off) => new Uint8Array(Buffer.concat([Buffer.alloc(off), lf]).buffer, off, lf.length))];
    for (const v of variants) {
      const c = parseCandleCsv(v, 'ETHUSDT-1h.csv');
      expect(c.length).toBe(ref.length);
      for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Buffer.from(c[k].buffer, c[k].byteOffset, c[k].byteLength).equals(Buffer.from(ref[k].buffer, ref[k].byteOffset, ref[k].byteLength))).toBe(true);
    }
  });
});

/** Each bad fixture and the exact message it must produce (file:line: field: problem). */
const badCases: { file: string; line: number | undefined; field: string; message: string }[] = [
  { file: 'high-not-a-number.csv', line: 3, field: 'high', message: 'high-not-a-number.csv:3: high: not a number ("abc")' },
  { file: 'high-below-low.csv', line: 2, field: 'high', message: 'high-below-low.csv:2: high: high < low (46500 < 46574.06)' },
  { file: 'open-outside-range.csv', line: 4, field: 'open', message: 'open-outside-range.csv:4: open: open outside [low, high] (47000 not in [46760.12, 46916.63])' },
  { file: 'close-outside-range.csv', line: 5, field: 'close', message: 'close-outside-range.csv:5: close: close outside [low, high] (46000 not in [46591.23, 46887.33])' },
  { file: 'negative-volume.csv', line: 2, field: 'volume', message: 'negative-volume.csv:2: volume: negative (-1.5)' },
  { file: 'empty-field.csv', line: 3, field: 'low', message: 'empty-field.csv:3: low: empty' },
  { file: 'bad-time.csv', line: 3, field: 'time', message: 'bad-time.csv:3: time: not a time ("16410024OO000")' },
  { file: 'duplicate-time.csv', line: 4, field: 'time', message: 'duplicate-time.csv:4: time: duplicate timestamp 2022-01-01T02:00:00.000Z, also on line 3' },
  { file: 'unsorted.csv', line: 4, field: 'time', message: 'unsorted.csv:4: time: 2022-01-01T02:00:00.000Z is earlier than line 3 (2022-01-01T03:00:00.000Z): rows must be in time order' },
  { file: 'wrong-column-count.csv', line: 4, field: 'columns', message: 'wrong-column-count.csv:4: columns: 11 columns, expected 12' },
  { file: 'extra-column.csv', line: 3, field: 'columns', message: 'extra-column.csv:3: columns: 13 columns, expected 12' },
  { file: 'off-grid.csv', line: 3, field: 'time', message: 'off-grid.csv:3: time: 2022-01-01T01:30:00.000Z is 30m after line 2, less than the 1h timeframe' },
  { file: 'empty.csv', line: undefined, field: 'file', message: 'empty.csv: file: empty file: no candles' },
  { file: 'header-only.csv', line: undefined, field: 'file', message: 'header-only.csv: file: empty file: no candles after the header' },
  { file: 'six-columns-no-header.csv', line: 1, field: 'columns', message: "six-columns-no-header.csv:1: columns: 6 columns and no header line: expected Binance's 12-column kline layout, or a header naming time,open,high,low,close,volume" },
  { file: 'missing-volume-column.csv', line: 1, field: 'header', message: 'missing-volume-column.csv:1: header: no volume column (header "time,open,high,low,close"; expected time,open,high,low,close,volume or Binance\'s kline columns)' },
  { file: 'iso-bad-date.csv', line: 3, field: 'time', message: 'iso-bad-date.csv:3: time: not a time ("2024-02-30T00:00:00Z")' },
];

describe('candle file errors name file:line and the field', () => {
  for (const c of badCases) {
    it(c.message, async () => {
      const path = fixture(join('bad', c.file));
      const e = await loadCandles(path).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(CandleFileError);
      const err = e as CandleFileError;
      expect(err.message).toBe(`${join(FIXTURES, 'bad')}/${c.message}`);
      expect(err.file).toBe(path);
      expect(err.line).toBe(c.line);
      expect(err.field).toBe(c.field);
    });
  }

  it('a missing file is a CandleFileError too', async () => {
    await expect(loadCandles(fixture('nope.csv'))).rejects.toThrow(/nope\.csv: file: cannot read \(ENOENT\)/);
  });
});

describe('blank lines before the first line with text', () => {
  const parse = (text: string) => parseCandleCsv(new TextEncoder().encode(text), 'x.csv');
  it('a file of blank lines, spaces and tabs only is an empty file (before: "x.csv:3: header: no time column (header "  ")")', () => {
    for (const text of ['\n\n  \n', ' ', '\t\r\n \r\n', '\r\r\n  \t  ']) expect(() => parse(text)).toThrow('x.csv: file: empty file: no candles');
  });
  it('blank lines with spaces before the header are skipped, and the lines after keep their numbers', () => {
    const rows = 'time,open,high,low,close,volume\n1640995200000,1,2,1,2,5\n1640998800000,2,3,2,3,5\n';
    expect(parse(` \n\t\n${rows}`).length).toBe(2);
    expect(() => parse(`  \n\n${rows}1641002400000,3,2,4,3,5\n`)).toThrow('x.csv:6: high: high < low (2 < 4)');
  });
});
