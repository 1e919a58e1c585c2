import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CandleFileError } from '../../src/data/candle-file-error.ts';
import { loadCandles } from '../../src/data/load-candles.ts';
import { FIXTURES, KLINES } from './paths.ts';
import { tempDir } from '../support/temp-dir.ts';

const H = 3_600_000;
const tmp = tempDir('ladder-candles-');
let dirCount = 0;
const freshDir = (): string => {
  const d = join(tmp, `d${dirCount++}`);
  mkdirSync(d);
  return d;
};

describe('the real Binance 1h and 15m files', () => {
  it('BTCUSDT-1h: 37,895 candles from 2022-01-01 00:00 to 2026-04-28 23:00 UTC, one gap: 2023-03-24 13:00', async () => {
    const s = await loadCandles(join(KLINES, 'BTCUSDT-1h.csv'));
    expect(s.symbol).toBe('BTCUSDT');
    expect(s.timeframeMs).toBe(H);
    expect(s.length).toBe(37_895);
    expect(s.time[0]).toBe(Date.UTC(2022, 0, 1));
    expect(s.time[s.length - 1]).toBe(Date.UTC(2026, 3, 28, 23));
    expect(s.gaps).toHaveLength(1);
    const g = s.gaps[0]!;
    expect(g).toEqual({ afterIndex: g.afterIndex, fromMs: Date.UTC(2023, 2, 24, 13), toMs: Date.UTC(2023, 2, 24, 14), missing: 1 });
    expect(s.time[g.afterIndex]).toBe(Date.UTC(2023, 2, 24, 12));
    expect(s.time[g.afterIndex + 1]).toBe(Date.UTC(2023, 2, 24, 14));
  });

  it('every 1h file has 37,895 candles and misses exactly the 2023-03-24 13:00 candle', async () => {
    const files = readdirSync(KLINES).filter((f) => f.endsWith('-1h.csv'));
    expect(files).toHaveLength(10);
    for (const f of files) {
      const s = await loadCandles(join(KLINES, f));
      expect(s.length, f).toBe(37_895);
      expect(s.gaps.map((g) => [g.fromMs, g.missing]), f).toEqual([[Date.UTC(2023, 2, 24, 13), 1]]);
    }
  });

  it('the 15m files: 46,560 candles from 2024-12-30 00:00 to 2026-04-28 23:45, no gaps', async () => {
    for (const sym of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']) {
      const s = await loadCandles(join(KLINES, `${sym}-15m.csv`));
      expect(s.symbol).toBe(sym);
      expect(s.timeframeMs).toBe(15 * 60_000);
      expect(s.length).toBe(46_560);
      expect(s.time[0]).toBe(Date.UTC(2024, 11, 30));
      expect(s.time[s.length - 1]).toBe(Date.UTC(2026, 3, 28, 23, 45));
      expect(s.gaps).toEqual([]);
    }
  });
});

