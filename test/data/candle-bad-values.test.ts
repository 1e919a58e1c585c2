import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCandleCache, writeCandleCache } from '../../src/data/candle-cache.ts';
import { parseCandleCsv } from '../../src/data/candle-csv.ts';
import { CandleFileError } from '../../src/data/candle-file-error.ts';
import { loadCandles } from '../../src/data/load-candles.ts';
import { tempDir } from '../support/temp-dir.ts';

const tmp = tempDir('ladder-bad-candles-');

/** The header line of Binance's newer kline archives. */
const BINANCE_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const T0 = 1640995200000; // 2022-01-01 00:00 UTC
const H = 3_600_000;

/** A Binance kline row with the given OHLCV texts. */
const kline = (i: number, o: string, h: string, l: string, c: string, v: string): string =>
  `${T0 + i * H},${o},${h},${l},${c},${v},${T0 + (i + 1) * H - 1},0,0,0,0,0`;
const good = (i: number): string => kline(i, '100', '110', '90', '105', '5');

/** The CandleFileError `parseCandleCsv` throws for `text` placed at byte offset `offset`. */
function parseError(text: string, offset = 0, file = 'X.csv'): CandleFileError {
  const bytes = Buffer.concat([Buffer.alloc(offset), Buffer.from(text, 'latin1')]);
  try {
    parseCandleCsv(new Uint8Array(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset), file);
  } catch (e) {
    expect(e).toBeInstanceOf(CandleFileError);
    return e as CandleFileError;
  }
  return expect.fail(`parsed without an error: ${JSON.stringify(text.slice(0, 80))}`);
}

describe('a candle file without candles says so', () => {
  // The header-only file used to fail inside countLineFeeds with "start offset of Int32Array should
  // be a multiple of 4", depending on the buffer's byte offset: every offset is tried.
  const cases: [string, string, string][] = [
    ["Binance's header only", BINANCE_HEADER, 'X.csv: file: empty file: no candles after the header'],
    ["Binance's header and a line feed", `${BINANCE_HEADER}\n`, 'X.csv: file: empty file: no candles after the header'],
    ["Binance's header and blank lines", `${BINANCE_HEADER}\r\n\n\r\n\n`, 'X.csv: file: empty file: no candles after the header'],
    ['a named header only', 'time,open,high,low,close,volume\n', 'X.csv: file: empty file: no candles after the header'],
    ['an empty file', '', 'X.csv: file: empty file: no candles'],
    ['blank lines only', '\n\r\n\n', 'X.csv: file: empty file: no candles'],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      for (let offset = 0; offset < 4; offset++) {
        const e = parseError(text, offset);
        expect(e.message).toBe(message);
        expect(e.field).toBe('file');
      }
    });
  }

  it('through loadCandles (plain, gzip) with a cache directory: the error, and no cache written', async () => {
    const cacheDir = join(tmp, 'cache-empty');
    const csv = join(tmp, 'BTCUSDT-1h-2024-01.csv');
    writeFileSync(csv, `${BINANCE_HEADER}\n`);
    await expect(loadCandles(csv, { cacheDir })).rejects.toThrow(`${csv}: file: empty file: no candles after the header`);
    const gz = join(tmp, 'BTCUSDT-1h-2024-02.csv.gz');
    writeFileSync(gz, gzipSync(BINANCE_HEADER));
    await expect(loadCandles(gz, { cacheDir })).rejects.toThrow(`${gz}: file: empty file: no candles after the header`);
    expect(() => readdirSync(cacheDir)).toThrow(/ENOENT/);
  });

  it('a cache file claiming no candles (or a broken timeframe) is a miss, not an empty series', async () => {
    const cacheDir = join(tmp, 'cache-zero');
    const empty = new Float64Array(0);
    const series = { length: 0, timeframeMs: H, time: empty, open: empty, high: empty, low: empty, close: empty, volume: empty, gaps: [], source: 'x' };
    await writeCandleCache(cacheDir, 'k0', series);
    expect(await readCandleCache(cacheDir, 'k0')).toBeUndefined();
    const one = Float64Array.of(1);
    await writeCandleCache(cacheDir, 'k1', { ...series, length: 1, timeframeMs: 0, time: one, open: one, high: one, low: one, close: one, volume: one });
    expect(await readCandleCache(cacheDir, 'k1')).toBeUndefined();
  });
});

