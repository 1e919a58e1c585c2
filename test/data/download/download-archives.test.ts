import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadArchives, DownloadError, downloadFundingArchives, parseYearMonth, type DownloadEvent, type DownloadRequest, type RetryPolicy } from '../../../src/data/download/index.ts';
import { archivePath, fundingArchivePath, markArchivePath, publish, publishAt, sha256, startArchiveServer, zipCsv, type ArchiveServer } from './archive-server.ts';
import { futuresCsv, monthLines, spotMicrosCsv } from './klines.ts';
import { fundingCsv, markCsv } from './usdm.ts';
import { tempDir } from '../../support/temp-dir.ts';

const root = tempDir('ladder-download-');

/** Fast retries, so the tests of backoff take milliseconds. */
const POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, idleTimeoutMs: 5000 };
const ZIP = (ym: string) => archivePath('futures', 'BTCUSDT', '1h', ym);

let server: ArchiveServer;
let outDir: string;
let n = 0;
beforeEach(async () => {
  server = await startArchiveServer();
  outDir = join(root, `run-${++n}`);
});
afterEach(() => server.close());

function request(months: string[], extra: Partial<DownloadRequest> = {}): DownloadRequest {
  return { symbol: 'BTCUSDT', interval: '1h', market: 'futures', months: months.map((m) => parseYearMonth('--from', m)), outDir, baseUrl: server.baseUrl, ...extra };
}

async function run(months: string[], extra: Partial<DownloadRequest> = {}) {
  const events: DownloadEvent[] = [];
  const result = await downloadArchives(request(months, extra), { policy: POLICY, onEvent: (e) => events.push(e), nowMs: Date.UTC(2026, 4, 1) });
  return { result, events };
}