describe('compressed files, directories and several files', () => {
  const csv = readFileSync(join(FIXTURES, 'BTCUSDT-1h.csv'));

  it('reads a .csv.gz', async () => {
    const path = join(freshDir(), 'BTCUSDT-1h.csv.gz');
    writeFileSync(path, gzipSync(csv));
    const s = await loadCandles(path);
    expect(s.symbol).toBe('BTCUSDT');
    expect(s.length).toBe(5);
    expect(s.close[4]).toBe(46711.05);
  });

  it("reads Binance's monthly .zip (one CSV inside), errors named archive:entry:line", async () => {
    const dir = freshDir();
    const path = join(dir, 'BTCUSDT-1h-2022-01.zip');
    writeFileSync(path, zipSync({ 'BTCUSDT-1h-2022-01.csv': new Uint8Array(csv) }));
    const s = await loadCandles(path);
    expect(s.symbol).toBe('BTCUSDT');
    expect(s.length).toBe(5);

    const bad = join(dir, 'BTCUSDT-1h-2022-02.zip');
    writeFileSync(bad, zipSync({ 'BTCUSDT-1h-2022-02.csv': readFileSync(join(FIXTURES, 'bad', 'high-not-a-number.csv')) }));
    await expect(loadCandles(bad)).rejects.toThrow(`${bad}:BTCUSDT-1h-2022-02.csv:3: high: not a number ("abc")`);
  });

  it('a .csv.gz or .zip cut short (a download or copy that stopped) says so and to fetch it again, not that it is not that kind of file', async () => {
    const dir = freshDir();
    const gz = gzipSync(csv);
    const cutGz = join(dir, 'BTCUSDT-1h.csv.gz');
    writeFileSync(cutGz, gz.subarray(0, gz.length - 12));
    await expect(loadCandles(cutGz)).rejects.toThrow(`${cutGz}: file: gzip file cut short (unexpected end of file): it was not downloaded or copied whole; fetch it again`);
    const zip = zipSync({ 'BTCUSDT-1h-2022-01.csv': new Uint8Array(csv) });
    const cutZip = join(dir, 'BTCUSDT-1h-2022-01.zip');
    writeFileSync(cutZip, zip.subarray(0, zip.length - 30));
    await expect(loadCandles(cutZip)).rejects.toThrow(`${cutZip}: file: zip file cut short or damaged (invalid zip data): fetch it again`);
    // Files that are not archives at all keep saying so.
    const text = join(dir, 'ETHUSDT-1h.csv.gz');
    writeFileSync(text, csv);
    await expect(loadCandles(text)).rejects.toThrow(`${text}: file: not a gzip file (it does not start with gzip's header)`);
    const notZip = join(dir, 'ETHUSDT-1h-2022-01.zip');
    writeFileSync(notZip, csv);
    await expect(loadCandles(notZip)).rejects.toThrow(`${notZip}: file: not a zip file (it does not start with a zip header)`);
  });

  it('joins a directory of monthly files in time order and reports the gap between them', async () => {
    const dir = freshDir();
    const lines = csv.toString('latin1').trimEnd().split('\n');
    // Files named so that name order is not time order; the 03:00 candle is missing.
    writeFileSync(join(dir, 'BTCUSDT-1h-b.csv'), `${lines.slice(0, 2).join('\n')}\n`);
    writeFileSync(join(dir, 'BTCUSDT-1h-a.csv.gz'), gzipSync(`${lines[4]}\n`));
    writeFileSync(join(dir, 'BTCUSDT-1h-c.zip'), zipSync({ 'x.csv': Buffer.from(`${lines[2]}\n`) }));
    writeFileSync(join(dir, 'notes.txt'), 'not candles');
    const s = await loadCandles(dir);
    expect(s.symbol).toBe('BTCUSDT');
    expect(Array.from(s.time)).toEqual([0, 1, 2, 4].map((h) => Date.UTC(2022, 0, 1, h)));
    expect(s.gaps).toEqual([{ afterIndex: 2, fromMs: Date.UTC(2022, 0, 1, 3), toMs: Date.UTC(2022, 0, 1, 4), missing: 1 }]);
  });

  it('joins a list of files, and refuses overlapping ones naming both', async () => {
    const dir = freshDir();
    const lines = csv.toString('latin1').trimEnd().split('\n');
    const a = join(dir, 'BTCUSDT-1h-1.csv');
    const b = join(dir, 'BTCUSDT-1h-2.csv');
    writeFileSync(a, `${lines.slice(0, 3).join('\n')}\n`);
    writeFileSync(b, `${lines.slice(2).join('\n')}\n`);
    await expect(loadCandles([a, b])).rejects.toThrow(`${b}:1: time: 2022-01-01T02:00:00.000Z overlaps ${a} (which runs to 2022-01-01T02:00:00.000Z, line 3)`);
    writeFileSync(b, `${lines.slice(3).join('\n')}\n`);
    expect((await loadCandles([b, a])).length).toBe(5);
  });

  it('refuses files named for different symbols, naming a file of each, even when a symbol is given', async () => {
    const dir = freshDir();
    copyFileSync(join(FIXTURES, 'BTCUSDT-1h.csv'), join(dir, 'BTCUSDT-1h.csv'));
    copyFileSync(join(FIXTURES, 'BTCUSDT-1h-2025-01-us.csv'), join(dir, 'ETHUSDT-1h-2025-01.csv'));
    const refusal = 'files are named for different symbols (BTCUSDT, ETHUSDT): BTCUSDT-1h.csv says BTCUSDT, ETHUSDT-1h-2025-01.csv says ETHUSDT';
    await expect(loadCandles(dir)).rejects.toThrow(refusal);
    // A given symbol names the series; it does not make two symbols' prices one history.
    await expect(loadCandles(dir, { symbol: 'BTCUSDT' })).rejects.toThrow(refusal);
    await expect(loadCandles(dir, { symbol: 'XUSDT' })).rejects.toThrow(refusal);
    // Files whose names agree (or say nothing) still take the given symbol.
    rmSync(join(dir, 'ETHUSDT-1h-2025-01.csv'));
    copyFileSync(join(FIXTURES, 'BTCUSDT-1h-2025-01-us.csv'), join(dir, 'more.csv'));
    expect((await loadCandles(dir, { symbol: 'XUSDT' })).symbol).toBe('XUSDT');
  });

  it('a directory without candle files is an error', async () => {
    await expect(loadCandles(freshDir())).rejects.toBeInstanceOf(CandleFileError);
  });
});