describe('every price finite and positive, volume finite and ≥ 0, the bad line named', () => {
  const big = `1${'0'.repeat(400)}`;
  /** [what, row 2 of the file, message after `X.csv:3: `]; the header is line 1, a good row line 2. */
  const cases: [string, string, string][] = [
    ['a high of 1e400 (Infinity)', kline(1, '100', '1e400', '90', '105', '5'), 'high: not a finite number ("1e400")'],
    ['a high of 400 digits', kline(1, '100', big, '90', '105', '5'), `high: not a finite number ("${big.slice(0, 60)}…")`],
    ['an open of 1e400', kline(1, '1e400', '110', '90', '105', '5'), 'open: not a finite number ("1e400")'],
    ['a low of -1e400', kline(1, '100', '110', '-1e400', '105', '5'), 'low: not a finite number ("-1e400")'],
    ['a close of 1E+309', kline(1, '100', '110', '90', '1E+309', '5'), 'close: not a finite number ("1E+309")'],
    ['a volume of 1e400', kline(1, '100', '110', '90', '105', '1e400'), 'volume: not a finite number ("1e400")'],
    ['"Infinity" as text', kline(1, '100', 'Infinity', '90', '105', '5'), 'high: not a number ("Infinity")'],
    ['"NaN" as text', kline(1, 'NaN', '110', '90', '105', '5'), 'open: not a number ("NaN")'],
    ['a negative low', kline(1, '100', '110', '-90', '105', '5'), 'low: not positive (-90)'],
    ['a zero low', kline(1, '0', '110', '0', '105', '5'), 'low: not positive (0)'],
    ['a low too small for a double (1e-400 → 0)', kline(1, '100', '110', '1e-400', '105', '5'), 'low: not positive (0)'],
    ['a negative volume', kline(1, '100', '110', '90', '105', '-5'), 'volume: negative (-5)'],
    ['low > high', kline(1, '100', '90', '110', '105', '5'), 'high: high < low (90 < 110)'],
    ['open above high', kline(1, '120', '110', '90', '105', '5'), 'open: open outside [low, high] (120 not in [90, 110])'],
    ['close below low', kline(1, '100', '110', '90', '80', '5'), 'close: close outside [low, high] (80 not in [90, 110])'],
    ['a duplicated time', kline(0, '100', '110', '90', '105', '5'), 'time: duplicate timestamp 2022-01-01T00:00:00.000Z, also on line 2'],
    ['a time going back', kline(-1, '100', '110', '90', '105', '5'), 'time: 2021-12-31T23:00:00.000Z is earlier than line 2 (2022-01-01T00:00:00.000Z): rows must be in time order'],
    ['an epoch time beyond µs (1e17)', `100000000000000000,100,110,90,105,5,0,0,0,0,0,0`, 'time: not a time ("100000000000000000")'],
    ['a time of 1e400', `1e400,100,110,90,105,5,0,0,0,0,0,0`, 'time: not a time ("1e400")'],
  ];
  for (const [name, row, message] of cases) {
    it(`${name}: X.csv:3: ${message.slice(0, 70)}`, () => {
      // With and without Binance's header (then the row is line 2, after line 1), and in the named layout.
      expect(parseError(`${BINANCE_HEADER}\n${good(0)}\n${row}\n${good(2)}\n`).message).toBe(`X.csv:3: ${message}`);
      expect(parseError(`${good(0)}\n${row}\n`).message).toBe(`X.csv:2: ${message.replace('line 2', 'line 1')}`);
      const f = row.split(',');
      const named = `time,open,high,low,close,volume\n${T0},100,110,90,105,5\n${f.slice(0, 6).join(',')}\n`;
      expect(parseError(named).message).toBe(`X.csv:3: ${message}`);
    });
  }

  it('the error carries file, line and field', () => {
    const e = parseError(`${good(0)}\n${kline(1, '100', '1e400', '90', '105', '5')}\n`, 0, 'BTCUSDT-1h.csv');
    expect([e.file, e.line, e.field]).toEqual(['BTCUSDT-1h.csv', 2, 'high']);
  });

  it('a file with a 1e400 high is refused by loadCandles, named with its path', async () => {
    const csv = join(tmp, 'ETHUSDT-1h.csv');
    writeFileSync(csv, `${good(0)}\n${kline(1, '100', '1e400', '90', '105', '5')}\n${good(2)}\n`);
    await expect(loadCandles(csv, { cacheDir: join(tmp, 'cache-inf') })).rejects.toThrow(`${csv}:2: high: not a finite number ("1e400")`);
  });

  it('values that are large but finite are kept exactly (1e300, 400 digits after the point)', () => {
    const tiny = `0.${'0'.repeat(395)}12345`; // 1.2345e-396 as a price is not positive once read: 0
    const c = parseCandleCsv(Buffer.from(`${kline(0, '1e300', '1e300', '1e300', '1e300', '1e300')}\n`), 'X.csv');
    expect([c.open[0], c.high[0], c.volume[0]]).toEqual([1e300, 1e300, 1e300]);
    expect(parseError(`${kline(0, tiny, tiny, tiny, tiny, '1')}\n`).message).toBe('X.csv:1: low: not positive (0)');
  });
});

