import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Position, levelStats, totalPnl } from '../../src/core/index.ts';
import { openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';
import { T0, open } from '../web/store-fixture.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs `ladder demo`; its TMPDIR is a temp dir of the test's, so the store it makes without `--db` goes with it. */
function demo(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, LADDER_API_KEY: '', LADDER_API_SECRET: '', TMPDIR: tempDir('ladder-demo-tmp-') };
  return new Promise((done) =>
    execFile('node', ['bin/ladder.js', 'demo', ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env }, (e, out, err) =>
      done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
    ),
  );
}

describe('ladder demo (what npm start runs)', () => {
  it('opens positions, fills levels with their slippage and climbs the stop, offline and without keys, then stops cleanly with its summary', async () => {
    const r = await demo(['--duration', '25', '--speed', '12']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Ladder demo\n {2}mode {7}demo: the bot trades on the offline simulator/m);
    expect(r.out).toMatch(/(LONG|SHORT) [\d.]+ at [\d.]+ {2}stop [\d.]+ {2}ladder TP1 [\d.]+ \([\d.]+\)/);
    expect(r.out).toMatch(/✓ TP1 filled [\d.]+ at [\d.]+, (\d+\.\d\d % \([\d.]+\) (worse|better) than the target [\d.]+|at the target) {2}pnl [+-]\d/);
    expect(r.out).toMatch(/[↑↓] stop .* → .* \(breakeven\)/);
    expect(r.out).toMatch(/demo stopped: simulator closed, store closed\.\n\nSummary of this run/);
  }, 90_000);

  it('a --duration or --speed that is not a positive number is one line naming it, exit 1, before anything starts (--duration 60s ended the demo at once)', async () => {
    for (const [flag, text] of [['--duration', '60s'], ['--duration', '0'], ['--speed', 'fast']] as const) {
      const r = await demo(['--no-dashboard', flag, text]);
      expect(r.code, `${flag} ${text}`).toBe(1);
      expect(r.err).toMatch(new RegExp(`^ladder: ${flag}: must be a positive number of (seconds|candles per second), got ${text}\\n$`));
      expect(r.out).toBe('');
    }
  });

  it('--help says the demo prints readable lines by default, also into a pipe (as it does), not json there', async () => {
    const r = await demo(['--help']);
    expect(r.code).toBe(0);
    expect(r.out.replace(/\s+/g, ' ')).toContain('--log-format <format> "pretty": one readable line per event on stdout; "json": JSON lines on stderr (default: pretty, also when the output is a pipe or a file)');
  });

  it('ends by itself when its data runs out (no dashboard): its last lines are the summary, with the store’s numbers', async () => {
    const db = join(tempDir('ladder-demo-end-'), 'demo.db');
    const r = await demo(['--no-dashboard', '--speed', '200', '--db', db]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    const start = lines.findIndex((l) => l.startsWith('Summary of this run'));
    expect(lines[start - 2], r.out.slice(-3000)).toMatch(/^demo stopped \(the demo's data ended at \d{4}-\d\d-\d\dT[\d:.]+Z: prices no longer move\): simulator closed, store closed\.$/);
    const summary = lines.slice(start);

    const store = openStore(db);
    try {
      const closed = store.tradeHistory().map((t) => store.getPosition(t.positionId)).filter((p): p is Position => p !== null);
      const open = store.tradeHistory({ includeOpen: true }).length - closed.length;
      const pnls = closed.map(totalPnl);
      const wins = pnls.filter((x) => x > 0).length;
      const total = pnls.reduce((a, b) => a + b, 0);
      // At 200 candles/s the bot (50 ms polls) sees ~10 new candles a step: it trades only the newest
      // one's signal (older ones are stale, as after an outage), ~40 trades, fewer on a loaded machine.
      expect(closed.length).toBeGreaterThanOrEqual(5);
      // The simulator charged the shipped real funding rates (data/funding/), and the bot booked them on its trades.
      expect(closed.filter((p) => p.funding !== undefined && p.funding !== 0).length, 'trades with funding booked').toBeGreaterThan(0);
      const money = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
      expect(summary[0]).toBe(`Summary of this run (store ${db}):`);
      expect(summary[1]).toBe(`  trades      ${closed.length} closed${open ? `, ${open} still open (not counted)` : ''}`);
      expect(summary[2]).toBe(`  win rate    ${((wins / closed.length) * 100).toFixed(1)} % (${wins} of ${closed.length} with a profit)`);
      expect(summary[3]).toMatch(new RegExp(`^ {2}total PnL {3}${money(total).replace('+', '\\+')} USDT after fees \\(profit factor [\\d.]+, max drawdown [\\d.]+ %\\)$`));
      // Each ladder level's hits, counted on the stored exits.
      const levels = levelStats(closed);
      expect(levels.map((l) => l.reason)).toEqual(['tp1', 'tp2', 'tp3']);
      expect(summary.slice(4)).toEqual(
        levels.map((l) => {
          const hits = closed.filter((p) => p.partialExits.some((e) => e.reason === l.reason)).length;
          return `  ${l.reason.toUpperCase().padEnd(11)} hit ${hits} of ${l.eligible} (${((hits / l.eligible) * 100).toFixed(1)} %), avg PnL ${money(l.avg_pnl)} USDT`;
        }),
      );
    } finally {
      store.close();
    }
  }, 120_000);

  it('refuses a --db store an earlier run traded in, naming it, before anything starts (its replayed signals were taken as already entered: a second demo into one file traded almost nothing, its summary counted the first run’s trades)', async () => {
    const db = join(tempDir('ladder-demo-reused-'), 'demo.db');
    const store = openStore(db);
    open(store, 'BTCUSDT-a', 60000, T0); // an earlier demo's position
    store.close();
    const r = await demo(['--no-dashboard', '--speed', '200', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ladder: --db: ${db} holds an earlier run's trades (1): the demo replays the same candles on a fresh simulator, so their signals would be taken as already entered and the summary would count them; give a new file, or leave out --db for a fresh one\n`);
    expect(r.out).toBe('');
  }, 60_000);

  it('takes an empty --db file (made by mktemp or touch) as the fresh store it is: the demo runs into it (since 5c05f1e it was refused as "not a Ladder store (an empty file)")', async () => {
    const db = join(tempDir('ladder-demo-empty-'), 'demo.db');
    writeFileSync(db, '');
    const r = await demo(['--no-dashboard', '--speed', '200', '--duration', '3', '--db', db]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Store: ${db}`);
    expect(r.out).toMatch(/demo stopped: simulator closed, store closed\.\n\nSummary of this run/);
  }, 60_000);
});
