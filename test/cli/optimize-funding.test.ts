/**
 * `ladder optimize --funding --mark`: every candidate pays the real funding of its positions, as
 * `ladder backtest --funding` charges it (before: the optimizer had no --funding, every candidate was
 * scored without it). Through the real CLI, on the shared data; the queue with a real redis-server;
 * with --detail, every window run in full.
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KLINES, MARKETS, type RedisServer, expectSameStudyJson, runLadder as ladder, spawnLadder, startRedis, storedCounts } from '../support/queue-run.ts';
import { tempDir } from '../support/temp-dir.ts';

const tmp = tempDir('ladder-opt-funding-');
const DATA = join(KLINES, '..');
const FUNDING = join(DATA, 'binance-usdm-funding');
const MARK = join(DATA, 'binance-usdm-mark-1h');
const SPACE = join(tmp, 'space.json');
const children: ChildProcess[] = [];
let redis: RedisServer | undefined;
beforeAll(async () => {
  writeFileSync(SPACE, JSON.stringify({ levels: [2, 3], profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5] }], close_pct: { step: 25 }, stop_loss_pct: { values: [1.5, 2, 3] } }));
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.kill();
});

/** The mark prices under a name of their own (the shared data names them like the candles). */
const markCopy = (symbol: string): string => {
  const p = join(tmp, `${symbol}-1h-mark.csv`);
  copyFileSync(join(MARK, `${symbol}-1h.csv`), p);
  return p;
};

