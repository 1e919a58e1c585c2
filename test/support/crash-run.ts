import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { FaultFile } from '../../src/sim/faults.ts';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { openStore } from '../../src/store/index.ts';
import type { SimState } from '../support/bot-harness.ts';
import { mulberry32 as rng } from '../store/random.ts';
import { tempDir } from './temp-dir.ts';

/**
 * Crash test (FAILURES F9, F20; invariants 8–10): the bot runs as a child process against the
 * simulator and is killed with SIGKILL at seeded random moments of its order flow, then restarted.
 * After every restart, checked from the exchange's side: no level filled by two orders, a stop on the
 * exchange whenever a position is open, every fill of ours booked in the store, size conserved.
 * Three files run it (plain, thin liquidity, everyday faults), so the suite's workers share them.
 */
const ROOT = resolve(import.meta.dirname, '../..');
export const KILLS = Number(process.env['LADDER_CRASH_KILLS'] ?? 50);
const SEED = Number(process.env['LADDER_CRASH_SEED'] ?? 20261125);
const KEY = 'crash-key';
const SECRET = 'crash-secret';
const SPEED = 20;
export const THIN_KILLS = Number(process.env['LADDER_CRASH_THIN_KILLS'] ?? 30);
export const FAULT_KILLS = Number(process.env['LADDER_CRASH_FAULT_KILLS'] ?? 30);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startBot(url: string, db: string): { child: ChildProcess; started: Promise<void>; output: () => string } {
  const child = spawn('node', ['bin/ladder.js', 'live', '--config', 'examples/scaled.config.json', '--confirm-live', '--exchange-url', url, '--db', db, '--poll-ms', '20', '--no-dashboard'], {
    cwd: ROOT,
    env: { ...process.env, LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET, LADDER_LOG_LEVEL: 'info' },
  });
  let out = '';
  const started = new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`bot did not start:\n${out.slice(-2000)}`)), 60_000);
    child.stderr!.on('data', (d) => {
      out += d;
      if (out.includes('"msg":"bot.started"')) {
        clearTimeout(timer);
        ok();
      }
    });
    child.on('exit', () => fail(new Error(`bot exited before starting:\n${out.slice(-2000)}`)));
  });
  started.catch(() => undefined);
  return { child, started, output: () => out };
}

/** Resolves once `output` has not grown for `ms` (at most 15 s). */
async function quiet(output: () => string, ms: number): Promise<void> {
  const start = Date.now();
  let last = output().length;
  let since = Date.now();
  while (Date.now() - since < ms && Date.now() - start < 15_000) {
    await sleep(50);
    const n = output().length;
    if (n !== last) {
      last = n;
      since = Date.now();
    }
  }
}

const killed = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

/**
 * Thin liquidity on top of the kills: 40 % of the bot's orders and half of its triggered stops fill
 * only in part and the rest expires (simulator fault `partialFill`), so the partial-fill paths (a TP
 * done at what filled, a close sent again, the rest of a partly filled stop closed at market) are
 * killed in the middle too.
 */
export const THIN: FaultFile = {
  rules: [
    { kind: 'partialFill', ratio: 0.5, method: 'POST', path: '/fapi/v1/order', probability: 0.4 },
    { kind: 'partialFill', on: 'trigger', ratio: 0.5, probability: 0.5 },
  ],
};

/**
 * The exchange's everyday faults on top of the kills (issue [bot]): answers lost after execution,
 * 5xx after execution (-1001 / -1008), failing look-ups, trade reads and position reads, dropped
 * requests, thin liquidity. The same checks hold after every restart.
 */
