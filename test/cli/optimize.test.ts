import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';
import { runLadder, withOptions } from '../support/ladder-cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KLINES = resolve(ROOT, '../shared/data/binance-spot-klines');
const MARKETS = resolve(ROOT, '../shared/data/binance-usdm-exchange-info.json');
const tmp = tempDir('ladder-opt-cli-');

const ladder = (args: string[], cwd = ROOT) => runLadder(args, { cwd });
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const SPACE = file('space.json', JSON.stringify({ levels: [2, 3], profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5] }], close_pct: { step: 25 }, stop_loss_pct: { values: [1.5, 2, 3] } }));
const base = ['optimize', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--markets', MARKETS, '--from', '2023-01-01', '--to', '2024-01-01', '--space', SPACE, '--trials', '16', '--folds', '2', '--train-months', '6', '--test-months', '3', '--min-trades', '5', '--seed', '3'];
const rows = (db: string) => {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT key, COUNT(*) AS n FROM optimize_results GROUP BY key').all() as { key: string; n: number }[];
  } finally {
    d.close();
  }
};

describe('ladder optimize', () => {
  it('--json has the ranked ladders, the folds in and out of sample, the deflated Sharpe, PBO and the verdict', async () => {
    const r = await ladder(withOptions(base, ['--db', join(tmp, 'json.db'), '--workers', '2', '--json', '--report', join(tmp, 'r.html')]));
    expect(r.stderr).toMatch(/ETA/);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ranking).toHaveLength(16);
    expect(j.references.single.kind).toBe('single');
    expect(j.folds).toHaveLength(2);
    expect(j.folds[0]).toHaveProperty('in_sample_score');
    expect(j.folds[0]).toHaveProperty('out_of_sample');
    expect(j.deflated_sharpe.trials).toBe(16);
    expect(typeof j.pbo.pbo).toBe('number');
    expect(j.verdict.length).toBeGreaterThan(1);
    expect(existsSync(join(tmp, 'r.html'))).toBe(true);
  });

  it('a run killed with SIGKILL and resumed with --resume ends with the results of an unbroken run, no candidate stored twice', async () => {
    const unbroken = await ladder(withOptions(base, ['--db', join(tmp, 'whole.db'), '--workers', '1', '--json']));
    expect(unbroken.code).toBe(0);
    const db = join(tmp, 'killed.db');
    const child: ChildProcess = spawn('node', ['bin/ladder.js', ...base, '--db', db, '--workers', '1', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let runId = '';
    await new Promise<void>((done) => {
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        runId ||= /run ([0-9a-f]{8})/.exec(err)?.[1] ?? '';
        // Kill once a few results are stored (the progress line counts them).
        const counts = [...err.matchAll(/ (\d+)\/18 /g)].map((m) => Number(m[1]));
        if (child.exitCode === null && child.signalCode === null && (counts.at(-1) ?? 0) >= 6) {
          child.kill('SIGKILL');
          done();
        }
      });
      child.on('exit', () => done());
    });
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');
    const before = rows(db).length;
    expect(before).toBeGreaterThanOrEqual(6);
    expect(before).toBeLessThan(18);
    const resumed = await ladder(['optimize', '--resume', runId, '--db', db, '--workers', '1', '--json']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`${18 - before} evaluated now, ${before} from`);
    const stored = rows(db);
    expect(stored).toHaveLength(18);
    expect(stored.every((x) => x.n === 1)).toBe(true);
    const a = JSON.parse(unbroken.stdout);
    const b = JSON.parse(resumed.stdout);
    for (const k of ['ranking', 'references', 'folds', 'out_of_sample', 'deflated_sharpe', 'pbo', 'verdict']) expect(b[k]).toEqual(a[k]);
  });

  it('a bad space file: one clear error per problem naming the field, exit 1, no stack trace', async () => {
    const bad = file('bad.json', JSON.stringify({ levels: [2], profit_pct: [{ min: 2, max: 1, step: 1 }, { min: 1, max: 2, step: 0 }], close_pct: { step: 30 }, profit_pcts: [1] }, null, 2));
    const r = await ladder([...base.slice(0, base.indexOf('--space')), '--space', bad, '--db', join(tmp, 'bad.db')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // Each at its line and column, as config.json's problems are, and each line as the CLI prints an error.
    expect(r.stderr).toBe(
      [
        `ladder: ${bad}:8:14: profit_pct[0].max: must be at least min`,
        `ladder: ${bad}:14:15: profit_pct[1].step: must be greater than 0`,
        `ladder: ${bad}:18:13: close_pct.step: must divide 100 (got 30)`,
        `ladder: ${bad}:20:3: profit_pcts: unknown key (did you mean "profit_pct"?)`,
        '',
      ].join('\n'),
    );
    // A grid past 2^53 ladders names its file.
    const huge = file('huge.json', JSON.stringify({ levels: [20], profit_pct: Array.from({ length: 20 }, () => ({ min: 0.1, max: 99.9, step: 0.1 })), close_pct: { step: 5 } }));
    const h = await ladder([...base.slice(0, base.indexOf('--space')), '--space', huge, '--db', join(tmp, 'huge.db')]);
    expect(h.stderr).toBe(`ladder: ${huge}: the space has more than 2^53 candidates: narrow it\n`);
    expect(existsSync(join(tmp, 'huge.db'))).toBe(false);
  });

  it('a space without one valid ladder, and a malformed --queue: one clear error each, exit 1, before any run is stored', async () => {
    const db = join(tmp, 'novalid.db');
    // Every level 1 target is above every level 2 target: no ladder ascends.
    const none = file('none.json', JSON.stringify({ levels: [2], profit_pct: [{ values: [3, 4] }, { values: [1, 2] }], close_pct: { step: 50 } }));
    const r = await ladder([...base.slice(0, base.indexOf('--space')), '--space', none, '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ladder: ${none.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: none of the 4 ladders of this space is a valid config with examples/scaled.config.json \\(4 × scaled_tp_levels\\[k\\]\\.profit_pct: must be greater than the level before it\\)`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Too large to check whole (236,000 ladders, none valid): a sampled miss is a warning, and the search runs.
    const big = file('big-none.json', JSON.stringify({ levels: [2], profit_pct: [{ min: 51, max: 99, step: 0.1 }, { min: 1, max: 50, step: 0.1 }], close_pct: { step: 50 } }));
    const w = await ladder([...base.slice(0, base.indexOf('--space')), '--space', big, '--trials', '4', '--min-trades', '5', '--db', join(tmp, 'big-none.db')]);
    expect(w.code).toBe(0);
    expect(w.stderr).toContain(`warning: ${big}: none of 20000 ladders drawn from this space is a valid config with examples/scaled.config.json (20000 × scaled_tp_levels[k].profit_pct: must be greater than the level before it); the search may find none`);
    expect(w.stdout).toContain('No ladder of the space was evaluated: none of those drawn was a valid config (the reasons are counted above), so there is nothing to rank; only the references ran.');
    expect(w.stdout).not.toContain('enough trades');
    const q = await ladder(withOptions(base, ['--db', db, '--queue', 'http://127.0.0.1:6379']));
    expect(q.code).toBe(1);
    expect(q.stderr).toBe('ladder: --queue: must start with redis:// or rediss:// (got http://)\n');
    // No run stored, and no database made for none.
    expect(existsSync(db)).toBe(false);
  });

  it('a grid whose results would not fit in memory is refused at once (it crashed after minutes), counting only its valid ladders', async () => {
    const db = join(tmp, 'grid-memory.db');
    // The shipped example space is a grid of 121,520 ladders, 64,785 distinct valid ones; with a 128 MB heap their figures do not fit.
    const r = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(
        'node',
        ['bin/ladder.js', 'optimize', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--markets', MARKETS, '--space', 'examples/ladder-space.json', '--method', 'grid', '--folds', '3', '--db', db],
        { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=128' } },
        (err, _stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ladder: --method grid: 64,785 ladders would hold ~\d+\.\d GB of daily returns and ~\d+\.\d GB of figures until the analysis; about [\d,]+ fit .* use --method random or tpe with --trials up to that/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a Redis that cannot be reached: one clear error naming --queue and the address (no password), exit 1, and no run stored for it', async () => {
    const db = join(tmp, 'q.db');
    const r = await ladder(withOptions(base, ['--db', db, '--queue', 'redis://:s3cret@127.0.0.1:1']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ladder: --queue: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect(r.stderr).not.toContain('s3cret');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Said before anything is stored: no run to resume that never ran.
    expect(r.stderr).not.toMatch(/resume with/);
    expect(existsSync(db)).toBe(false);
  });

  it('a malformed --queue (port out of range, no host, not redis://, a database that is no number): one line naming --queue and what is wrong, optimize and worker alike, nothing stored', async () => {
    const cases: Array<[string, string]> = [
      ['redis://h:99999', 'the port 99999 is out of range 1–65535 (expected redis://host:port, or rediss://host:port for TLS)'],
      ['redis://h:0', 'the port 0 is out of range 1–65535 (expected redis://host:port, or rediss://host:port for TLS)'],
      ['redis://h:abc', 'the port must be a number from 1 to 65535 (a password goes before the host: redis://user:password@host:port) (expected redis://host:port, or rediss://host:port for TLS)'],
      ['redis://:6379', 'no host: the URL names no Redis server (expected redis://host:port, or rediss://host:port for TLS)'],
      ['redis://', 'no host: the URL names no Redis server (expected redis://host:port, or rediss://host:port for TLS)'],
      ['http://h:6379', 'must start with redis:// or rediss:// (got http://)'],
      ['h:6379', 'must start with redis:// or rediss:// (it has no scheme://)'],
      ['redis://h:6379/x', 'the database (the path after host:port) must be a whole number, as in redis://host:port/2 (a password goes before the host, "/" in it percent-encoded as %2F: redis://user:password@host:port)'],
    ];
    for (const [url, what] of cases) {
      const db = join(tmp, 'bad-queue.db');
      const coordinator = await ladder(withOptions(base, ['--db', db, '--queue', url]));
      expect([coordinator.code, coordinator.stderr], url).toEqual([1, `ladder: --queue: ${what}\n`]);
      expect(existsSync(db)).toBe(false);
      const worker = await ladder(['worker', '--queue', url, '--data-dir', tmp]);
      expect([worker.code, worker.stderr], url).toEqual([1, `ladder: --queue: ${what}\n`]);
    }
  }, 120_000);

  it('a port that accepts the connection and never answers: one line after the 5 s ping timeout, exit 1, nothing stored', async () => {
    const server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const db = join(tmp, 'silent.db');
      const r = await ladder(withOptions(base, ['--db', db, '--queue', `redis://127.0.0.1:${port}`]));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^ladder: --queue: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/? \\(no answer within 5000 ms\\)\\n$`));
      expect(existsSync(db)).toBe(false);
    } finally {
      server.close();
    }
  }, 30_000);

  it('a port that answers, but not as Redis: the coordinator and a worker each say so in one line, exit 1, no stack trace', async () => {
    const server = createServer((s) => s.on('data', () => s.write('\x00\xffHELLO not redis\r\n')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const url = `redis://127.0.0.1:${port}`;
      const [coord, worker] = await Promise.all([ladder(withOptions(base, ['--db', join(tmp, 'garbage.db'), '--queue', url])), ladder(['worker', '--queue', url, '--data-dir', tmp])]);
      for (const r of [coord, worker]) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^ladder: --queue: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/? \\(not a Redis server: it answered .*HELLO not redis.* where Redis answers \\+PONG\\)\\n$`));
      }
    } finally {
      server.close();
    }
  });

  it('--resume refuses the options that would make it another run, naming them, and a --db that does not exist (creating none)', async () => {
    const db = join(tmp, 'resume-opts.db');
    const first = await ladder(withOptions(base, ['--trials', '2', '--db', db, '--workers', '0', '--json']));
    expect(first.code).toBe(0);
    const id = JSON.parse(first.stdout).run_id as string;
    const r = await ladder(['optimize', '--resume', id, '--db', db, '--seed', '99', '--space', SPACE, '--min-trades', '3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ladder: --resume: a resumed run keeps the options stored with it; --space, --min-trades, --seed would make it another run (drop them, or start a new run without --resume)\n');
    // --workers and --json are not part of the run: a resume with them goes on.
    const ok = await ladder(['optimize', '--resume', id, '--db', db, '--workers', '0', '--json']);
    expect(ok.code).toBe(0);
    const missing = join(tmp, 'no-such.db');
    const m = await ladder(['optimize', '--resume', id, '--db', missing]);
    expect(m.code).toBe(1);
    expect(m.stderr).toBe(`ladder: --resume: no results database ${missing} (give the --db the run was started with)\n`);
    expect(existsSync(missing)).toBe(false);
    // A run stored before random indices were drawn from 53 bits (spec version 2) resumes: it keeps its 32-bit draw, so its stored ladders.
    const v2 = new Database(db);
    v2.prepare("UPDATE optimize_runs SET spec = json_set(spec, '$.version', 2) WHERE id = ?").run(id);
    v2.close();
    const two = await ladder(['optimize', '--resume', id, '--db', db, '--workers', '0', '--json']);
    expect(two.code).toBe(0);
    expect(two.stderr).toContain('0 evaluated now, 4 from');
    // A run stored by an earlier Ladder, which enumerated the space into ladders another way: refused, nothing evaluated.
    const raw = new Database(db);
    raw.prepare("UPDATE optimize_runs SET spec = json_set(spec, '$.version', 1) WHERE id = ?").run(id);
    const rows = (raw.prepare('SELECT COUNT(*) AS n FROM optimize_results').get() as { n: number }).n;
    raw.close();
    const old = await ladder(['optimize', '--resume', id, '--db', db, '--workers', '0']);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(new RegExp(`^ladder: --resume: run ${id} was started by an earlier Ladder, which turned the search space into ladders another way \\(spec version 1, now 3\\)`));
    const after = new Database(db);
    expect((after.prepare('SELECT COUNT(*) AS n FROM optimize_results').get() as { n: number }).n).toBe(rows);
    after.close();
  });

  it('--engine full (runBacktest on every window) gives the results of the default replay; --json and stderr say which engine ran', async () => {
    const [replay, full] = await Promise.all([
      ladder(withOptions(base, ['--db', join(tmp, 'engine-replay.db'), '--workers', '1', '--json'])),
      ladder(withOptions(base, ['--db', join(tmp, 'engine-full.db'), '--workers', '1', '--json', '--engine', 'full'])),
    ]);
    expect([replay.code, full.code]).toEqual([0, 0]);
    expect(replay.stderr).toMatch(/random \(replay\) \[/);
    expect(replay.stderr).toMatch(/replayed 90 of 90 candidate windows, 0 run in full/);
    expect(full.stderr).toMatch(/random \(full runBacktest\) \[/);
    const [r, f] = [JSON.parse(replay.stdout), JSON.parse(full.stdout)];
    expect(r.evaluation).toEqual({ engine: 'replay', windows: 90, windows_run_in_full: 0 });
    expect(f.evaluation).toEqual({ engine: 'full', windows: 90, windows_run_in_full: 90 });
    const same = (j: Record<string, unknown>) => JSON.stringify({ ...j, run_id: null, evaluation: null });
    expect(same(r)).toBe(same(f));
    expect(r.ranking[0].metrics.trades).toBeGreaterThan(5);
  });

  it('--folds alone: the window lengths come from the data (12 whole months, 2 folds: training 6, tests 3), said on stderr; the study is the one with all three given', async () => {
    const only = base.filter((_, i) => !['--train-months', '--test-months'].includes(base[i]!) && !['--train-months', '--test-months'].includes(base[i - 1]!));
    expect(only).not.toContain('--train-months');
    const [a, b] = await Promise.all([ladder([...only, '--db', join(tmp, 'folds-only.db'), '--workers', '1', '--json']), ladder(withOptions(base, ['--db', join(tmp, 'folds-all.db'), '--workers', '1', '--json']))]);
    expect(a.code).toBe(0);
    expect(a.stderr).toContain('walk-forward with --folds 2 --train-months 6 --test-months 3 (what was not given, worked out from');
    expect(b.stderr).not.toContain('walk-forward with');
    const folds = (r: typeof a) => JSON.parse(r.stdout).folds.map((f: { train: unknown; test: unknown; best: { key: string } | null; out_of_sample_score: number | null }) => [f.train, f.test, f.best?.key, f.out_of_sample_score]);
    expect(folds(a)).toEqual(folds(b));
    const half = await ladder([...base.slice(0, base.indexOf('--folds')), '--train-months', '9', '--min-trades', '5', '--db', join(tmp, 'f.db')]);
    expect(half.code).toBe(1);
    expect(half.stderr).toMatch(/^ladder: --folds: give the number of folds, or both --train-months and --test-months/);
  });

  it('--data may be a directory (one symbol in monthly files): hashed file by file, and a month changed since is refused on --resume', async () => {
    const { readFileSync, mkdirSync } = await import('node:fs');
    const lines = readFileSync(`${KLINES}/BTCUSDT-1h.csv`, 'utf8').trim().split('\n');
    const year = lines.filter((l) => { const t = Number(l.split(',')[0]); return t >= Date.UTC(2023, 0, 1) && t < Date.UTC(2024, 0, 1); });
    const dir = join(tmp, 'btc-months', 'BTCUSDT');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'BTCUSDT-1h-2023-a.csv'), `${year.slice(0, 4000).join('\n')}\n`);
    writeFileSync(join(dir, 'BTCUSDT-1h-2023-b.csv'), `${year.slice(4000).join('\n')}\n`);
    const db = join(tmp, 'dir.db');
    const args = base.map((a, i) => (base[i - 1] === '--data' ? dir : a));
    const r = await ladder([...args, '--symbol', 'BTCUSDT', '--db', db, '--workers', '1', '--json']);
    expect(r.stderr).not.toMatch(/EISDIR/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).folds).toHaveLength(2);
    const runId = /run ([0-9a-f]{8})/.exec(r.stderr)![1]!;
    writeFileSync(join(dir, 'BTCUSDT-1h-2023-b.csv'), `${year.slice(4000, -1).join('\n')}\n`);
    const resumed = await ladder(['optimize', '--resume', runId, '--db', db]);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(new RegExp(`--resume: \\S*btc-months/BTCUSDT changed since run ${runId} started`));
  });

  it("a config's signals file is read, hashed, stored and resumed from the config's folder, as backtest reads it; a changed one is refused on --resume", async () => {
    const { mkdirSync } = await import('node:fs');
    const dir = join(tmp, 'cfg-signals');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const signals = (months: number[]) => `time,symbol,side\n${months.map((m, k) => `2023-${String(m).padStart(2, '0')}-05T10:00Z,BTCUSDT,${k % 2 ? 'short' : 'long'}`).join('\n')}\n`;
    writeFileSync(join(dir, 'sub', 'sig.csv'), signals([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
    const config = JSON.parse((await import('node:fs')).readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    writeFileSync(join(dir, 'sub', 'cfg.json'), JSON.stringify({ ...config, strategy: { name: 'signals', file: 'sig.csv' } }));
    const args = (db: string) => withOptions(base, ['--config', 'sub/cfg.json', '--trials', '3', '--min-trades', '1', '--db', db, '--workers', '1', '--json']);
    // No ./sig.csv: the run reads sub/sig.csv (it failed looking for ./sig.csv).
    const alone = await ladder(args('alone.db'), dir);
    expect(alone.stderr).not.toMatch(/cannot read/);
    expect(alone.code).toBe(0);
    // A ./sig.csv of other signals changes nothing: the run and its resume read sub/sig.csv only.
    writeFileSync(join(dir, 'sig.csv'), signals([2, 4]));
    const first = await ladder(args('run.db'), dir);
    expect(first.code).toBe(0);
    const id = JSON.parse(first.stdout).run_id as string;
    const d = new Database(join(dir, 'run.db'));
    const stored = JSON.parse((d.prepare('SELECT spec FROM optimize_runs').get() as { spec: string }).spec).inputs.signals;
    d.prepare("DELETE FROM optimize_results WHERE key = 'single'").run();
    d.close();
    expect(stored.path).toBe(join('sub', 'sig.csv'));
    expect(JSON.parse(first.stdout).references).toEqual(JSON.parse(alone.stdout).references);
    const resumed = await ladder(['optimize', '--resume', id, '--db', 'run.db', '--workers', '1', '--json'], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('1 evaluated now, 4 from run.db');
    expect(JSON.parse(resumed.stdout).references).toEqual(JSON.parse(first.stdout).references);
    writeFileSync(join(dir, 'sub', 'sig.csv'), signals([1, 2, 3]));
    const changed = await ladder(['optimize', '--resume', id, '--db', 'run.db'], dir);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(new RegExp(`^ladder: --resume: sub/sig\\.csv changed since run ${id} started \\(sha256 [0-9a-f]{12}…, was ${stored.sha256.slice(0, 12)}…\\)\\n$`));
  });

  it('a strategy module (a path relative to its config) resumes, and a module changed since the run started is refused on --resume, naming it and both hashes', async () => {
    const { mkdirSync, readFileSync } = await import('node:fs');
    const dir = join(tmp, 'cfg-module');
    mkdirSync(dir, { recursive: true });
    const zod = import.meta.resolve('zod');
    const moduleText = (every: number) => `import { z } from ${JSON.stringify(zod)};\nexport const params = z.strictObject({ every: z.number().int().default(${every}) });\nexport function create(p) {\n  return { onCandle: (c, i) => (i % p.every === 0 ? { side: i % (2 * p.every) === 0 ? 'long' : 'short' } : null) };\n}\n`;
    writeFileSync(join(dir, 'every.mjs'), moduleText(48));
    const config = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ ...config, strategy: { name: 'module', path: './every.mjs' } }));
    const db = join(dir, 'run.db');
    const first = await ladder(withOptions(base, ['--config', cfg, '--trials', '3', '--db', db, '--workers', '1', '--json']));
    expect(first.code).toBe(0);
    const id = JSON.parse(first.stdout).run_id as string;
    const d = new Database(db);
    const stored = JSON.parse((d.prepare('SELECT spec FROM optimize_runs').get() as { spec: string }).spec).inputs.module;
    const drop = () => d.prepare("DELETE FROM optimize_results WHERE key = 'single'").run();
    drop();
    expect(stored.path).toBe(join(dir, 'every.mjs'));
    // It failed here, the module looked for in the temporary folder the stored config was written to.
    const resumed = await ladder(['optimize', '--resume', id, '--db', db, '--workers', '1', '--json']);
    expect(resumed.stderr).not.toMatch(/ladder-study-/);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).references).toEqual(JSON.parse(first.stdout).references);
    drop();
    d.close();
    writeFileSync(join(dir, 'every.mjs'), moduleText(24));
    const changed = await ladder(['optimize', '--resume', id, '--db', db]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(new RegExp(`^ladder: --resume: \\S+every\\.mjs changed since run ${id} started \\(sha256 [0-9a-f]{12}…, was ${stored.sha256.slice(0, 12)}…\\)\\n$`));
  });

  it('a file the strategy module imports (directly or through another) changed since the run started: --resume refuses, naming it and the module; unchanged, it resumes', async () => {
    const { mkdirSync, readFileSync } = await import('node:fs');
    const dir = join(tmp, 'cfg-module-imports');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    const zod = import.meta.resolve('zod');
    writeFileSync(
      join(dir, 'every.mjs'),
      `import { z } from ${JSON.stringify(zod)};\nimport { every } from './lib/every.mjs';\nexport const params = z.strictObject({});\nexport function create() {\n  return { onCandle: (c, i) => (i % every === 0 ? { side: i % (2 * every) === 0 ? 'long' : 'short' } : null) };\n}\n`,
    );
    // The module imports lib/every.mjs, which imports lib/hours.mjs: the file two imports away is the one changed.
    writeFileSync(join(dir, 'lib', 'every.mjs'), "import { hours } from './hours.mjs';\nexport const every = hours;\n");
    writeFileSync(join(dir, 'lib', 'hours.mjs'), 'export const hours = 48;\n');
    const config = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ ...config, strategy: { name: 'module', path: './every.mjs' } }));
    const db = join(dir, 'run.db');
    const first = await ladder(withOptions(base, ['--config', cfg, '--trials', '3', '--db', db, '--workers', '1', '--json']));
    expect(first.code, first.stderr).toBe(0);
    const id = JSON.parse(first.stdout).run_id as string;
    const d = new Database(db);
    const inputs = JSON.parse((d.prepare('SELECT spec FROM optimize_runs').get() as { spec: string }).spec).inputs;
    expect(inputs.moduleImports.map((f: { path: string }) => f.path)).toEqual([join(dir, 'lib', 'every.mjs'), join(dir, 'lib', 'hours.mjs')]);
    d.prepare("DELETE FROM optimize_results WHERE key = 'single'").run();
    d.close();
    const resumed = await ladder(['optimize', '--resume', id, '--db', db, '--workers', '1', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    writeFileSync(join(dir, 'lib', 'hours.mjs'), 'export const hours = 24;\n');
    const changed = await ladder(['optimize', '--resume', id, '--db', db]);
    expect(changed.code).toBe(1);
    const was = (inputs.moduleImports[1] as { sha256: string }).sha256.slice(0, 12);
    expect(changed.stderr).toBe(`ladder: --resume: ${join(dir, 'lib', 'hours.mjs')} (imported by the strategy module ${join(dir, 'every.mjs')}) changed since run ${id} started (sha256 ${changed.stderr.match(/sha256 ([0-9a-f]{12})…/)?.[1]}…, was ${was}…)\n`);
  });

  it('an import of the strategy module that does not resolve (a helper imported on use only, so the module loads): the error names it and where, not esbuild\'s "Build failed with 1 error:" header; nothing stored', async () => {
    const { mkdirSync, readFileSync } = await import('node:fs');
    const dir = join(tmp, 'cfg-module-missing-import');
    mkdirSync(dir, { recursive: true });
    const zod = import.meta.resolve('zod');
    writeFileSync(
      join(dir, 'lazy.mjs'),
      `import { z } from ${JSON.stringify(zod)};\nexport const params = z.strictObject({});\nexport function create() {\n  return { onCandle: async () => ((await import('./lib/gone.mjs')).x ? null : null) };\n}\n`,
    );
    const config = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ ...config, strategy: { name: 'module', path: './lazy.mjs' } }));
    const db = join(dir, 'run.db');
    const r = await ladder(withOptions(base, ['--config', cfg, '--trials', '3', '--db', db, '--workers', '1']));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ladder: ${join(dir, 'lazy.mjs')}: cannot tell which files the strategy module imports (${join(dir, 'lazy.mjs')}:4:48: Could not resolve "./lib/gone.mjs")\n`);
    expect(existsSync(db)).toBe(false);
  });

  it('one process per run: a second --resume of a run being run is refused at once, naming the other process; a lock left by a killed process is taken over', async () => {
    const { hostname } = await import('node:os');
    const db = join(tmp, 'locked.db');
    const first = await ladder(withOptions(base, ['--db', db, '--workers', '1', '--json']));
    expect(first.code).toBe(0);
    const id = JSON.parse(first.stdout).run_id as string;
    const d = new Database(db);
    const lock = () => d.prepare('SELECT pid, host FROM optimize_run_locks').all();
    expect(lock()).toEqual([]); // given back at the end
    const missing = () => d.prepare("DELETE FROM optimize_results WHERE key NOT IN ('single', 'config')").run().changes;
    expect(missing()).toBe(16);
    // Another coordinator of the run is running (here a live process of this host holds its lock, as
    // a coordinator does from the moment it takes the run to its end): refused before anything is read or evaluated.
    const other = spawn('node', ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      d.prepare('INSERT INTO optimize_run_locks (run_id, pid, host, started_at_ms) VALUES (?, ?, ?, ?)').run(id, other.pid, hostname(), Date.UTC(2025, 0, 1));
      const second = await ladder(['optimize', '--resume', id, '--db', db, '--workers', '1', '--json']);
      expect(second.code).toBe(1);
      expect(second.stderr).toBe(`ladder: --resume: run ${id} is being run by another process (pid ${other.pid} on ${hostname()}, since 2025-01-01T00:00:00.000Z): wait for it to end, or stop it first\n`);
      expect(rows(db)).toHaveLength(2);
      expect(lock()).toEqual([{ pid: other.pid, host: hostname() }]);
      // One of another machine cannot be checked: refused, with how to clear it if that process is gone.
      d.prepare('UPDATE optimize_run_locks SET host = ?').run('elsewhere');
      const third = await ladder(['optimize', '--resume', id, '--db', db]);
      expect(third.stderr).toMatch(new RegExp(`^ladder: --resume: run ${id} is being run by a process of another machine \\(pid ${other.pid} on elsewhere, .*DELETE FROM optimize_run_locks WHERE run_id = '${id}'`));
    } finally {
      other.kill();
    }
    // A lock whose process is gone (a killed run) does not block: taken over, and said.
    const gone = spawn('node', ['-e', '0']);
    await new Promise((r) => gone.on('exit', r));
    d.prepare('UPDATE optimize_run_locks SET pid = ?, host = ?').run(gone.pid, hostname());
    const after = await ladder(['optimize', '--resume', id, '--db', db, '--workers', '1', '--json']);
    expect(after.code).toBe(0);
    expect(after.stderr).toContain(`note: run ${id} was last run by pid ${gone.pid} on ${hostname()} (since 2025-01-01T00:00:00.000Z), which no longer runs: continuing it here`);
    expect(JSON.parse(after.stdout).ranking).toEqual(JSON.parse(first.stdout).ranking);
    expect(lock()).toEqual([]);
    d.close();
  }, 60_000);

  it('bad flags name the flag', async () => {
    expect((await ladder(withOptions(base, ['--method', 'annealing', '--db', join(tmp, 'f.db')]))).stderr).toMatch(/--method: must be one of grid, random, tpe/);
    expect((await ladder(withOptions(base, ['--objective', 'luck', '--db', join(tmp, 'f.db')]))).stderr).toMatch(/--objective: must be one of/);
    expect((await ladder(withOptions(base, ['--engine', 'fast', '--db', join(tmp, 'f.db')]))).stderr).toMatch(/--engine: must be one of replay, full \(got "fast"\)/);
    expect(existsSync(join(tmp, 'f.db'))).toBe(false);
    const { openOptimizeRuns } = await import('../../src/store/optimize-runs.ts');
    openOptimizeRuns(join(tmp, 'empty.db')).close();
    expect((await ladder(['optimize', '--resume', 'nope', '--db', join(tmp, 'empty.db')])).stderr).toMatch(/--resume: no run nope/);
    // A --db that is not a database at all: named, not SQLite's bare words.
    const notDb = file('notes.db', '# not a database\n'.repeat(200));
    expect((await ladder(['optimize', '--resume', 'nope', '--db', notDb])).stderr).toBe(`ladder: ${notDb}: not an optimizer database (SQLite: file is not a database); give --db another file\n`);
    // The bot's own store (a newer schema version of its own): named as another database, not as one to upgrade Ladder for.
    const { openStore } = await import('../../src/store/index.ts');
    const botDb = join(tmp, 'bot-store.db');
    openStore(botDb).close();
    expect((await ladder(['optimize', '--resume', 'nope', '--db', botDb])).stderr).toMatch(new RegExp(`^ladder: ${botDb.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not an optimizer database \\(it has other tables: .*\\); give --db another file`));
  });

  it('every option is checked before any work: a refused run is one line naming the option, exit 1, and leaves no database', async () => {
    const { availableParallelism } = await import('node:os');
    const { mkdirSync } = await import('node:fs');
    const none = file('refused-none.json', JSON.stringify({ levels: [2], profit_pct: [{ values: [3, 4] }, { values: [1, 2] }], close_pct: { step: 50 } }));
    const badSpace = file('refused-space.json', JSON.stringify({ levels: [2], profit_pct: [{ min: 2, max: 1, step: 1 }, 3], close_pct: { step: 50 } }));
    const noSpace = base.slice(0, base.indexOf('--space')).concat(base.slice(base.indexOf('--space') + 2));
    const dirDb = join(tmp, 'a-folder.db');
    mkdirSync(dirDb, { recursive: true });
    // Every ema_cross entry with its stop at 2 ATR: the space's three stop_loss_pct values would be three copies of each ladder.
    const scaled = JSON.parse((await import('node:fs')).readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')) as { strategy: object };
    const atr = file('refused-atr.config.json', JSON.stringify({ ...scaled, $schema: undefined, strategy: { ...scaled.strategy, atr_stop_mult: 2 } }));
    const cases: [string[], RegExp][] = [
      [['--space', badSpace], /profit_pct\[0\]\.max: must be at least min/],
      [['--trials', '0x3'], /^ladder: --trials: must be a whole number from 1 to 1000000 \(got "0x3"\)\n$/],
      [['--trials', '3e0'], /^ladder: --trials: must be a whole number from 1 to 1000000 \(got "3e0"\)\n$/],
      // base gives --trials 16: a grid ran every ladder of the space all the same.
      [['--method', 'grid'], /^ladder: --trials: --method grid evaluates every ladder of the space, so --trials 16 would be ignored: drop it, or use --method random or tpe to evaluate that many\n$/],
      [['--seed', ''], /^ladder: --seed: empty value\n$/],
      [['--folds', 'abc'], /^ladder: --folds: must be a whole number/],
      [['--folds', '2', '--train-months', '12', '--test-months', '6'], /^ladder: --folds 2 --train-months 12 --test-months 6 needs 24 months/],
      [['--space', none], /none of the 4 ladders of this space is a valid config/],
      [['--config', join(tmp, 'no-such-config.json')], /no-such-config\.json/],
      [['--config', atr], /^ladder: \S+space\.json: stop_loss_pct: every entry of this run has a stop of its own \(the strategy's atr_stop_mult, a signals file's stop_loss_pct, or a strategy module's stopLossPct\), so stop_loss_pct changes no trade: its 3 values would be 3 copies of each ladder\. Give it one value, or leave it out\n$/],
      // Checked after the study before: the study ran, stored its run and wrote its report first.
      [['--top', 'abc', '--report', join(tmp, 'top-abc.html')], /^ladder: --top: must be a whole number 1 or more \(got "abc"\)\n$/],
      [['--report', join(tmp, 'no-such-folder', 'r.html')], /^ladder: --report: the folder \S+no-such-folder of \S+ does not exist/],
      [['--workers', String(availableParallelism() + 1)], new RegExp(`^ladder: --workers: at most ${availableParallelism()}, this machine's cores \\(got ${availableParallelism() + 1}\\)`)],
    ];
    for (const [k, [args, message]] of [...cases, [['--no-space'], /^ladder: --space: required/] as const].entries()) {
      const db = join(tmp, `refused-${k}.db`);
      const r = await ladder([...(args[0] === '--no-space' ? noSpace : withOptions(base, [...args])), '--db', db]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at |run [0-9a-f]{8}/);
      expect(existsSync(db), `${args.join(' ')}: ${db} left behind`).toBe(false);
    }
    expect(existsSync(join(tmp, 'top-abc.html'))).toBe(false);
    // An empty --resume is said as such (it read as no --resume: "--data: required … unless --resume is given").
    expect((await ladder(['optimize', '--resume', '', '--db', join(tmp, 'refused-resume.db')])).stderr).toBe('ladder: --resume: empty value\n');
    // A --report that is the --db file: before, the run was stored in it, 'report: FILE' said, and the file was left an SQLite database.
    const same = join(tmp, 'same-file.html');
    const both = await ladder([...base, '--db', same, '--report', same]);
    expect([both.code, both.stderr]).toEqual([1, `ladder: --report: ${same} is the --db file: the report would overwrite the stored results; give the report another file\n`]);
    expect(existsSync(same)).toBe(false);
    // A --db that is a directory: named (SQLite said "unable to open database file").
    expect((await ladder(withOptions(base, ['--db', dirDb]))).stderr).toBe(`ladder: --db: ${dirDb} is a directory; give the optimizer's database file (e.g. ${join(dirDb, 'ladder-optimize.db')})\n`);
  }, 60_000);

  it('a report that cannot be written once the study is done (a folder that takes no file: /proc) is one line naming --report and how to write it from the stored results, which a --resume then does without evaluating anything', async () => {
    const db = join(tmp, 'report-fails.db');
    const r = await ladder(withOptions(base, ['--trials', '2', '--db', db]));
    const id = /run ([0-9a-f]{8})/.exec(r.stderr)?.[1];
    const failed = await ladder(['optimize', '--resume', id!, '--db', db, '--report', '/proc/ladder-report.html']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`\\nladder: --report: cannot write /proc/ladder-report\\.html \\(ENOENT[^)]*\\); the results are stored in ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ladder optimize --resume ${id} --db \\S+ --report FILE\\.html writes it without evaluating them again\\n$`));
    const again = await ladder(['optimize', '--resume', id!, '--db', db, '--report', join(tmp, 'report-fails.html')]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('0 evaluated now, 4 from');
    expect(existsSync(join(tmp, 'report-fails.html'))).toBe(true);
  });

  it('--space-schema prints the committed space.schema.json', async () => {
    const r = await ladder(['optimize', '--space-schema']);
    const { readFileSync } = await import('node:fs');
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'space.schema.json'), 'utf8'));
  });
});