describe('timeframe', () => {
  it('uses a given timeframe: 1h data read as 30m has gaps; read as 2h is an error', async () => {
    const path = join(FIXTURES, 'BTCUSDT-1h.csv');
    const s = await loadCandles(path, { timeframeMs: H / 2 });
    expect(s.gaps).toHaveLength(4);
    expect(s.gaps[0]).toEqual({ afterIndex: 0, fromMs: Date.UTC(2022, 0, 1, 0, 30), toMs: Date.UTC(2022, 0, 1, 1), missing: 1 });
    await expect(loadCandles(path, { timeframeMs: 2 * H })).rejects.toThrow(`${path}:2: time: 2022-01-01T01:00:00.000Z is 1h after line 1, less than the 2h timeframe`);
  });

  it('a file of 1h rows then 15m rows (no timeframe in its name) is refused at the first 1h step, not read as 15m with every 1h row a gap; in either order, in ms or µs, and under a name that says 15m', async () => {
    const dir = freshDir();
    const hours = readFileSync(join(KLINES, 'BTCUSDT-1h.csv'), 'latin1').trimEnd().split('\n');
    const quarters = readFileSync(join(KLINES, 'BTCUSDT-15m.csv'), 'latin1').trimEnd().split('\n');
    const open = (row: string) => Number(row.slice(0, row.indexOf(',')));
    const firstQuarter = open(quarters[0]!);
    // 20 hours, then 200 quarters from where they end: the quarters are the most common step.
    const before = hours.filter((r) => open(r) < firstQuarter).slice(-20);
    const mixed = join(dir, 'mixed.csv');
    writeFileSync(mixed, `${[...before, ...quarters.slice(0, 200)].join('\n')}\n`);
    const at = (line: number, iso: string, after: number, says: string) =>
      `:${line}: time: ${iso} is 1h after line ${after}, whose close_time says its candle is 1h, not 15m (${says}): a file holds candles of one timeframe only`;
    const hourIso = (k: number) => new Date(open(before[k]!)).toISOString();
    await expect(loadCandles(mixed, { symbol: 'BTCUSDT' })).rejects.toThrow(`${mixed}${at(2, hourIso(1), 1, 'the most common step between its rows')}`);
    // Under a name that says 15m: the same refusal, the name being the timeframe.
    const named = join(dir, 'BTCUSDT-15m.csv');
    writeFileSync(named, readFileSync(mixed));
    await expect(loadCandles(named)).rejects.toThrow(`${named}${at(2, hourIso(1), 1, 'the timeframe its name says')}`);
    // 200 quarters, then hours from where they end: refused at the second hour, whose step is the first of 1h.
    const end = open(quarters[199]!) + 15 * 60_000;
    const after = hours.filter((r) => open(r) >= end).slice(0, 20);
    const later = join(dir, 'later.csv');
    writeFileSync(later, `${[...quarters.slice(0, 200), ...after].join('\n')}\n`);
    await expect(loadCandles(later, { symbol: 'BTCUSDT' })).rejects.toThrow(`${later}${at(202, new Date(open(after[1]!)).toISOString(), 201, 'the most common step between its rows')}`);
    // One hour as the last row: nothing steps after it, its close_time alone says so.
    const last = join(dir, 'last.csv');
    writeFileSync(last, `${[...quarters.slice(0, 200), after[0]].join('\n')}\n`);
    await expect(loadCandles(last, { symbol: 'BTCUSDT' })).rejects.toThrow(
      `${last}:201: time: its close_time says its candle (${new Date(open(after[0]!)).toISOString()}) is 1h, not 15m (the most common step between its rows): a file holds candles of one timeframe only`,
    );
    // Binance's µs times (spot, 2025 on): the same.
    const micro = (r: string) => r.replace(/^(\d+),([^,]*,[^,]*,[^,]*,[^,]*,[^,]*),(\d+)/, (_m, o: string, mid: string, c: string) => `${o}000,${mid},${c}999`);
    const us = join(dir, 'us.csv');
    writeFileSync(us, `${[...before, ...quarters.slice(0, 200)].map(micro).join('\n')}\n`);
    await expect(loadCandles(us, { symbol: 'BTCUSDT' })).rejects.toThrow(`${us}${at(2, hourIso(1), 1, 'the most common step between its rows')}`);
    // A 15m file with real gaps (rows missing) still loads, its gaps listed.
    const gappy = join(dir, 'gappy.csv');
    writeFileSync(gappy, `${quarters.slice(0, 200).filter((_, i) => i % 40 !== 7).join('\n')}\n`);
    const s = await loadCandles(gappy, { symbol: 'BTCUSDT' });
    expect([s.timeframeMs, s.gaps.length]).toEqual([15 * 60_000, 5]);
  });

  it('an hour row among 15m rows followed by missing rows (a step of 105m, not 1h) is refused too: its close_time says 1h, a whole number of 15m candles', async () => {
    const dir = freshDir();
    const hours = readFileSync(join(KLINES, 'BTCUSDT-1h.csv'), 'latin1').trimEnd().split('\n');
    const quarters = readFileSync(join(KLINES, 'BTCUSDT-15m.csv'), 'latin1').trimEnd().split('\n');
    const open = (row: string) => Number(row.slice(0, row.indexOf(',')));
    // Quarters 0–99, the hour starting where quarter 100 does, then quarters from 107 on (101–106 missing).
    const hour = hours.find((r) => open(r) === open(quarters[100]!))!;
    const file = join(dir, 'BTCUSDT-15m.csv');
    writeFileSync(file, `${[...quarters.slice(0, 100), hour, ...quarters.slice(107, 200)].join('\n')}\n`);
    await expect(loadCandles(file)).rejects.toThrow(
      `${file}:102: time: ${new Date(open(quarters[107]!)).toISOString()} is 105m after line 101, whose close_time says its candle is 1h, not 15m (the timeframe its name says): a file holds candles of one timeframe only`,
    );
  });

  it('a file named 1h missing every other hour is 1h with gaps (not 2h); a name that says none leaves it to the most common step', async () => {
    const dir = freshDir();
    const rows = readFileSync(join(FIXTURES, 'BTCUSDT-1h.csv'), 'latin1').trimEnd().split('\n');
    // Hours 0, 2 and 4 of the fixture's five: every step is 2h.
    const holed = [rows[0], rows[2], rows[4]].join('\n');
    writeFileSync(join(dir, 'BTCUSDT-1h.csv'), `${holed}\n`);
    const s = await loadCandles(join(dir, 'BTCUSDT-1h.csv'));
    expect(s.timeframeMs).toBe(H);
    expect(s.gaps.map((g) => g.missing)).toEqual([1, 1]);
    // Without a timeframe in the name, the most common step decides: 2h, no gaps.
    writeFileSync(join(dir, 'holed.csv'), `${holed}\n`);
    const unnamed = await loadCandles(join(dir, 'holed.csv'), { symbol: 'BTCUSDT' });
    expect([unnamed.timeframeMs, unnamed.gaps.length]).toEqual([2 * H, 0]);
  });

  it('refuses files named for different timeframes, naming a file of each (not one finer series with gaps)', async () => {
    const dir = freshDir();
    const rows = readFileSync(join(FIXTURES, 'BTCUSDT-1h.csv'), 'latin1').trimEnd().split('\n');
    writeFileSync(join(dir, 'BTCUSDT-1h-a.csv'), `${rows.slice(0, 2).join('\n')}\n`);
    // 15 minutes into the 02:00 hour and on, as a 15m file would have it.
    const quarter = rows.slice(2).map((r) => r.replace(/^(\d+)/, (t) => String(Number(t) + 15 * 60_000)));
    writeFileSync(join(dir, 'BTCUSDT-15m-b.csv'), `${quarter.join('\n')}\n`);
    const refusal = 'files are named for different timeframes (15m, 1h): BTCUSDT-15m-b.csv says 15m, BTCUSDT-1h-a.csv says 1h';
    await expect(loadCandles(dir)).rejects.toThrow(refusal);
    await expect(loadCandles(dir, { symbol: 'BTCUSDT', timeframeMs: 15 * 60_000 })).rejects.toThrow(refusal);
  });

  it("refuses monthly candles (Binance's 1M: months have no fixed length), named 1M or not, saying so", async () => {
    const dir = freshDir();
    // 14 monthly Binance klines of 2023 into 2024 (28-, 30- and 31-day months).
    const rows = Array.from({ length: 14 }, (_, m) => [Date.UTC(2023, m, 1), 20000, 21000, 19000, 20500, 100, Date.UTC(2023, m + 1, 1) - 1, 1, 1, 1, 1, 0].join(','));
    writeFileSync(join(dir, 'BTCUSDT-1M.csv'), `${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'months.csv'), `${rows.join('\n')}\n`);
    for (const f of ['BTCUSDT-1M.csv', 'months.csv']) {
      await expect(loadCandles(join(dir, f))).rejects.toThrow(
        `${join(dir, f)}: time: its rows are a month apart (most often 31d): monthly candles (Binance's 1M) have no fixed length and are not supported; use 1w or a shorter timeframe`,
      );
    }
  });

  it("reads a USDⓈ-M delivery contract's symbol and timeframe from Binance's archive name (BTCUSDT_241227-1h-2024-10.csv)", async () => {
    const dir = freshDir();
    const rows = readFileSync(join(FIXTURES, 'BTCUSDT-1h.csv'), 'latin1');
    writeFileSync(join(dir, 'BTCUSDT_241227-1h-2024-10.csv'), rows);
    const s = await loadCandles(join(dir, 'BTCUSDT_241227-1h-2024-10.csv'));
    expect([s.symbol, s.timeframeMs, s.length]).toEqual(['BTCUSDT_241227', H, 5]);
    // An underscore as the separator still names the perpetual.
    writeFileSync(join(dir, 'ETHUSDT_1h.csv'), rows);
    expect((await loadCandles(join(dir, 'ETHUSDT_1h.csv'))).symbol).toBe('ETHUSDT');
  });

  it('takes the timeframe of a one-candle file from its name, else asks for it', async () => {
    const dir = freshDir();
    const row = readFileSync(join(FIXTURES, 'BTCUSDT-1h.csv'), 'latin1').split('\n')[0]!;
    writeFileSync(join(dir, 'BTCUSDT-4h-2022-01.csv'), `${row}\n`);
    writeFileSync(join(dir, 'one.csv'), `${row}\n`);
    expect((await loadCandles(join(dir, 'BTCUSDT-4h-2022-01.csv'))).timeframeMs).toBe(4 * H);
    // Asked for in the way a user can give it: the file's name (no command takes a --timeframe option).
    const e = await loadCandles(join(dir, 'one.csv')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CandleFileError);
    expect((e as Error).message).toMatch(/a single candle: cannot infer the timeframe; name the file for it, e\.g\. BTCUSDT-1h\.csv/);
    expect((e as Error).message).not.toMatch(/--timeframe/);
    expect((await loadCandles(join(dir, 'one.csv'), { timeframeMs: H })).length).toBe(1);
  });
});