export const FAULTY: FaultFile = {
  rules: [
    { kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', probability: 0.08 },
    { kind: 'error5xx', status: 503, processed: true, method: 'POST', path: '/fapi/v1/algoOrder', probability: 0.05 },
    { kind: 'lostResponse', mode: 'reset', method: 'POST', path: '/fapi/v1/order', probability: 0.05 },
    { kind: 'drop', mode: 'reset', method: 'POST', path: '/fapi/v1/order', probability: 0.03 },
    { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order', probability: 0.15 },
    { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/userTrades', probability: 0.15 },
    { kind: 'error5xx', status: 502, method: 'GET', path: '/fapi/v3/positionRisk', probability: 0.1 },
    { kind: 'error5xx', status: 502, method: 'GET', path: '/fapi/v2/positionRisk', probability: 0.1 },
    { kind: 'error5xx', status: 504, method: 'GET', path: '/fapi/v1/openOrders', probability: 0.1 },
    { kind: 'partialFill', ratio: 0.5, method: 'POST', path: '/fapi/v1/order', probability: 0.2 },
  ],
};

/**
 * Kills the bot `kills` times against a simulator (with `faults`, if given) and checks the exchange
 * and the store after every restart; the bot and the simulator are stopped however it ends.
 */
/**
 * `minFills`: the bot's fills the run must exceed (it really traded through the kills). A kill between
 * a signal and its entry loses that signal (stale once restarted, the market having run on at SPEED),
 * so the count falls as an entry's path grows: since every entry from flat sets the margin mode and
 * leverage first (two requests, ≈ 100 ms more under ccxt's throttle), the plain run made 16–20 fills
 * here (23–27 before) and 10 on CI's slower machine, where kills/5 failed it. Under FAULTY, a request
 * dropped on its way is not believed lost before it can no longer execute (its recvWindow, 11 s:
 * R1.4), and its level or entry waits that long, across kills too.
 */
export async function runCrashes(kills: number, faults?: FaultFile, minFills = kills / 10): Promise<void> {
  // A seeded random walk: prices never run out however long the test takes.
  const sim = await startSimulator({ speed: SPEED, apiKey: KEY, apiSecret: SECRET, warmupCandles: 200, seed: SEED, ...(faults ? { faults } : {}) });
  let bot: ReturnType<typeof startBot> | undefined;
  try {
    await killAndCheck(sim, kills, minFills, (b) => (bot = b));
  } finally {
    if (bot && bot.child.exitCode === null && bot.child.signalCode === null) {
      bot.child.kill('SIGKILL');
      await killed(bot.child);
    }
    await sim.close();
  }
}

async function killAndCheck(sim: Simulator, kills: number, minFills: number, current: (bot: ReturnType<typeof startBot>) => void): Promise<void> {
  const db = join(tempDir('ladder-crash-'), 'crash.db');
  const random = rng(SEED);
  const problems: string[] = [];
  let bot = startBot(sim.url, db);
  current(bot);
  await bot.started;
  for (let k = 0; k < kills; k++) {
    sim.admin.setSpeed(SPEED);
    await sleep(50 + Math.floor(random() * 900));
    bot.child.kill('SIGKILL');
    await killed(bot.child);
    await sleep(Math.floor(random() * 300)); // the market goes on while the bot is down
    // Freeze the market, restart: the checks below see the state reconciliation left, once the
    // bot has finished what it was doing (no log line for a while).
    sim.admin.setSpeed(0);
    bot = startBot(sim.url, db);
    current(bot);
    await bot.started;
    await quiet(bot.output, 700);
    let found = check(sim.admin.state() as unknown as SimState, db, k);
    if (found.length) {
      // 700 ms of quiet is not always "done": the bot may wait without a log line, e.g. the stop
      // retry back-off (STOP_RETRY_MS, 5 s, symbol-trader.ts); what still holds after that back-off
      // and a new quiet spell is a problem. (Found here under CI's environment: a kill after a close
      // was stored but before it was sent left a partly stopped remainder with no stop for good,
      // now sent again on restart: resendUnsent.)
      await sleep(6_000);
      await quiet(bot.output, 700);
      found = check(sim.admin.state() as unknown as SimState, db, k);
    }
    if (found.length && process.env['LADDER_CRASH_DEBUG']) console.log(found, bot.output().split('\n').filter((l) => !l.includes('"msg":"order.sent"')).slice(-25).join('\n'));
    problems.push(...found);
  }
  bot.child.kill('SIGINT');
  await killed(bot.child);
  const s = sim.admin.state() as unknown as SimState;
  const ours = s.fills.filter((f) => f.clientOrderId.startsWith('BTCUSDT-'));
  expect(problems).toEqual([]);
  expect(ours.length).toBeGreaterThan(minFills); // the bot really traded through the kills
}

function check(s: SimState, db: string, k: number): string[] {
  const out: string[] = [];
  const at = `after kill ${k + 1}`;
  // 8. each level's order executes at most once: one exchange order per TP client id.
  const ordersByLevel = new Map<string, Set<string>>();
  for (const f of s.fills as (SimState['fills'][number] & { orderId: number })[]) {
    if (!/-tp\d*$/.test(f.clientOrderId)) continue;
    const set = ordersByLevel.get(f.clientOrderId) ?? new Set();
    set.add(String(f.orderId));
    ordersByLevel.set(f.clientOrderId, set);
  }
  for (const [id, orders] of ordersByLevel) if (orders.size > 1) out.push(`${at}: ${id} filled by ${orders.size} orders`);
  // 9. an open position always has a protective stop on the exchange.
  const open = s.positions.filter((p) => Number(p.positionAmt) !== 0);
  for (const p of open) if (!s.openAlgoOrders.some((a) => a.symbol === p.symbol)) out.push(`${at}: ${p.symbol} position ${p.positionAmt} without a stop`);
  // F11/F12: at most one stop per symbol, and none once flat.
  for (const symbol of new Set(s.openAlgoOrders.map((a) => a.symbol))) {
    const stops = s.openAlgoOrders.filter((a) => a.symbol === symbol).length;
    const holding = open.some((p) => p.symbol === symbol);
    if (stops > (holding ? 1 : 0)) out.push(`${at}: ${symbol} has ${stops} resting stops while ${holding ? 'open' : 'flat'}`);
  }
  // 10. no fill lost: every execution of our orders is booked; sizes are conserved exactly.
  const store = openStore(db);
  try {
    for (const f of s.fills as (SimState['fills'][number] & { tradeId: number })[]) {
      if (!f.clientOrderId.startsWith('BTCUSDT-')) continue;
      if (!store.hasFill(f.symbol, String(f.tradeId))) out.push(`${at}: fill ${f.tradeId} of ${f.clientOrderId} not booked`);
    }
    for (const t of store.tradeHistory()) {
      const exited = t.exits.reduce((a, e) => a + e.qtySteps, 0);
      if (t.remainingSteps + exited !== t.originalSteps) out.push(`${at}: ${t.positionId} not conserved`);
    }
    const local = store.openPositions();
    const exchangeQty = open.reduce((a, p) => a + Math.round(Math.abs(Number(p.positionAmt)) * 1000), 0);
    const localQty = local.reduce((a, p) => a + p.remainingSteps, 0);
    if (exchangeQty !== localQty) out.push(`${at}: exchange holds ${exchangeQty} steps, the store ${localQty}`);
  } finally {
    store.close();
  }
  return out;
}