describe('an open time outside 2000-01-01 … 2099-12-31 is a bad line, not a gap of centuries', () => {
  const rows = (...r: string[]): string => `${r.join('\n')}\n`;
  const outside = 'outside 2000-01-01 … 2099-12-31 UTC (a corrupt time? expected ISO-8601 or epoch ms)';

  it('a Binance row whose open time has a 0 too many (2490), or a first row at time 0 (1970)', () => {
    const extra0 = good(2).replace(/^(\d+)/, '$10');
    for (let offset = 0; offset < 4; offset++) {
      expect(parseError(rows(good(0), good(1), extra0), offset).message).toBe(`X.csv:3: time: "${T0 + 2 * H}0" reads as epoch ms 2490-01-04T20:00:00.000Z, ${outside}`);
      expect(parseError(rows(good(0).replace(/^\d+/, '0'), good(1)), offset).message).toBe(`X.csv:1: time: "0" reads as epoch seconds 1970-01-01T00:00:00.000Z, ${outside}`);
    }
    const e = parseError(rows(BINANCE_HEADER, good(0), extra0));
    expect([e.line, e.field]).toEqual([3, 'time']);
  });

  it('the bounds: 2000-01-01 and 2099-12-31 23:00 are read, 1999-12-31 23:00 and 2100-01-01 are not', () => {
    const named = (...times: string[]): string => rows('time,open,high,low,close,volume', ...times.map((t) => `${t},100,110,90,105,5`));
    const c = parseCandleCsv(Buffer.from(named('2000-01-01T00:00:00Z', '2099-12-31T23:00:00Z')), 'X.csv');
    expect(Array.from(c.time)).toEqual([946_684_800_000, 4_102_441_200_000]);
    expect(parseCandleCsv(Buffer.from(named('946684800', '4102441200')), 'X.csv').time[1]).toBe(4_102_441_200_000);
    expect(parseError(named('1999-12-31T23:00:00Z', '2000-01-01T00:00:00Z')).message).toBe(`X.csv:2: time: "1999-12-31T23:00:00Z" is ${outside}`);
    expect(parseError(named('2099-12-31T23:00:00Z', '2100-01-01T00:00:00Z')).message).toBe(`X.csv:3: time: "2100-01-01T00:00:00Z" is ${outside}`);
  });
});

describe('a file that is not a text CSV says so, and a bad header is not echoed in full', () => {
  const utf16 = (text: string, bom: number[]): string => Buffer.concat([Buffer.from(bom), Buffer.from(text, 'utf16le')]).toString('latin1');

  it('UTF-16 (with or without a byte-order mark) and binary files: "not a text CSV file", no NUL in the message', () => {
    const csv = `time,open,high,low,close,volume\n2024-01-01T00:00:00Z,100,110,90,105,5\n`;
    const elf = `\x7fELF\x02\x01\x01\x03${'\0'.repeat(8)}\x03\0>\0\x01\0\0\0`;
    const cases: [string, string][] = [
      [utf16(csv, [0xff, 0xfe]), 'X.csv: file: not a text CSV file: UTF-16 or binary? (it starts with a UTF-16 byte-order mark FF FE; save it as UTF-8)'],
      [utf16(csv, []), 'X.csv: file: not a text CSV file: UTF-16 or binary? (a NUL byte at offset 1; expected UTF-8 text)'],
      [elf, 'X.csv: file: not a text CSV file: UTF-16 or binary? (a NUL byte at offset 8; expected UTF-8 text)'],
      [`${good(0)}\n${good(1)}\0\n`, `X.csv: file: not a text CSV file: UTF-16 or binary? (a NUL byte at offset ${good(0).length + 1 + good(1).length}; expected UTF-8 text)`],
    ];
    for (const [text, message] of cases) {
      for (let offset = 0; offset < 4; offset++) {
        const e = parseError(text, offset);
        expect(e.message).toBe(message);
        expect([e.line, e.field]).toEqual([undefined, 'file']);
      }
    }
  });

  it('a header line of 400 KB (a minified JSON) is cut at 120 characters, its length said', () => {
    const json = JSON.stringify({ timezone: 'UTC', symbols: Array.from({ length: 20_000 }, (_, k) => ({ symbol: `S${k}USDT`, status: 'TRADING' })) });
    expect(json.length).toBeGreaterThan(400_000);
    const e = parseError(`${json}\n`);
    expect(e.message).toBe(`X.csv:1: header: no time column (header ${JSON.stringify(json.slice(0, 120))}… (${json.length} characters); expected time,open,high,low,close,volume or Binance's kline columns)`);
    expect(e.message.length).toBeLessThan(300);
    // A header of ordinary length is still echoed whole.
    expect(parseError('time,open,high,low,close\n').message).toBe('X.csv:1: header: no volume column (header "time,open,high,low,close"; expected time,open,high,low,close,volume or Binance\'s kline columns)');
  });
});
