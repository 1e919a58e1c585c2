import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { KLINES, MARKETS, type LadderChild, type RedisServer, queueDataDir, spawnLadder, startRedis, storedCounts, until } from '../support/queue-run.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * `ladder optimize --queue` when the real redis-server under it stays up but refuses to renew the
 * coordinator's heartbeat (the SET of its key refused; every other command answered): workers drop
 * the jobs of a run whose heartbeat is gone, so the coordinator must not wait on silently.
 */
const tmp = tempDir('ladder-opt-heartbeat-');
const children: ChildProcess[] = [];
const servers: RedisServer[] = [];
const clients: Redis[] = [];
const SPACE = join(tmp, 'space.json');
writeFileSync(SPACE, JSON.stringify({ levels: [2, 3], profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5] }], close_pct: { step: 25 }, stop_loss_pct: { values: [1.5, 2, 3] } }));
const args = (db: string) => ['optimize', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--markets', MARKETS, '--from', '2023-01-01', '--to', '2024-01-01', '--space', SPACE, '--trials', '40', '--folds', '2', '--train-months', '6', '--test-months', '3', '--min-trades', '5', '--seed', '5', '--db', db, '--json'];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of clients) c.disconnect();
  await Promise.all(servers.map((s) => s.kill()));
});

/** A real redis-server of this test's own (stopped after the file) and a client of it. */
const freshRedis = async (): Promise<{ r: RedisServer; redis: Redis }> => {
  const r = await startRedis();
  servers.push(r);
  const redis = new Redis(r.port, '127.0.0.1');
  clients.push(redis);
  return { r, redis };
};

