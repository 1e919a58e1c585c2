/**
 * `ladder data download --type funding` and `--type mark` through the real CLI against a local
 * archive server holding real Binance months (cut from ../shared/data, see test/data/download/usdm.ts):
 * what lands where, the summary, a rerun without network, a month holding rows of another refused,
 * the options refused, and the downloaded directories read by `ladder backtest --funding/--mark`
 * exactly as the shared joined files are.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundingArchivePath, markArchivePath, publish, publishAt, startArchiveServer, type ArchiveServer } from './archive-server.ts';
import { futuresCsv } from './klines.ts';
import { runLadder as run } from '../../support/ladder-cli.ts';
import { fundingCsv, markCsv } from './usdm.ts';
import { FUNDING, MARK_1H } from '../paths.ts';
import { tempDir } from '../../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const runLadder = (args: string[], cwd: string) => run(args, { cwd });

const MONTHS = ['2024-01', '2024-02', '2024-03'];
let server: ArchiveServer;

beforeAll(async () => {
  server = await startArchiveServer();
  for (const m of MONTHS) {
    publishAt(server, fundingArchivePath('BTCUSDT', m), fundingCsv('BTCUSDT', m));
    publishAt(server, markArchivePath('BTCUSDT', '1h', m), markCsv('BTCUSDT', m));
    publish(server, 'futures', 'BTCUSDT', '1h', m, futuresCsv(m));
  }
  // SOLUSDT's FTX month: 8 h settlements, then 2 h (and two 4 h) from 2022-11-09 20:00 to 2022-11-18 08:00.
  publishAt(server, fundingArchivePath('SOLUSDT', '2022-11'), fundingCsv('SOLUSDT', '2022-11'));
  // April's rows and, by mistake, the first settlement of May.
  const may = fundingCsv('BTCUSDT', '2024-05').split('\n')[1]!;
  publishAt(server, fundingArchivePath('ETHUSDT', '2024-04'), `${fundingCsv('BTCUSDT', '2024-04')}${may}\n`);
});
afterAll(async () => {
  await server.close();
});

const FUNDING_DIR = join('data', 'binance', 'futures', 'BTCUSDT', 'funding');
const MARK_DIR = join('data', 'binance', 'futures', 'BTCUSDT', 'mark-1h');
const KLINES_DIR = join('data', 'binance', 'futures', 'BTCUSDT', '1h');
const download = (cwd: string, ...args: string[]) => runLadder(['data', 'download', '--symbol', 'BTCUSDT', '--from', '2024-01', '--to', '2024-03', ...args, '--base-url', server.baseUrl], cwd);
const lines = (text: string) => text.split('\n').filter(Boolean);

describe('ladder data download --type funding / mark', () => {
  it('downloads funding months into data/binance/futures/<SYMBOL>/funding, sums them up, and a rerun needs no network', async () => {
    const cwd = tempDir('ladder-download-funding-');
    const before = server.requests.length;
    const r = await download(cwd, '--type', 'funding');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(MONTHS.map((m) => `${join(FUNDING_DIR, `BTCUSDT-fundingRate-${m}.zip`)}\n`).join(''));
    expect(lines(r.stderr)).toEqual([
      `BTCUSDT funding futures: 3 months (2024-01 … 2024-03) from ${server.host} into ${FUNDING_DIR}`,
      expect.stringMatching(/^\[1\/3\] BTCUSDT-fundingRate-2024-01\.zip: downloaded [\d.]+ k?B, checksum ok, 93 settlements$/),
      expect.stringMatching(/^\[2\/3\] BTCUSDT-fundingRate-2024-02\.zip: downloaded [\d.]+ k?B, checksum ok, 87 settlements$/),
      expect.stringMatching(/^\[3\/3\] BTCUSDT-fundingRate-2024-03\.zip: downloaded [\d.]+ k?B, checksum ok, 93 settlements$/),
      `3 archives in ${FUNDING_DIR} (3 downloaded, 0 already here): 273 settlements, 2024-01-01T00:00:00.000Z … 2024-03-31T16:00:00.000Z, interval 8h`,
      `backtest with: ladder backtest --data ${join('data', 'binance', 'futures', 'BTCUSDT', '<interval>')} --funding ${FUNDING_DIR}`,
    ]);
    expect(server.requests.slice(before).map((q) => q.path)).toEqual(MONTHS.flatMap((m) => [`${fundingArchivePath('BTCUSDT', m)}.CHECKSUM`, fundingArchivePath('BTCUSDT', m)]));
    expect(readdirSync(join(cwd, FUNDING_DIR)).sort()).toEqual(MONTHS.flatMap((m) => [`BTCUSDT-fundingRate-${m}.zip`, `BTCUSDT-fundingRate-${m}.zip.CHECKSUM`]));

    const again = await download(cwd, '--type', 'funding');
    expect(again.code, again.stderr).toBe(0);
    expect(server.requests.length).toBe(before + 6);
    expect(lines(again.stderr).slice(1, 5)).toEqual([
      expect.stringMatching(/^\[1\/3\] BTCUSDT-fundingRate-2024-01\.zip: already here, checksum ok \([\d.]+ k?B\), 93 settlements$/),
      expect.stringMatching(/^\[2\/3\] BTCUSDT-fundingRate-2024-02\.zip: already here/),
      expect.stringMatching(/^\[3\/3\] BTCUSDT-fundingRate-2024-03\.zip: already here/),
      `3 archives in ${FUNDING_DIR} (0 downloaded, 3 already here): 273 settlements, 2024-01-01T00:00:00.000Z … 2024-03-31T16:00:00.000Z, interval 8h`,
    ]);
  });

  it('downloads mark-price klines into mark-<interval>, and the backtest line it prints reads the three directories as the shared joined files', async () => {
    const cwd = tempDir('ladder-download-mark-');
    const funding = await download(cwd, '--type', 'funding');
    const klines = await download(cwd, '--interval', '1h');
    const before = server.requests.length;
    const mark = await download(cwd, '--type', 'mark', '--interval', '1h');
    expect([funding.code, klines.code, mark.code], mark.stderr).toEqual([0, 0, 0]);
    expect(server.requests.slice(before).map((q) => q.path)).toEqual(MONTHS.flatMap((m) => [`${markArchivePath('BTCUSDT', '1h', m)}.CHECKSUM`, markArchivePath('BTCUSDT', '1h', m)]));
    const command = `ladder backtest --data ${KLINES_DIR} --funding ${FUNDING_DIR} --mark ${MARK_DIR}`;
    expect(lines(mark.stderr)).toEqual([
      `BTCUSDT mark 1h futures: 3 months (2024-01 … 2024-03) from ${server.host} into ${MARK_DIR}`,
      expect.stringMatching(/^\[1\/3\] BTCUSDT-1h-2024-01\.zip: downloaded [\d.]+ kB, checksum ok, 744 candles$/),
      expect.stringMatching(/^\[2\/3\] BTCUSDT-1h-2024-02\.zip: downloaded [\d.]+ kB, checksum ok, 696 candles$/),
      expect.stringMatching(/^\[3\/3\] BTCUSDT-1h-2024-03\.zip: downloaded [\d.]+ kB, checksum ok, 744 candles$/),
      `3 archives in ${MARK_DIR} (3 downloaded, 0 already here): 2184 candles, 2024-01-01T00:00:00.000Z … 2024-03-31T23:00:00.000Z, no gaps`,
      `backtest with: ${command}`,
    ]);

    // The printed command as it is, then the same candles with the shared files the archives were cut from.
    const opts = ['--config', join(ROOT, 'config.json'), '--json', '--no-cache'];
    const [fromDirs, fromShared] = await Promise.all([
      runLadder([...command.split(' ').slice(1), ...opts], cwd),
      runLadder(['backtest', '--data', KLINES_DIR, '--funding', join(FUNDING, 'BTCUSDT-fundingRate.csv'), '--mark', join(MARK_1H, 'BTCUSDT-1h.csv'), ...opts], cwd),
    ]);
    expect([fromDirs.code, fromShared.code], fromDirs.stderr + fromShared.stderr).toEqual([0, 0]);
    const a = JSON.parse(fromDirs.stdout);
    const b = JSON.parse(fromShared.stdout);
    expect(fromDirs.stderr).toMatch(new RegExp(`note: BTCUSDT: 272 funding settlements within the candles \\(${FUNDING_DIR}\\), charged at the mark price\n`));
    expect(a.summary.trades).toBeGreaterThan(0);
    expect(a.funding.settlements).toBeGreaterThan(0);
    expect(a.funding.total).not.toBe(0);
    expect([a.funding, a.summary, a.trades]).toEqual([b.funding, b.summary, b.trades]);
  });

  it("says every interval a month's settlements were tagged with (SOLUSDT 2022-11: 2 h, 4 h, 8 h)", async () => {
    const cwd = tempDir('ladder-download-sol-');
    const r = await runLadder(['data', 'download', '--symbol', 'SOLUSDT', '--type', 'funding', '--from', '2022-11', '--out', 'sol', '--base-url', server.baseUrl], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stderr).at(-2)).toBe('1 archive in sol (1 downloaded, 0 already here): 165 settlements, 2022-11-01T00:00:00.000Z … 2022-11-30T16:00:00.000Z, intervals 2h, 4h, 8h');
  });

  it('refuses a funding archive holding a settlement outside its month, naming the file and the settlement', async () => {
    const cwd = tempDir('ladder-download-funding-bad-');
    const r = await runLadder(['data', 'download', '--symbol', 'ETHUSDT', '--type', 'funding', '--from', '2024-04', '--out', 'eth', '--base-url', server.baseUrl], cwd);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(lines(r.stderr).at(-1)).toBe(
      `ladder: ETHUSDT funding 2024-04: ${join('eth', 'ETHUSDT-fundingRate-2024-04.zip')} holds 1 settlement outside 2024-04 (first at 2024-05-01T00:00:00.000Z); its settlements run from 2024-04-01T00:00:00.000Z to 2024-05-01T00:00:00.000Z`,
    );
  });

  it('says what to check when a funding month does not exist', async () => {
    const r = await runLadder(['data', 'download', '--symbol', 'XYZUSDT', '--type', 'funding', '--from', '2024-01', '--out', 'none', '--base-url', server.baseUrl], tempDir('ladder-download-404-'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ladder: XYZUSDT funding 2024-01: no such archive on ${server.host} (404); check the symbol (USDⓈ-M futures symbols only); a symbol's archives start the month it was listed`);
  });

  it('refuses funding or mark prices of spot, an interval for funding and klines without one, before any request', async () => {
    const cwd = tempDir('ladder-download-refused-');
    const before = server.requests.length;
    const cases: [string[], string][] = [
      [['--type', 'funding', '--market', 'spot'], 'ladder: --type funding: Binance publishes funding rates for USDⓈ-M futures only, not for --market spot'],
      [['--type', 'mark', '--interval', '1h', '--market', 'spot'], 'ladder: --type mark: Binance publishes mark-price klines for USDⓈ-M futures only, not for --market spot'],
      [['--type', 'funding', '--interval', '8h'], 'ladder: --interval: --type funding takes none (each monthly archive holds every settlement, whatever its interval)'],
      [['--type', 'mark'], 'ladder: --interval: required for --type mark'],
      [[], 'ladder: --interval: required for --type klines'],
    ];
    const results = await Promise.all(cases.map(([args]) => download(cwd, ...args)));
    results.forEach((r, i) => {
      expect([r.code, r.stdout, lines(r.stderr)]).toEqual([1, '', [cases[i]![1]]]);
    });
    expect(server.requests.length).toBe(before);
  });
});
