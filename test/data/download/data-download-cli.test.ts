import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archivePath, publish, startArchiveServer, type ArchiveServer } from './archive-server.ts';
import { futuresCsv } from './klines.ts';
import { runLadder } from '../../support/ladder-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

const tmp = tempDir('ladder-download-cli-');
let server: ArchiveServer;

beforeAll(async () => {
  server = await startArchiveServer();
  for (const m of ['2024-01', '2024-02', '2024-03']) publish(server, 'futures', 'BTCUSDT', '1h', m, futuresCsv(m));
  publish(server, 'futures', 'ETHUSDT', '1h', '2024-01', futuresCsv('2024-01'));
  server.put(`${archivePath('futures', 'ETHUSDT', '1h', '2024-01')}.CHECKSUM`, `${'0'.repeat(64)}  ETHUSDT-1h-2024-01.zip\n`);
});
afterAll(async () => {
  await server.close();
});

const ladder = (args: string[]) => runLadder(args, { cwd: tmp });

describe('ladder data download', () => {
  it('downloads three months, prints their paths, and a backtest can read the directory', async () => {
    const out = join(tmp, 'btc');
    const r = await ladder(['data', 'download', '--symbol', 'btcusdt', '--interval', '1h', '--from', '2024-01', '--to', '2024-03', '--out', out, '--base-url', server.baseUrl]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(['01', '02', '03'].map((m) => `${join(out, `BTCUSDT-1h-2024-${m}.zip`)}\n`).join(''));
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toEqual([
      `BTCUSDT 1h futures: 3 months (2024-01 … 2024-03) from ${server.host} into ${out}`,
      expect.stringMatching(/^\[1\/3\] BTCUSDT-1h-2024-01\.zip: downloaded [\d.]+ kB, checksum ok, 744 candles$/),
      expect.stringMatching(/^\[2\/3\] BTCUSDT-1h-2024-02\.zip: downloaded [\d.]+ kB, checksum ok, 696 candles$/),
      expect.stringMatching(/^\[3\/3\] BTCUSDT-1h-2024-03\.zip: downloaded [\d.]+ kB, checksum ok, 744 candles$/),
      `3 archives in ${out} (3 downloaded, 0 already here): 2184 candles, 2024-01-01T00:00:00.000Z … 2024-03-31T23:00:00.000Z, no gaps`,
      `backtest them with: ladder backtest --data ${out}`,
    ]);

    const bt = await ladder(['backtest', '--config', join(ROOT, 'config.json'), '--data', out, '--json', '--no-cache']);
    expect(bt.code).toBe(0);
    expect(JSON.parse(bt.stdout).summary.trades).toBeGreaterThan(0);

    const again = await ladder(['data', 'download', '--symbol', 'BTCUSDT', '--interval', '1h', '--from', '2024-02', '--out', out, '--base-url', server.baseUrl]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('[1/1] BTCUSDT-1h-2024-02.zip: already here, checksum ok');
  });

  it('writes to data/binance/<market>/<SYMBOL>/<interval> by default', async () => {
    const r = await ladder(['data', 'download', '--symbol', 'BTCUSDT', '--interval', '1h', '--from', '2024-01', '--base-url', server.baseUrl]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${join('data', 'binance', 'futures', 'BTCUSDT', '1h', 'BTCUSDT-1h-2024-01.zip')}\n`);
    expect(existsSync(join(tmp, 'data/binance/futures/BTCUSDT/1h/BTCUSDT-1h-2024-01.zip.CHECKSUM'))).toBe(true);
  });

  it('exits non-zero on a checksum mismatch, names both sums, and removes the bad file', async () => {
    const out = join(tmp, 'eth');
    const r = await ladder(['data', 'download', '--symbol', 'ETHUSDT', '--interval', '1h', '--from', '2024-01', '--out', out, '--base-url', server.baseUrl]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`ladder: ETHUSDT-1h-2024-01\\.zip: checksum mismatch: ETHUSDT-1h-2024-01\\.zip\\.CHECKSUM says sha256 0{64}, the downloaded file has [0-9a-f]{64}; the bad file was removed`));
    expect(readdirSync(out)).toEqual([]);
  });

  it('exits non-zero with a clear message for a month that does not exist', async () => {
    const r = await ladder(['data', 'download', '--symbol', 'BTCUSDT', '--interval', '1h', '--from', '2030-01', '--out', join(tmp, 'none'), '--base-url', server.baseUrl]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ladder: BTCUSDT 1h 2030-01: no such archive on ${server.host} (404)`);
  });

  it('refuses bad input before touching the network', async () => {
    const before = server.requests.length;
    const cases: [string[], string][] = [
      [['--symbol', 'BTCUSDT', '--interval', '2m', '--from', '2024-01'], 'ladder: --interval: unknown interval "2m"'],
      [['--symbol', 'BTCUSDT', '--interval', '1h', '--from', '2024-06', '--to', '2024-01'], 'ladder: --from 2024-06 is after --to 2024-01'],
      [['--symbol', 'BTC/USDT', '--interval', '1h', '--from', '2024-01'], 'ladder: --symbol: not a Binance symbol ("BTC/USDT"'],
    ];
    for (const [args, message] of cases) {
      const r = await ladder(['data', 'download', ...args, '--base-url', server.baseUrl]);
      expect([r.code, r.stdout]).toEqual([1, '']);
      expect(r.stderr).toContain(message);
    }
    expect(server.requests.length).toBe(before);
  });
});
