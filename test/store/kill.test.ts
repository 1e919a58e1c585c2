import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { integrityProblems } from './integrity.ts';
import { mulberry32 } from './random.ts';
import { tempDir } from '../support/temp-dir.ts';

const WORKER = fileURLToPath(new URL('./kill-worker.ts', import.meta.url));
const SEED = Number(process.env.STORE_KILL_SEED ?? 20_260_301);
const KILLS = Number(process.env.STORE_KILLS ?? 25);

const dir = tempDir('ladder-store-kill-');

function startWorker(db: string, journal: string, run: number, finish = false): { child: ChildProcess; ready: Promise<void>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const args = ['--import', 'tsx', WORKER, db, journal, String(SEED), String(run), ...(finish ? ['--finish'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const ready = new Promise<void>((resolve) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready')) resolve();
    });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, ready, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('store under SIGKILL', () => {
  it(`keeps every committed fill and every position whole across ${KILLS} kills at random instants (seed ${SEED})`, async () => {
    const db = join(dir, 'ladder.db');
    const journal = join(dir, 'booked.log');
    const rng = mulberry32(SEED);
    for (let run = 0; run < KILLS; run++) {
      const w = startWorker(db, journal, run);
      // Whichever comes first: the worker dies by itself (a bug), or it is ready to be killed.
      const early = await Promise.race([w.ready.then(() => null), w.exited]);
      if (early !== null) throw new Error(`run ${run}: worker exited before ready (${early.code}): ${early.stderr}`);
      await sleep(Math.floor(rng() * 400)); // from inside the restart's recovery to deep in the booking loop
      w.child.kill('SIGKILL');
      const end = await w.exited;
      expect(end.signal, `run ${run} died on its own: ${end.stderr}`).toBe('SIGKILL');
      expect(integrityProblems(db, journal), `after kill ${run + 1}`).toEqual([]);
    }
    // A last restart recovers everything that was in doubt.
    const fin = startWorker(db, journal, KILLS, true);
    const end = await fin.exited;
    expect(end.code, end.stderr).toBe(0);
    expect(integrityProblems(db, journal)).toEqual([]);
    const store = openStore(db);
    try {
      expect(store.ordersInDoubt()).toEqual([]);
      const trades = store.tradeHistory({ includeOpen: true });
      expect(trades.length).toBeGreaterThan(KILLS / 2);
      expect(store.fillsOf(trades[0]!.positionId).length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 180_000);
});
