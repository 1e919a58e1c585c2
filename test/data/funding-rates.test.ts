import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FUNDING_HEADER, fundingSymbolOfName, joinFundingRates, loadFundingRates } from '../../src/data/funding-rates.ts';
import { tempDir } from '../support/temp-dir.ts';

const tmp = tempDir('ladder-funding-data-');
const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);
const csv = (rows: readonly (readonly [number, number, string])[], header = true) => (header ? `${FUNDING_HEADER}\n` : '') + rows.map((r) => r.join(',')).join('\n') + '\n';

describe('funding-rate files (Binance fundingRate archive layout)', () => {
  it('reads the monthly archives of a directory (.zip, .csv.gz, .csv) as one series, times rounded to the minute', async () => {
    const dir = join(tmp, 'months');
    mkdirSync(dir, { recursive: true });
    // January as a zip (the archive's own form), February gzipped, March plain without a header.
    writeFileSync(join(dir, 'SOLUSDT-fundingRate-2024-01.zip'), zipSync({ 'SOLUSDT-fundingRate-2024-01.csv': Buffer.from(csv([[T + 6, 8, '0.00010000'], [T + 8 * H - 2, 8, '-0.00020000']])) }));
    writeFileSync(join(dir, 'SOLUSDT-fundingRate-2024-02.csv.gz'), gzipSync(csv([[T + 16 * H + 29_999, 4, '0.00030000']])));
    writeFileSync(join(dir, 'SOLUSDT-fundingRate-2024-03.csv'), csv([[T + 20 * H, 2, '-0.02000000']], false));
    writeFileSync(join(dir, 'README.txt'), 'not a data file');
    const f = await loadFundingRates(dir);
    expect(f.symbol).toBe('SOLUSDT');
    expect([...f.time]).toEqual([T, T + 8 * H, T + 16 * H, T + 20 * H]);
    expect([...f.rate]).toEqual([0.0001, -0.0002, 0.0003, -0.02]);
    expect([...f.intervalHours]).toEqual([8, 8, 4, 2]);
  });

  it('reads calc_time in µs as in ms (told apart by magnitude, as in candle files)', async () => {
    const file = join(tmp, 'ADAUSDT-fundingRate-us.csv');
    writeFileSync(file, csv([[(T + 6) * 1000, 8, '0.00010000'], [(T + 8 * H) * 1000 + 3, 8, '0.00020000']]));
    const f = await loadFundingRates(file);
    expect([...f.time]).toEqual([T, T + 8 * H]);
  });

  it('joins parts read one by one (a download\'s months) into the series loading them together gives, and refuses parts out of order', async () => {
    const jan = join(tmp, 'ADAUSDT-fundingRate-2024-01.csv');
    const feb = join(tmp, 'ADAUSDT-fundingRate-2024-02.csv');
    writeFileSync(jan, csv([[T, 8, '0.0001'], [T + 8 * H, 8, '0.0002']]));
    writeFileSync(feb, csv([[T + 16 * H, 4, '-0.0003']]));
    const [a, b] = [await loadFundingRates(jan), await loadFundingRates(feb)];
    const together = await loadFundingRates([jan, feb]);
    expect(joinFundingRates([a, b], `${jan},${feb}`)).toEqual(together);
    expect(() => joinFundingRates([b, a], 'x')).toThrow(`${jan}: calc_time: starts at 2024-01-01T00:00:00.000Z, not after the last settlement of ${feb} (2024-01-01T16:00:00.000Z)`);
  });

  it('names the symbol from Binance\'s archive names only', () => {
    expect(fundingSymbolOfName('/x/BTCUSDT-fundingRate.csv')).toBe('BTCUSDT');
    expect(fundingSymbolOfName('ethusdt_fundingRate-2024-01.zip')).toBe('ETHUSDT');
    expect(fundingSymbolOfName('BTCUSDT-1h.csv')).toBeUndefined();
    expect(fundingSymbolOfName('rates.csv')).toBeUndefined();
  });

  it('refuses files of two symbols as one entry, a directory without funding files and a missing file', async () => {
    const a = join(tmp, 'BTCUSDT-fundingRate.csv');
    const b = join(tmp, 'ETHUSDT-fundingRate.csv');
    writeFileSync(a, csv([[T, 8, '0.0001']]));
    writeFileSync(b, csv([[T + 8 * H, 8, '0.0001']]));
    await expect(loadFundingRates([a, b])).rejects.toThrow('files are named for different symbols (BTCUSDT, ETHUSDT): one symbol per entry');
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(loadFundingRates(empty)).rejects.toThrow(`${empty}: directory holds no .csv, .csv.gz or .zip funding files`);
    await expect(loadFundingRates(join(tmp, 'nope.csv'))).rejects.toThrow(/nope\.csv: cannot read \(ENOENT\)/);
    const broken = join(tmp, 'XRPUSDT-fundingRate-2024-01.zip');
    writeFileSync(broken, 'not a zip');
    await expect(loadFundingRates(broken)).rejects.toThrow(/XRPUSDT-fundingRate-2024-01\.zip: not a zip file/);
  });

  it('a bad time on the first row after the header is said as that row\'s (before: "f.csv:2: header: expected …"); a second header line is a bad row', async () => {
    const f = join(tmp, 'ADAUSDT-fundingRate.csv');
    writeFileSync(f, `${FUNDING_HEADER}\nnoon,8,0.0001\n${T + 8 * H},8,0.0001\n`);
    await expect(loadFundingRates(f)).rejects.toThrow(`${f}:2: calc_time: not a time in ms ("noon")`);
    writeFileSync(f, `\n${FUNDING_HEADER}\n${FUNDING_HEADER}\n${T},8,0.0001\n`);
    await expect(loadFundingRates(f)).rejects.toThrow(`${f}:3: calc_time: not a time in ms ("calc_time")`);
    writeFileSync(f, `\n${FUNDING_HEADER}\n${T},8,0.0001\n`);
    expect((await loadFundingRates(f)).time.length).toBe(1);
  });

  it('reads the real SOLUSDT file whole: 4,818 settlements, its 2 h and 4 h rows among them', async () => {
    const f = await loadFundingRates(join(import.meta.dirname, '../../../shared/data/binance-usdm-funding/SOLUSDT-fundingRate.csv'));
    expect(f.time.length).toBe(4818);
    expect(f.time.every((t, k) => t % 60_000 === 0 && (k === 0 || t > f.time[k - 1]!))).toBe(true);
    const steps = new Set<number>();
    for (let k = 1; k < f.time.length; k++) steps.add((f.time[k]! - f.time[k - 1]!) / H);
    expect([...steps].sort((x, y) => x - y)).toEqual([2, 4, 8]);
    // The rows' own funding_interval_hours: 99 at 2 h, 2 at 4 h (SOLUSDT's README), the rest 8 h.
    const tagged = new Map<number, number>();
    for (const h of f.intervalHours) tagged.set(h, (tagged.get(h) ?? 0) + 1);
    expect([...tagged].sort((x, y) => x[0] - y[0])).toEqual([[2, 99], [4, 2], [8, 4818 - 101]]);
    expect(Math.min(...f.rate)).toBe(-0.02);
  });
});