const inputs = (funding: string, mark: string) => ['--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv,${KLINES}/ETHUSDT-1h.csv`, '--markets', MARKETS, '--from', '2023-01-01', '--to', '2024-01-01', ...(funding ? ['--funding', funding] : []), ...(mark ? ['--mark', mark] : [])];
const study = (db: string, funding: string, mark: string) => ['optimize', ...inputs(funding, mark), '--space', SPACE, '--trials', '16', '--folds', '2', '--train-months', '6', '--test-months', '3', '--min-trades', '5', '--seed', '3', '--db', db, '--json'];
const realFunding = () => `${FUNDING}/BTCUSDT-fundingRate.csv,${FUNDING}/ETHUSDT-fundingRate.csv`;

describe('ladder optimize --funding', () => {
  it('every candidate pays funding as `backtest --funding --mark` charges it: the config ladder\'s whole-window figures are the backtest\'s to the last digit, and differ from a study without funding', async () => {
    const mark = `${markCopy('BTCUSDT')},${markCopy('ETHUSDT')}`;
    const [withF, without, backtest] = await Promise.all([
      ladder([...study(join(tmp, 'with.db'), realFunding(), mark), '--workers', '1']),
      ladder([...study(join(tmp, 'without.db'), '', ''), '--workers', '1']),
      ladder(['backtest', ...inputs(realFunding(), mark), '--json']),
    ]);
    expect([withF.code, without.code, backtest.code], withF.stderr + backtest.stderr).toEqual([0, 0, 0]);
    const [w, wo, bt] = [JSON.parse(withF.stdout), JSON.parse(without.stdout), JSON.parse(backtest.stdout)];
    expect(bt.funding.settlements).toBeGreaterThan(500);
    const own = w.references.config.metrics;
    for (const k of ['trades', 'total_pnl', 'profit_factor', 'max_drawdown_pct', 'win_rate'] as const) expect(own[k], k).toBe(bt.summary[k]);
    expect(wo.references.config.metrics.total_pnl).not.toBe(own.total_pnl);
    expect(Math.abs(own.total_pnl - wo.references.config.metrics.total_pnl - bt.funding.total)).toBeLessThan(1e-6);
    // Replayed: the replay charges funding as runBacktest does (test/optimize/replay.test.ts).
    expect(w.evaluation).toEqual({ engine: 'replay', windows: 90, windows_run_in_full: 0 });
    expect(withF.stderr).toMatch(/random \(replay\) \[/);
    expect(withF.stderr).toMatch(/note: BTCUSDT: \d+ funding settlements within the candles .*charged at the mark price/);
    // The files are stored with the run, hashed.
    expect(w.inputs.funding.map((f: { path: string; sha256: string }) => f.sha256)).toHaveLength(2);
    expect(w.inputs.mark.map((f: { path: string }) => f.path)).toEqual(mark.split(','));
    expect(wo.inputs.funding).toBeUndefined();
  });

  it('the printed study says whether funding was charged', async () => {
    const [a, b] = await Promise.all([
      ladder(study(join(tmp, 'print-with.db'), realFunding(), '').filter((x) => x !== '--json').concat(['--workers', '1'])),
      ladder(study(join(tmp, 'print-without.db'), '', '').filter((x) => x !== '--json').concat(['--workers', '1'])),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout.split('\n')[0]).toMatch(/^Optimize BTCUSDT, ETHUSDT: random, 16 ladders, objective sharpe, seed 3, funding charged \(--funding\)$/);
    expect(b.stdout.split('\n')[0]).toMatch(/, funding not charged \(no --funding\)$/);
  });

  it('a funding file changed since the run started is refused on --resume, naming it; --funding given with --resume is refused as another run', async () => {
    const f = join(tmp, 'resume', 'BTCUSDT-fundingRate.csv');
    mkdirSync(join(tmp, 'resume'));
    copyFileSync(join(FUNDING, 'BTCUSDT-fundingRate.csv'), f);
    const db = join(tmp, 'resume.db');
    const first = await ladder([...study(db, f, ''), '--workers', '1']);
    expect(first.code, first.stderr).toBe(0);
    const runId = /^run ([0-9a-f]+) /m.exec(first.stderr)![1]!;
    const again = await ladder(['optimize', '--resume', runId, '--db', db, '--json', '--funding', f]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/--resume: a resumed run keeps the options stored with it; --funding would make it another run/);
    const same = await ladder(['optimize', '--resume', runId, '--db', db, '--json']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/0 evaluated now, 18 from/);
    appendFileSync(f, '1767225600000,8,0.00010000\n');
    const changed = await ladder(['optimize', '--resume', runId, '--db', db, '--json']);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(`--resume: ${f} changed since run ${runId} started`);
    expect(changed.stderr).not.toMatch(/\n\s+at /);
  });

  it('with --detail the funding inside a candle is charged on its 15m path: every window run in full by runBacktest, said on stderr and in --json', async () => {
    const r = await ladder(['optimize', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--detail', `${KLINES}/BTCUSDT-15m.csv`, '--markets', MARKETS, '--from', '2024-11-01', '--to', '2025-05-01', '--funding', `${FUNDING}/BTCUSDT-fundingRate.csv`, '--space', SPACE, '--trials', '4', '--folds', '2', '--train-months', '2', '--test-months', '1', '--min-trades', '5', '--seed', '3', '--db', join(tmp, 'detail.db'), '--json', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: funding with --detail .*every candidate window is run in full by runBacktest/);
    expect(r.stderr).toMatch(/random \(full runBacktest\) \[/);
    const j = JSON.parse(r.stdout);
    expect(j.evaluation.windows_run_in_full).toBe(j.evaluation.windows);
  });

  it('--queue: a worker takes the funding and mark files from its --data-dir by the names the coordinator prints (the mark prices named like the candles: in their folders) and gives the embedded results', async () => {
    const url = redis!.url;
    // The shared data's mark prices are named like the candles (BTCUSDT-1h.csv): their folders tell them apart.
    const mark = `${MARK}/BTCUSDT-1h.csv,${MARK}/ETHUSDT-1h.csv`;
    const dir = join(tmp, 'worker-data');
    for (const p of [`${KLINES}/BTCUSDT-1h.csv`, `${KLINES}/ETHUSDT-1h.csv`, MARKETS, ...realFunding().split(','), ...mark.split(',')]) {
      const [folder, name] = p.split('/').slice(-2) as [string, string];
      // Only the two files of one name go in folders; the rest by their own name.
      const at = name.endsWith('-1h.csv') ? join(dir, folder) : dir;
      mkdirSync(at, { recursive: true });
      symlinkSync(p, join(at, name));
    }
    const worker = spawnLadder(['worker', '--queue', url, '--data-dir', dir], children);
    const db = join(tmp, 'queued.db');
    const [queued, embedded] = await Promise.all([ladder([...study(db, realFunding(), mark), '--queue', url]), ladder([...study(join(tmp, 'embedded.db'), realFunding(), mark), '--workers', '1'])]);
    worker.child.kill('SIGTERM');
    expect([queued.code, embedded.code], queued.stderr + worker.stderr()).toEqual([0, 0]);
    expect(queued.stderr).toContain("queue: the workers' --data-dir must hold binance-spot-klines/BTCUSDT-1h.csv, binance-spot-klines/ETHUSDT-1h.csv, binance-usdm-exchange-info.json, BTCUSDT-fundingRate.csv, ETHUSDT-fundingRate.csv, binance-usdm-mark-1h/BTCUSDT-1h.csv, binance-usdm-mark-1h/ETHUSDT-1h.csv");
    expectSameStudyJson(JSON.parse(queued.stdout), JSON.parse(embedded.stdout));
    expect(storedCounts(db).every((n) => n === 1)).toBe(true);
    expect(storedCounts(db)).toHaveLength(18);
  });
});