async function failure(months: string[], nowMs = Date.UTC(2026, 4, 1)): Promise<DownloadError> {
  const e = await downloadArchives(request(months), { policy: POLICY, nowMs }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(DownloadError);
  return e as DownloadError;
}

const zipRequests = (ym: string) => server.requests.filter((r) => r.path === ZIP(ym));

describe('downloadArchives', () => {
  it('downloads three months, keeps each checksum beside its zip, and joins them into one gap-free series', async () => {
    const zips = ['2024-01', '2024-02', '2024-03'].map((m) => publish(server, 'futures', 'BTCUSDT', '1h', m, futuresCsv(m)));
    const { result, events } = await run(['2024-01', '2024-02', '2024-03']);

    expect(result.archives.map((a) => [a.path, a.outcome, a.candles])).toEqual([
      [join(outDir, 'BTCUSDT-1h-2024-01.zip'), 'downloaded', 744],
      [join(outDir, 'BTCUSDT-1h-2024-02.zip'), 'downloaded', 696],
      [join(outDir, 'BTCUSDT-1h-2024-03.zip'), 'downloaded', 744],
    ]);
    result.archives.forEach((a, i) => {
      expect(sha256(readFileSync(a.path))).toBe(sha256(zips[i]!));
      expect(readFileSync(a.checksumPath, 'utf8')).toBe(`${sha256(zips[i]!)}  BTCUSDT-1h-2024-0${i + 1}.zip\n`);
    });
    expect(readdirSync(outDir).sort()).toEqual(['BTCUSDT-1h-2024-01.zip', 'BTCUSDT-1h-2024-01.zip.CHECKSUM', 'BTCUSDT-1h-2024-02.zip', 'BTCUSDT-1h-2024-02.zip.CHECKSUM', 'BTCUSDT-1h-2024-03.zip', 'BTCUSDT-1h-2024-03.zip.CHECKSUM']);
    const s = result.series;
    expect([s.symbol, s.timeframeMs, s.length, s.gaps.length]).toEqual(['BTCUSDT', 3_600_000, 744 + 696 + 744, 0]);
    expect([s.time[0], s.time[s.length - 1]]).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 31, 23)]);
    expect(s.open[0]).toBe(Number(monthLines('2024-01')[0]!.split(',')[1]));
    expect(events.filter((e) => e.type === 'file.done').map((e) => `${e.index}/${e.count}`)).toEqual(['1/3', '2/3', '3/3']);
    const last = events.filter((e) => e.type === 'file.progress').at(-1);
    expect(last).toMatchObject({ bytes: zips[2]!.length, totalBytes: zips[2]!.length });
    expect(server.requests.every((r) => r.range === undefined)).toBe(true);
  });

  it('skips an archive already downloaded and verified, without asking the server anything', async () => {
    publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    await run(['2024-01']);
    const before = server.requests.length;

    const { result } = await run(['2024-01']);
    expect(result.archives[0]).toMatchObject({ outcome: 'present', candles: 744 });
    expect(server.requests.length).toBe(before);
  });

  it('checks a zip that is present without its .CHECKSUM against the server checksum, and does not fetch it again', async () => {
    const zip = publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    await run(['2024-01']);
    rmSync(join(outDir, 'BTCUSDT-1h-2024-01.zip.CHECKSUM'));
    server.requests.length = 0;

    const { result } = await run(['2024-01']);
    expect(result.archives[0]!.outcome).toBe('present');
    expect(server.requests.map((r) => r.path)).toEqual([`${ZIP('2024-01')}.CHECKSUM`]);
    expect(readFileSync(join(outDir, 'BTCUSDT-1h-2024-01.zip.CHECKSUM'), 'utf8')).toContain(sha256(zip));
  });

  it('downloads again a local copy that no longer matches its checksum', async () => {
    publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    await run(['2024-01']);
    writeFileSync(join(outDir, 'BTCUSDT-1h-2024-01.zip'), 'damaged on disk');
    server.requests.length = 0;

    const { result } = await run(['2024-01']);
    expect(result.archives[0]).toMatchObject({ outcome: 'downloaded', candles: 744 });
    expect(zipRequests('2024-01')).toHaveLength(1);
  });

  it('on a checksum mismatch names the file and both sums, removes the bad file, and keeps nothing of it', async () => {
    const zip = publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    const claimed = 'ab'.repeat(32);
    server.put(`${ZIP('2024-01')}.CHECKSUM`, `${claimed}  BTCUSDT-1h-2024-01.zip\n`);

    const e = await failure(['2024-01']);
    expect(e.code).toBe('checksum');
    expect(e.message).toContain('BTCUSDT-1h-2024-01.zip: checksum mismatch');
    expect(e.message).toContain(claimed);
    expect(e.message).toContain(sha256(zip));
    expect(e.message).toContain('removed');
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('resumes a download cut mid-file with Range: bytes=N- and the result verifies', async () => {
    const zip = publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    const cutAt = Math.floor(zip.length / 2);
    server.cutNext(ZIP('2024-01'), cutAt);

    const { result, events } = await run(['2024-01']);
    const reqs = zipRequests('2024-01');
    expect(reqs.map((r) => r.range)).toEqual([undefined, `bytes=${cutAt}-`]);
    expect(events.some((e) => e.type === 'file.retry')).toBe(true);
    expect(result.archives[0]!.outcome).toBe('downloaded');
    expect(sha256(readFileSync(result.archives[0]!.path))).toBe(sha256(zip));
    expect(events.find((e) => e.type === 'file.done')).toMatchObject({ resumedFromBytes: cutAt });
  });

  it('resumes the .part file an interrupted earlier run left behind', async () => {
    const zip = publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'BTCUSDT-1h-2024-01.zip.part'), zip.subarray(0, 1000));

    const { result, events } = await run(['2024-01']);
    expect(zipRequests('2024-01').map((r) => r.range)).toEqual(['bytes=1000-']);
    expect(events[0]).toMatchObject({ type: 'file.start', resumeFromBytes: 1000 });
    expect(sha256(readFileSync(result.archives[0]!.path))).toBe(sha256(zip));
    expect(readdirSync(outDir)).not.toContain('BTCUSDT-1h-2024-01.zip.part');
  });

  it('starts over when the server ignores Range and sends the whole file (200, not 206)', async () => {
    const zip = publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    server.ignoreRange(ZIP('2024-01'));
    server.cutNext(ZIP('2024-01'), 1500);

    const { result } = await run(['2024-01']);
    expect(zipRequests('2024-01').map((r) => r.range)).toEqual([undefined, 'bytes=1500-']);
    expect(sha256(readFileSync(result.archives[0]!.path))).toBe(sha256(zip));
  });

  it('downloads once more from the start when a resumed file fails its checksum (a part left from an older version)', async () => {
    const zip = publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'BTCUSDT-1h-2024-01.zip.part'), Buffer.alloc(1000, 7));

    const { result, events } = await run(['2024-01']);
    expect(zipRequests('2024-01').map((r) => r.range)).toEqual(['bytes=1000-', undefined]);
    expect(events.some((e) => e.type === 'file.restart')).toBe(true);
    expect(sha256(readFileSync(result.archives[0]!.path))).toBe(sha256(zip));
  });

  it('reports a month that does not exist as a clear 404, without retrying', async () => {
    publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    const e = await failure(['2024-01', '2030-01']);
    expect(e.code).toBe('notFound');
    expect(e.message).toMatch(new RegExp(`^BTCUSDT 1h 2030-01: no such archive on ${server.host.replace('.', '\\.')} \\(404\\); 2030-01 has not ended yet`));
    expect(server.requests.filter((r) => r.path.includes('2030-01'))).toHaveLength(1);
    expect(readdirSync(outDir)).toContain('BTCUSDT-1h-2024-01.zip');
  });

  it('suggests checking symbol and market for a past month that is missing', async () => {
    const e = await failure(['2019-01']);
    expect(e.message).toContain('BTCUSDT 1h 2019-01: no such archive on');
    expect(e.message).toContain('--market (futures now)');
  });

  it('retries a 503 with backoff and then succeeds', async () => {
    const zip = publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    server.failNext(ZIP('2024-01'), 503);
    server.failNext(`${ZIP('2024-01')}.CHECKSUM`, 502);

    const { result, events } = await run(['2024-01']);
    expect(zipRequests('2024-01')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'file.retry').map((e) => (e.type === 'file.retry' ? [e.attempt, e.delayMs, e.reason] : []))).toEqual([
      [2, 5, '.CHECKSUM: HTTP 502 Bad Gateway'],
      [2, 5, 'HTTP 503 Service Unavailable'],
    ]);
    expect(sha256(readFileSync(result.archives[0]!.path))).toBe(sha256(zip));
  });

  it('gives up after the last try when the server keeps failing', async () => {
    publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    server.failNext(ZIP('2024-01'), 503, 10);
    const e = await failure(['2024-01']);
    expect(e.code).toBe('transient');
    expect(e.message).toMatch(/HTTP 503.*gave up after 3 tries/);
    expect(zipRequests('2024-01')).toHaveLength(3);
  });

  it('does not retry a 403', async () => {
    publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    server.failNext(ZIP('2024-01'), 403, 10);
    const e = await failure(['2024-01']);
    expect([e.code, zipRequests('2024-01').length]).toEqual(['http', 1]);
  });

  it('rejects an archive whose candles belong to another month', async () => {
    const path = archivePath('futures', 'BTCUSDT', '1h', '2024-02');
    const zip = zipCsv('BTCUSDT-1h-2024-02.zip', futuresCsv('2024-01'));
    server.put(path, zip);
    server.put(`${path}.CHECKSUM`, `${sha256(zip)}  BTCUSDT-1h-2024-02.zip\n`);
    const e = await failure(['2024-02']);
    expect(e.code).toBe('badArchive');
    expect(e.message).toContain('outside 2024-02');
  });

  it('rejects an archive that holds no kline CSV', async () => {
    const path = archivePath('futures', 'BTCUSDT', '1h', '2024-01');
    server.put(path, 'not a zip at all');
    server.put(`${path}.CHECKSUM`, `${sha256(Buffer.from('not a zip at all'))}  BTCUSDT-1h-2024-01.zip\n`);
    const e = await failure(['2024-01']);
    expect(e.code).toBe('badArchive');
    expect(e.message).toContain('BTCUSDT 1h 2024-01: the archive passed its checksum but holds no readable kline CSV');
  });

  it('reads spot archives from 2025 with open times in microseconds', async () => {
    publish(server, 'spot', 'BTCUSDT', '1h', '2025-01', spotMicrosCsv('2025-01'));
    const { result } = await run(['2025-01'], { market: 'spot' });
    expect(server.requests[0]!.path).toBe(`${archivePath('spot', 'BTCUSDT', '1h', '2025-01')}.CHECKSUM`);
    expect([result.series.length, result.series.time[0]]).toEqual([744, Date.UTC(2025, 0, 1)]);
  });

  it('fetches from a mirror under a path prefix', async () => {
    const zip = publish(server, 'futures', 'BTCUSDT', '1h', '2024-01', futuresCsv('2024-01'));
    server.put(`/mirror${ZIP('2024-01')}`, zip);
    server.put(`/mirror${ZIP('2024-01')}.CHECKSUM`, `${sha256(zip)}  BTCUSDT-1h-2024-01.zip\n`);
    await run(['2024-01'], { baseUrl: `${server.baseUrl}/mirror` });
    expect(server.requests.map((r) => r.path)).toEqual([`/mirror${ZIP('2024-01')}.CHECKSUM`, `/mirror${ZIP('2024-01')}`]);
  });

  it("fetches funding archives the same way (a 503 retried, a cut body resumed), reads them with the --funding loader and joins them", async () => {
    const paths = ['2024-01', '2024-02'].map((m) => fundingArchivePath('BTCUSDT', m));
    const zips = ['2024-01', '2024-02'].map((m, i) => publishAt(server, paths[i]!, fundingCsv('BTCUSDT', m)));
    server.failNext(`${paths[0]}.CHECKSUM`, 503);
    const cutAt = Math.floor(zips[1]!.length / 2);
    server.cutNext(paths[1]!, cutAt);
    const events: DownloadEvent[] = [];
    const result = await downloadFundingArchives(
      { symbol: 'BTCUSDT', months: ['2024-01', '2024-02'].map((m) => parseYearMonth('--from', m)), outDir, baseUrl: server.baseUrl },
      { policy: POLICY, onEvent: (e) => events.push(e), nowMs: Date.UTC(2026, 4, 1) },
    );
    expect(result.archives.map((a) => [a.path, a.settlements])).toEqual([
      [join(outDir, 'BTCUSDT-fundingRate-2024-01.zip'), 93],
      [join(outDir, 'BTCUSDT-fundingRate-2024-02.zip'), 87],
    ]);
    expect(server.requests.filter((r) => r.path === paths[1]).map((r) => r.range)).toEqual([undefined, `bytes=${cutAt}-`]);
    expect(events.filter((e) => e.type === 'file.retry')).toHaveLength(2);
    const r = result.rates;
    expect([r.symbol, r.time.length, r.time[0], r.time[r.time.length - 1], r.rate[0]]).toEqual(['BTCUSDT', 180, Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 29, 16), Number(fundingCsv('BTCUSDT', '2024-01').split('\n')[1]!.split(',')[2])]);
  });

  it('fetches mark-price klines from markPriceKlines and names them in messages as mark prices', async () => {
    publishAt(server, markArchivePath('BTCUSDT', '1h', '2024-01'), markCsv('BTCUSDT', '2024-01'));
    const { result } = await run(['2024-01'], { type: 'mark' });
    expect([result.archives[0]!.candles, result.series.length, result.series.gaps.length]).toEqual([744, 744, 0]);
    expect(server.requests.map((r) => r.path)).toEqual([`${markArchivePath('BTCUSDT', '1h', '2024-01')}.CHECKSUM`, markArchivePath('BTCUSDT', '1h', '2024-01')]);
    const e = await downloadArchives(request(['2024-02'], { type: 'mark' }), { policy: POLICY, nowMs: Date.UTC(2026, 4, 1) }).catch((x: unknown) => x);
    expect((e as Error).message).toBe(`BTCUSDT mark 1h 2024-02: no such archive on ${server.host} (404); check the symbol and the interval (USDⓈ-M futures symbols only); a symbol's archives start the month it was listed`);
  });
});