/** Waits for an exit code, failing with the process's stderr if there is none within `ms`. */
const exitOf = async (p: LadderChild, ms: number) => {
  const code = await Promise.race([p.exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
  if (code === 'timeout') throw new Error(`still running after ${ms} ms: ${p.stderr()}`);
  return code;
};

describe('ladder optimize --queue when Redis refuses to renew the heartbeat', () => {
  it('an ACL denies writes to the heartbeat key (Redis otherwise up): said at once, then the run stops before the key lapses, with the --resume command, and none of its jobs is left for workers to drop', async () => {
    const { r, redis } = await freshRedis();
    const db = join(tmp, 'refused.db');
    // No worker: the run's jobs wait in the queue.
    const coord = spawnLadder([...args(db), '--queue', r.url], children);
    await until('the run queued', async () => (await redis.llen('bull:ladder-optimize:wait')) > 0, 60_000);
    const [alive] = await redis.keys('ladder:optimize:alive:*');
    expect(alive).toBeDefined();
    // From now on the coordinator's user may write the queue's keys and the run's spec and refusals, not the heartbeat.
    await redis.call('ACL', 'SETUSER', 'default', 'resetkeys', '%R~*', '%RW~bull:*', '%RW~ladder:optimize:study:*', '%RW~ladder:optimize:refusals:*');
    const refusedAt = Date.now();
    await until('the warning', () => coord.stderr().includes('refuses to renew'), 10_000);
    expect(Date.now() - refusedAt).toBeLessThan(5_000); // at its next renewal (every 3 s)
    const err0 = coord.stderr();
    const runId = /^run ([0-9a-f]{8}) /m.exec(err0)![1]!;
    const resume = `ladder optimize --resume ${runId} --db ${db} --queue ${r.url}`;
    expect(err0).toMatch(
      new RegExp(
        `\\nwarning: Redis at ${r.url} refuses to renew this run's heartbeat \\(NOPERM [^)]*\\); workers drop the jobs of a run whose heartbeat is gone, so unless it is renewed within \\d+ s the run stops \\(results so far are stored in ${db}; to continue later: ${resume}\\)\\n`,
      ),
    );

    expect(await exitOf(coord, 30_000)).toBe(1);
    // Stopped while the key still lived: no worker could have taken the run for abandoned yet.
    expect(await redis.pttl(alive!)).toBeGreaterThan(0);
    const err = coord.stderr();
    expect(err).toMatch(new RegExp(`\\nladder: --queue: Redis at ${r.url} refused to renew this run's heartbeat for \\d+ s \\(NOPERM [^)]*\\): before it lapsed and workers dropped its jobs, the run stopped; the results received so far are stored in ${db}; once the cause is fixed, continue with: ${resume}\\n$`));
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
    expect(coord.stdout()).toBe('');
    // Its waiting jobs were taken back on the way out (the queue's keys are writable): none left to drop.
    expect(await redis.llen('bull:ladder-optimize:wait')).toBe(0);
    expect(await redis.zcard('bull:ladder-optimize:failed')).toBe(0);
  }, 120_000);

  it("refused from the start (writes of the run's keys denied): one line naming --queue, the refusal and the --resume command, exit 1, nothing queued, no stack trace", async () => {
    const { r, redis } = await freshRedis();
    await redis.call('ACL', 'SETUSER', 'default', 'resetkeys', '%R~*', '%RW~bull:*');
    const db = join(tmp, 'refused-first.db');
    const coord = spawnLadder([...args(db), '--queue', r.url], children);
    expect(await exitOf(coord, 60_000)).toBe(1);
    const err = coord.stderr();
    const runId = /^run ([0-9a-f]{8}) /m.exec(err)![1]!;
    expect(err).toMatch(
      new RegExp(
        `\\nladder: --queue: Redis at ${r.url} refuses to store this run's spec \\(NOPERM [^)]*\\): the coordinator writes the run's spec and heartbeat there \\(check the URL's user and its ACL, maxmemory, or that this is not a read-only replica\\); nothing was queued; once the cause is fixed, continue with: ladder optimize --resume ${runId} --db ${db} --queue ${r.url}\\n$`,
      ),
    );
    expect(err).not.toMatch(/\n\s+at /);
    expect(coord.stdout()).toBe('');
    expect(await redis.llen('bull:ladder-optimize:wait')).toBe(0);
  }, 120_000);

  it('refused for a few seconds only (the ACL lifted before the key lapses): said, then said to be renewed again, and the run completes with every candidate stored once', async () => {
    const { r, redis } = await freshRedis();
    const db = join(tmp, 'lifted.db');
    const coord = spawnLadder([...args(db), '--queue', r.url], children);
    await until('the run queued', async () => (await redis.llen('bull:ladder-optimize:wait')) > 0, 60_000);
    await redis.call('ACL', 'SETUSER', 'default', 'resetkeys', '%R~*', '%RW~bull:*', '%RW~ladder:optimize:study:*', '%RW~ladder:optimize:refusals:*');
    await until('the warning', () => coord.stderr().includes('refuses to renew'), 10_000);
    await redis.call('ACL', 'SETUSER', 'default', 'allkeys');
    await until('the renewal', () => coord.stderr().includes(`Redis at ${r.url} renews this run's heartbeat again; the run goes on\n`), 10_000);
    const w = spawnLadder(['worker', '--queue', r.url, '--data-dir', queueDataDir(tmp, 'data'), '--lock-ms', '1500'], children);
    expect(await exitOf(coord, 60_000), coord.stderr()).toBe(0);
    const counts = storedCounts(db);
    expect(counts).toHaveLength(42);
    expect(counts.every((n) => n === 1)).toBe(true);
    expect(w.stderr()).not.toContain('no coordinator is waiting'); // no job dropped as abandoned
    w.child.kill('SIGTERM');
    expect(await exitOf(w, 10_000)).toBe(0);
  }, 120_000);

  it('a renewal whose answer comes back slower than the refusals (a Redis on another machine): the run still stops before the key lapses', async () => {
    const { r, redis } = await freshRedis();
    // A TCP proxy in front of it that holds each +OK answer back 80 ms (order kept): a renewal is
    // answered 80 ms after Redis ran it, a refusal at once, as latency varies on a network.
    const proxy = await slowOkProxy(r.port, 80);
    const url = `redis://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    try {
      const db = join(tmp, 'slow.db');
      const coord = spawnLadder([...args(db), '--queue', url], children);
      await until('the run queued', async () => (await redis.llen('bull:ladder-optimize:wait')) > 0, 60_000);
      const [alive] = await redis.keys('ladder:optimize:alive:*');
      await redis.call('ACL', 'SETUSER', 'default', 'resetkeys', '%R~*', '%RW~bull:*', '%RW~ladder:optimize:study:*', '%RW~ladder:optimize:refusals:*');
      expect(await exitOf(coord, 40_000)).toBe(1);
      expect(coord.stderr()).toContain(`refused to renew this run's heartbeat`);
      // Stopped while the key still lived: no worker could have taken the run for abandoned yet.
      expect(await redis.pttl(alive!)).toBeGreaterThan(0);
    } finally {
      await new Promise((done) => proxy.close(done));
    }
  }, 120_000);
});

/** Forwards to 127.0.0.1:`port`, holding back every chunk of answers that holds a +OK by `delayMs` (the order of the answers kept). */
function slowOkProxy(port: number, delayMs: number): Promise<Server> {
  const sockets: Socket[] = [];
  const server = createServer((down) => {
    const up = connect(port, '127.0.0.1');
    sockets.push(down, up);
    down.pipe(up);
    let lastAt = 0;
    up.on('data', (b: Buffer) => {
      const at = Math.max(lastAt, Date.now() + (b.includes('+OK\r\n') ? delayMs : 0));
      lastAt = at;
      setTimeout(() => down.destroyed || down.write(b), at - Date.now());
    });
    const end = () => (down.destroy(), up.destroy());
    up.on('close', end).on('error', end);
    down.on('close', end).on('error', end);
  });
  const close = server.close.bind(server);
  server.close = (cb?: (e?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  };
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}
