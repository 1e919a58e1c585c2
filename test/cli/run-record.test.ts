import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { recordRun } from '../../src/cli/run-record.ts';
import { runBot } from '../../src/cli/run-bot.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { openStore } from '../../src/store/index.ts';
import { accountView } from '../../src/web/server/account-view.ts';
import { RunBook } from '../../src/web/server/run-book.ts';
import { recordingLogger } from '../support/log-lines.ts';
import { testConfig } from '../support/bot-harness.ts';
import { tempDir } from '../support/temp-dir.ts';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function simExchange(balance = 12_345): Promise<CcxtExchange> {
  sim = await startSimulator({ seed: 3, balance });
  const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret });
  client.enableRateLimit = false;
  return new CcxtExchange(client);
}

const until = async (what: string, cond: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the run record of a bot ([views] 17)', () => {
  it('records the config at start, heartbeats with the balance read from the exchange, data ended, then the end', async () => {
    const ex = await simExchange();
    const store = openStore(join(tempDir('ladder-run-'), 'ladder.db'));
    const config = testConfig({ leverage: 4 });
    const run = recordRun({ store, mode: 'paper', command: 'ladder paper', pid: process.pid, host: 'h', config, exchange: ex, log: silentLogger(), heartbeatMs: 30 });
    expect(store.latestRun()).toMatchObject({ id: run.id, mode: 'paper', feedState: 'running', endedAtMs: null });
    expect((store.latestRun()!.config as { leverage: number }).leverage).toBe(4);
    // The balance the simulator holds, read over HTTP through ccxt.
    await until('a balance in the heartbeat', () => store.getRun(run.id)?.account !== null);
    expect(store.getRun(run.id)!.account).toMatchObject({ asset: 'USDT', total: 12_345, free: 12_345 });
    const beat = store.getRun(run.id)!.heartbeatAtMs;
    await until('a later heartbeat', () => store.getRun(run.id)!.heartbeatAtMs > beat);
    run.dataEnded('the replay ran out');
    run.end('stopped');
    const ended = store.getRun(run.id)!;
    expect(ended).toMatchObject({ feedState: 'data_ended', detail: 'the replay ran out' });
    expect(ended.endedAtMs).not.toBeNull();
    // No heartbeat after the end.
    await new Promise((r) => setTimeout(r, 100));
    expect(store.getRun(run.id)!.heartbeatAtMs).toBe(ended.heartbeatAtMs);
    await ex.close();
    store.close();
  });

  it('a balance read answered 5xx (at the start, during the run, at the stop) is logged each time and never shown as a zero: before any read the dashboard says none yet; after one, it keeps the last read with its own time', async () => {
    const ex = await simExchange();
    const balanceFails = { rules: ['/fapi/v2/balance', '/fapi/v3/balance', '/fapi/v2/account', '/fapi/v3/account'].map((path) => ({ kind: 'error5xx' as const, status: 503, method: 'GET', path })) };
    sim!.admin.setFaults(balanceFails);
    const store = openStore(join(tempDir('ladder-run-'), 'ladder.db'));
    const rec = recordingLogger('warn');
    const run = recordRun({ store, mode: 'live', command: 'ladder live', pid: process.pid, host: 'h', config: testConfig(), exchange: ex, log: rec.log, heartbeatMs: 30 });
    const failures = () => rec.records.filter((r) => r['msg'] === 'run.balance_failed');
    const dashboard = () => accountView(store, new RunBook({ store, fallback: null, now: Date.now, onError: (w, e) => { throw new Error(`${w}: ${String(e)}`); } }), { positions: [], symbols: [], feed: { state: 'standalone', lastOkMs: null, lastError: null, ended: null }, lastEventId: 0, serverTimeMs: Date.now() }, Date.now());
    try {
      // At the start: the read fails (ccxt's 503 through the adapter), logged; no account is shown, not a zero one.
      await until('the start read to fail', () => failures().length >= 1);
      expect(failures()[0]).toMatchObject({ run: run.id, asset: 'USDT' });
      expect(String(failures()[0]!['err'])).toMatch(/-1008/); // Binance's body of a 503
      expect(store.getRun(run.id)!.account).toBeNull();
      expect(dashboard()).toMatchObject({ balance: null, walletBalance: null });
      // The reads answer: the simulator's balance, with its time.
      sim!.admin.setFaults({ rules: [] });
      await until('a balance read', () => store.getRun(run.id)!.account !== null);
      const read = store.getRun(run.id)!.account!;
      expect(read).toMatchObject({ asset: 'USDT', total: 12_345, free: 12_345 });
      // During the run: the reads fail again; the heartbeat goes on and the last read stays, with its own (older) time.
      sim!.admin.setFaults(balanceFails);
      const failedBefore = failures().length;
      await until('a failed read during the run', () => failures().length > failedBefore);
      const beat = store.getRun(run.id)!.heartbeatAtMs;
      await until('a later heartbeat', () => store.getRun(run.id)!.heartbeatAtMs > beat);
      expect(store.getRun(run.id)!.account).toEqual(read);
      expect(dashboard().balance).toEqual({ total: 12_345, free: 12_345, atMs: read.atMs });
      // At the stop: the last read fails too; it is logged, and the end is recorded with the last good read.
      const failedAtStop = failures().length;
      await run.lastBalance();
      expect(failures().length).toBeGreaterThan(failedAtStop);
      run.end('stopped');
      expect(store.getRun(run.id)!).toMatchObject({ feedState: 'stopped', account: read });
    } finally {
      run.end('stopped');
      await ex.close();
      store.close();
    }
  });

  it('runBot records a run that fails to start as failed, with the error', async () => {
    const ex = await simExchange();
    const dbPath = join(tempDir('ladder-run-'), 'ladder.db');
    // A symbol the simulator does not list: the bot refuses at start, after the lock and the run record.
    const config = testConfig({ symbols: ['NOPE/USDT:USDT'] });
    await expect(runBot({ config, configPath: join(tmpdir(), 'config.json'), exchange: ex, dbPath, pollMs: 50, log: silentLogger(), until: new Promise(() => undefined), mode: 'live' })).rejects.toThrow(/NOPE/);
    const store = openStore(dbPath);
    const r = store.latestRun()!;
    expect(r).toMatchObject({ mode: 'live', feedState: 'failed' });
    expect(r.detail).toMatch(/NOPE/);
    expect(r.endedAtMs).not.toBeNull();
    store.close();
  });

  it('runBot reads the balance once more when the bot stops: a finished store shows the account at its end, not up to 15 s before it', async () => {
    const ex = await simExchange();
    const dbPath = join(tempDir('ladder-run-'), 'ladder.db');
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = runBot({ config: testConfig(), configPath: join(tmpdir(), 'config.json'), exchange: ex, dbPath, pollMs: 50, log: silentLogger(), until: stopped, mode: 'live' });
    const store = openStore(dbPath);
    try {
      await until('the first balance read', () => store.latestRun()?.account != null);
      expect(store.latestRun()!.account!.total).toBe(12_345);
      // The owner buys 0.01 BTC by hand at 60000 (the price held there): the taker fee, 0.05 % of 600 = 0.3, leaves the account at once.
      sim!.admin.setPrice('BTCUSDT', 60000, true);
      const owner = ccxtForSimulator(sim!.url, { apiKey: sim!.apiKey, secret: sim!.apiSecret });
      owner.enableRateLimit = false;
      await owner.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01);
      const fee = 0.3;
      stop();
      await running;
      expect(store.latestRun()!.account!.total).toBeCloseTo(12_345 - fee, 6);
      await owner.close();
    } finally {
      store.close();
    }
  });
});
