import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { raw } from './raw-http.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PRELOAD = resolve(import.meta.dirname, 'fixtures/provoke-faults.mjs');
/** The demo's store: made at file level, so it is removed after afterAll has killed the demo. */
const DIR = tempDir('ladder-embedded-');

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly survived?: boolean;
  readonly origin?: string;
  readonly where?: string;
  readonly err?: { readonly message?: string };
}

interface Demo {
  readonly child: ChildProcess;
  readonly port: number;
  readonly dbPath: string;
  /** Every pino line on stderr so far. */
  logs(): LogLine[];
  exited: Promise<number | null>;
}

/** `ladder demo` (simulator + paper-style bot through ccxt + embedded dashboard, as `npm start` runs it), with the fault preload. */
function startDemo(): Promise<Demo> {
  const dbPath = join(DIR, 'demo.db');
  const child = spawn('node', ['--import', PRELOAD, 'bin/ladder.js', 'demo', '--port', '0', '--speed', '6', '--duration', '120', '--db', dbPath], {
    cwd: ROOT,
    // From the sources, not the CLI bundle: the preloaded fixture marks work with the sources' requestOrigin,
    // which must be the very instance the process guard reads (the bundle holds its own copy).
    env: { ...process.env, LADDER_API_KEY: '', LADDER_API_SECRET: '', LADDER_LOG_LEVEL: 'warn', LADDER_FROM_SOURCE: '1' },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code))); // 'close': stderr is all read by then
  const logs = () => err.split('\n').flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as LogLine] : []));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no dashboard URL in 30 s:\n${out}\n${err}`)), 30_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Dashboard: http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ child, port: Number(m[1]), dbPath, logs, exited });
      }
    });
    void exited.then((code) => fail(new Error(`demo exited (${code}) before printing its dashboard:\n${out}\n${err}`)));
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A closed trade whose stored JSON is corrupt, written beside the running bot (another symbol, so the
 * bot, which reads open positions, never meets it): the dashboard's history handler throws on it.
 */
function corruptClosedTrade(dbPath: string): void {
  const db = new Database(dbPath);
  db.prepare(
    `INSERT INTO positions (id, symbol, side, status, entry_price, entry_time_ms, entry_fee, original_steps, remaining_steps, stop_ticks, stop_seq, realized_pnl, closed_at_ms, json, version, created_at_ms, updated_at_ms)
     VALUES ('ZZZUSDT-corrupt', 'ZZZUSDT', 'long', 'closed', 1, 0, 0, 1, 0, 1, 0, 0, 1, '{not json', 1, 0, 0)`,
  ).run();
  db.prepare(`INSERT INTO plans (position_id, mode, json, created_at_ms) VALUES ('ZZZUSDT-corrupt', 'single', '{}', 0)`).run();
  db.close();
}

/** When the bot last read the exchange, as the dashboard's health says (the trading loop's heartbeat). */
async function lastOkMs(port: number): Promise<number | null> {
  const r = await raw(port, 'GET /api/health HTTP/1.1');
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as { feed: { lastOkMs: number | null } }).feed.lastOkMs;
}

/** The trading loop is still running: it reads the exchange again after `sinceMs`. */
const stillTrading = (port: number, sinceMs: number) => until('a fresh exchange read', async () => ((await lastOkMs(port)) ?? 0) > sinceMs || undefined);

describe('nothing that serves the dashboard, and no stray rejection, stops the bot’s process (R6.6, issue 12 faults 6 and 7)', () => {
  let demo: Demo | null = null;
  afterAll(() => {
    if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL');
  });

  it('ladder demo: broken URLs on its dashboard, a throwing handler, an unhandled rejection and a web-caused exception are survived; a trading-side exception exits 1, logged', async () => {
    demo = await startDemo();
    const { port, child } = demo;
    await until('the bot’s first exchange read', async () => (await lastOkMs(port)) ?? undefined);

    // Fault 6: what any web page could make the browser request.
    for (const [url, status] of [['//', 404], ['/%', 400], ['/..%2f', 404], [`/api/history?from=${'%'.repeat(10_000)}`, 400]] as const) {
      expect([url.slice(0, 20), (await raw(port, `GET ${url} HTTP/1.1`)).status]).toEqual([url.slice(0, 20), status]);
    }
    expect([431, 0]).toContain((await raw(port, `GET /${'a'.repeat(100_000)} HTTP/1.1`)).status); // 0: reset before the 431 arrived
    expect((await raw(port, 'GET //', 'Host: 127.0.0.1\r\nHost: [\r\n')).status).toBeGreaterThanOrEqual(400);
    await stillTrading(port, Date.now());
    expect(child.exitCode).toBe(null);

    // A handler that throws (a store row it cannot read): 500, a log line, the next request answered.
    corruptClosedTrade(demo.dbPath);
    const broken = await raw(port, 'GET /api/history HTTP/1.1');
    expect([broken.status, JSON.parse(broken.body)]).toEqual([500, { error: { code: 'internal', message: 'internal error (logged by the server)' } }]);
    expect(await until('dashboard.error', () => demo!.logs().find((l) => l.msg === 'dashboard.error'))).toMatchObject({ level: 50, where: 'request' });
    expect((await raw(port, 'GET /api/positions HTTP/1.1')).status).toBe(200);
    await stillTrading(port, Date.now());

    // An unhandled rejection: logged (error level: an alert) and survived.
    child.kill('SIGUSR2');
    const rejection = await until('process.unhandled_rejection', () => demo!.logs().find((l) => l.msg === 'process.unhandled_rejection'));
    expect(rejection).toMatchObject({ level: 50, survived: true, origin: 'bot', err: { message: 'provoked: a rejection nobody awaited' } });
    await stillTrading(port, Date.now());

    // An exception thrown by work a web request started: logged and survived.
    child.kill('SIGUSR2');
    const webThrow = await until('process.uncaught_exception', () => demo!.logs().find((l) => l.msg === 'process.uncaught_exception'));
    expect(webThrow).toMatchObject({ level: 50, survived: true, origin: 'dashboard', err: { message: 'provoked: thrown by work a web request started' } });
    await stillTrading(port, Date.now());
    expect(child.exitCode).toBe(null);

    // Anything else may have left the loop mid-step: logged as fatal, exit 1 (the supervisor restarts it).
    child.kill('SIGUSR2');
    expect(await demo.exited).toBe(1);
    expect(demo.logs().filter((l) => l.msg === 'process.uncaught_exception').at(-1)).toMatchObject({ level: 60, survived: false, origin: 'bot', err: { message: 'provoked: thrown by the trading side' } });
    // The store's run says it failed, and why: `ladder dashboard --db` then shows `ended · bot failed`, not a silent stop.
    const db = new Database(demo.dbPath, { readonly: true });
    const run = db.prepare('SELECT feed_state, ended_at_ms, detail FROM runs ORDER BY id DESC LIMIT 1').get() as { feed_state: string; ended_at_ms: number | null; detail: string | null };
    db.close();
    expect(run).toMatchObject({ feed_state: 'failed', detail: 'provoked: thrown by the trading side' });
    expect(run.ended_at_ms).not.toBe(null);
  });
});
