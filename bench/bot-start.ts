/**
 * The bot's start time (issue [bot] "a restarted bot protects its positions sooner"): spawns
 * `ladder live` against an in-process simulator, as the crash tests restart it, and times from the
 * spawn to the simulator's first request, to `ladder.start` and to `bot.started` (wall time), and the
 * child's CPU time up to `ladder.start` and to `bot.started` (/proc/<pid>/stat, 10 ms ticks). Each spawn gets a new store.
 * With `--base DIR` the other checkout's bin/ladder.js takes turns with this one (A/B, alternating;
 * build both first: `npm run build`, else they run through tsx).
 *   node --import tsx bench/bot-start.ts [--runs 9] [--base ../ladder-base] [--requests]
 * `--requests`: prints the last run's start requests, ms after the spawn.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../src/sim/simulator.ts';
import { median } from './timing.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' }, base: { type: 'string' }, requests: { type: 'boolean', default: false } } });
const RUNS = Number(values.runs);
const KEY = 'bench-key';
const SECRET = 'bench-secret';
const HERE = resolve(import.meta.dirname, '..');

interface Start {
  /** Spawn → the simulator's first request, ms. */
  readonly firstRequestMs: number;
  readonly ladderStartMs: number;
  /** The child's CPU time when it logged ladder.start (its modules loaded, the config read), ms. */
  readonly ladderStartCpuMs: number;
  readonly botStartedMs: number;
  /** The child's CPU time (user + system) when it logged bot.started, ms. */
  readonly cpuMs: number;
  /** The start's requests: ms after the spawn, method and path. */
  readonly requests: readonly string[];
}

/** utime + stime of a process, ms (Linux: fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function startOnce(root: string, dir: string, n: number): Promise<Start> {
  const sim = await startSimulator({ speed: 0, apiKey: KEY, apiSecret: SECRET, warmupCandles: 200, seed: 20261125 });
  try {
    const t0 = Date.now();
    const child = spawn('node', [join(root, 'bin/ladder.js'), 'live', '--config', join(root, 'examples/scaled.config.json'), '--confirm-live', '--exchange-url', sim.url, '--db', join(dir, `start-${n}.db`), '--poll-ms', '20', '--no-dashboard'], {
      cwd: root,
      env: { ...process.env, LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET, LADDER_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let out = '';
    let ladderStartMs = NaN;
    let ladderStartCpuMs = NaN;
    const started = await new Promise<{ ms: number; cpuMs: number }>((ok, fail) => {
      child.stderr!.on('data', (d) => {
        out += d;
        if (Number.isNaN(ladderStartMs) && out.includes('"msg":"ladder.start"')) {
          ladderStartMs = Date.now() - t0;
          ladderStartCpuMs = cpuOf(child.pid!);
        }
        if (out.includes('"msg":"bot.started"')) {
          const ms = Date.now() - t0;
          ok({ ms, cpuMs: cpuOf(child.pid!) });
        }
      });
      child.on('exit', () => fail(new Error(`bot exited before starting:\n${out.slice(-2000)}`)));
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    const reqs = sim.admin.requests().filter((r) => r.wallMs - t0 <= started.ms);
    return {
      firstRequestMs: (reqs[0]?.wallMs ?? NaN) - t0,
      ladderStartMs,
      ladderStartCpuMs,
      botStartedMs: started.ms,
      cpuMs: started.cpuMs,
      requests: reqs.map((r) => `${String(r.wallMs - t0).padStart(5)} ${r.method} ${r.path}`),
    };
  } finally {
    await sim.close();
  }
}

const trees: Record<string, string> = values.base ? { base: resolve(values.base), new: HERE } : { new: HERE };
const names = Object.keys(trees);
const runs = new Map<string, Start[]>(names.map((n) => [n, []]));
const dir = mkdtempSync(join(tmpdir(), 'ladder-bot-start-'));
// One untimed start each (disk caches), then the timed ones in turns, the first of a turn rotating.
for (const name of names) await startOnce(trees[name]!, dir, 0);
for (let r = 0; r < RUNS; r++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length]!;
    runs.get(name)!.push(await startOnce(trees[name]!, dir, runs.size * r + k + 1));
  }
}
const fmt = (xs: readonly number[]) => `${median(xs).toFixed(0)} [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`;
for (const name of names) {
  const s = runs.get(name)!;
  process.stdout.write(
    `${name} (${trees[name]}), median [min–max] of ${s.length} starts, ms after spawn: first request ${fmt(s.map((x) => x.firstRequestMs))}, ladder.start ${fmt(s.map((x) => x.ladderStartMs))}, bot.started ${fmt(s.map((x) => x.botStartedMs))} (first request → bot.started ${fmt(s.map((x) => x.botStartedMs - x.firstRequestMs))}); CPU to ladder.start ${fmt(s.map((x) => x.ladderStartCpuMs))}, to bot.started ${fmt(s.map((x) => x.cpuMs))}; requests ${s.at(-1)!.requests.length}\n`,
  );
  if (values.requests) process.stdout.write(`${s.at(-1)!.requests.join('\n')}\n`);
}
if (values.base) {
  const ratio = (f: (x: Start) => number) => (median(runs.get('new')!.map(f)) / median(runs.get('base')!.map(f))).toFixed(3);
  process.stdout.write(`new/base: bot.started ${ratio((x) => x.botStartedMs)}, CPU to ladder.start ${ratio((x) => x.ladderStartCpuMs)}, to bot.started ${ratio((x) => x.cpuMs)}, first request ${ratio((x) => x.firstRequestMs)}, first request → bot.started ${ratio((x) => x.botStartedMs - x.firstRequestMs)}\n`);
}
rmSync(dir, { recursive: true, force: true });