describe('loading several files in turn', () => {
  it('a series keeps its own values after other files are loaded (the read buffer is reused)', async () => {
    const eth = await loadCandles(join(KLINES, 'ETHUSDT-1h.csv'));
    const snapshot = Float64Array.from(eth.close);
    const [btc, sol] = await Promise.all([loadCandles(join(KLINES, 'BTCUSDT-1h.csv')), loadCandles(join(KLINES, 'SOLUSDT-15m.csv'))]);
    expect(Buffer.from(eth.close.buffer, eth.close.byteOffset, eth.close.byteLength).equals(Buffer.from(snapshot.buffer))).toBe(true);
    expect(btc.close[0]).not.toBe(eth.close[0]);
    expect(sol.timeframeMs).toBe(15 * 60_000);
    // Loaded alone, each gives the same values as loaded beside the others.
    const again = await loadCandles(join(KLINES, 'BTCUSDT-1h.csv'));
    expect(Buffer.from(again.close.buffer, again.close.byteOffset, again.close.byteLength).equals(Buffer.from(btc.close.buffer, btc.close.byteOffset, btc.close.byteLength))).toBe(true);
  });
});

describe('binary cache', () => {
  it('writes a cache on the first load and reads it back on the second, same values', async () => {
    const cacheDir = freshDir();
    const src = join(KLINES, 'ETHUSDT-1h.csv');
    const first = await loadCandles(src, { cacheDir });
    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{32}\.bin$/);
    const second = await loadCandles(src, { cacheDir });
    expect(second.length).toBe(first.length);
    expect(second.symbol).toBe('ETHUSDT');
    expect(second.timeframeMs).toBe(first.timeframeMs);
    expect(second.gaps).toEqual(first.gaps);
    expect(second.source).toBe(src);
    const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) expect(bytes(second[k]).equals(bytes(first[k])), k).toBe(true);
    // The columns are views over the cache file's bytes, not copies.
    expect(second.open.buffer).toBe(second.close.buffer);
  });

  it('really reads the cache (a patched cache value shows up) and a changed source invalidates it', async () => {
    const dir = freshDir();
    const cacheDir = join(dir, 'cache');
    const src = join(dir, 'BTCUSDT-1h.csv');
    copyFileSync(join(FIXTURES, 'BTCUSDT-1h.csv'), src);
    const first = await loadCandles(src, { cacheDir });
    const cacheFile = join(cacheDir, readdirSync(cacheDir)[0]!);
    // Patch the last volume value in the cache file: a load from the cache must return it.
    const bytes = readFileSync(cacheFile);
    bytes.writeDoubleLE(12345, bytes.length - 8);
    writeFileSync(cacheFile, bytes);
    expect((await loadCandles(src, { cacheDir })).volume[4]).toBe(12345);

    // A changed source (new size and mtime) is a different key: parsed again, right values.
    const text = readFileSync(src, 'latin1').trimEnd().split('\n').slice(0, 4).join('\n');
    writeFileSync(src, `${text}\n`);
    const later = new Date(statSync(src).mtimeMs + 5000);
    utimesSync(src, later, later);
    const reloaded = await loadCandles(src, { cacheDir });
    expect(reloaded.length).toBe(4);
    expect(reloaded.volume[3]).toBe(first.volume[3]);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.bin'))).toHaveLength(2);
  });

  it('a source rewritten with the same size and its old modification time restored (cp -p, tar, rsync -t of a corrected file) is parsed again, not read from the cache', async () => {
    const dir = freshDir();
    const cacheDir = join(dir, 'cache');
    const src = join(dir, 'BTCUSDT-1h.csv');
    const text = readFileSync(join(FIXTURES, 'BTCUSDT-1h.csv'), 'latin1');
    writeFileSync(src, text);
    const mtime = new Date(Date.UTC(2024, 0, 2)); // the time the archive stored
    utimesSync(src, mtime, mtime);
    expect((await loadCandles(src, { cacheDir })).close[4]).toBe(46711.05);
    // The same bytes but one close corrected (same width: Binance's fixed 8 decimals), the mtime put back.
    const corrected = text.replace(',46711.05000000,', ',46711.06000000,');
    expect(corrected.length).toBe(text.length);
    expect(corrected).not.toBe(text);
    writeFileSync(src, corrected);
    utimesSync(src, mtime, mtime);
    expect(statSync(src).mtimeMs).toBe(mtime.getTime());
    expect((await loadCandles(src, { cacheDir })).close[4]).toBe(46711.06);
  });

  it('treats a truncated or foreign cache file as a miss', async () => {
    const dir = freshDir();
    const cacheDir = join(dir, 'cache');
    const src = join(FIXTURES, 'BTCUSDT-1h.csv');
    await loadCandles(src, { cacheDir });
    const cacheFile = join(cacheDir, readdirSync(cacheDir)[0]!);
    writeFileSync(cacheFile, readFileSync(cacheFile).subarray(0, 100));
    expect((await loadCandles(src, { cacheDir })).close[4]).toBe(46711.05);
    writeFileSync(cacheFile, 'garbage');
    expect((await loadCandles(src, { cacheDir })).length).toBe(5);
  });

  it('a cache file that is there but cannot be read is an error naming it, not a silent miss', async () => {
    const dir = freshDir();
    const cacheDir = join(dir, 'cache');
    const src = join(FIXTURES, 'BTCUSDT-1h.csv');
    await loadCandles(src, { cacheDir });
    const cacheFile = join(cacheDir, readdirSync(cacheDir)[0]!);
    rmSync(cacheFile);
    mkdirSync(cacheFile); // reading it now fails with EISDIR
    await expect(loadCandles(src, { cacheDir })).rejects.toThrow(new RegExp(`${cacheFile.replace(/[.]/g, '\\.')}.*cannot be read \\(EISDIR\\)`));
  });

  it('keys the cache by the timeframe option too', async () => {
    const cacheDir = freshDir();
    const src = join(FIXTURES, 'BTCUSDT-1h.csv');
    expect((await loadCandles(src, { cacheDir })).gaps).toHaveLength(0);
    expect((await loadCandles(src, { cacheDir, timeframeMs: H / 2 })).gaps).toHaveLength(4);
  });
});
