import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseConfigValue } from '../../src/core/config/index.ts';
import { openStore, runState } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const T0 = Date.UTC(2026, 0, 1, 12);

const config = () => {
  const c = parseConfigValue({ leverage: 5, enable_scaled_take_profit: true, position_size: { mode: 'quote', value: 250 } }, 'test');
  if (!c.ok) throw new Error('test config does not validate');
  return c.value;
};
const start = (startedAtMs = T0) => ({ mode: 'demo' as const, command: 'ladder demo', pid: 4242, host: 'h1', startedAtMs, config: config() });

describe('runs in the store ([views] 17)', () => {
  it('keeps the config a run started with, exactly, across a reopen', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    const s = openStore(path);
    expect(s.latestRun()).toBeNull();
    const id = s.startRun(start());
    s.close();
    const again = openStore(path);
    const r = again.latestRun()!;
    expect(r).toMatchObject({ id, mode: 'demo', command: 'ladder demo', pid: 4242, host: 'h1', startedAtMs: T0, heartbeatAtMs: T0, endedAtMs: null, feedState: 'running', detail: null, account: null });
    expect(r.config).toEqual(JSON.parse(JSON.stringify(config())));
    expect((r.config as { leverage: number }).leverage).toBe(5);
    again.close();
  });

  it('the newest run is the latest; runs lists newest first', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    const a = s.startRun(start(T0));
    const b = s.startRun({ ...start(T0 + 1000), mode: 'paper', command: 'ladder paper' });
    expect(s.latestRun()?.id).toBe(b);
    expect(s.runs().map((r) => r.id)).toEqual([b, a]);
    s.close();
  });

  it('a heartbeat moves forward only and keeps the last balance read', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    const id = s.startRun(start());
    s.runHeartbeat(id, T0 + 5000, { asset: 'USDT', total: 10_050, free: 9_000, atMs: T0 + 4000 });
    s.runHeartbeat(id, T0 + 3000); // late, without a balance: neither goes back
    expect(s.getRun(id)).toMatchObject({ heartbeatAtMs: T0 + 5000, account: { asset: 'USDT', total: 10_050, free: 9_000, atMs: T0 + 4000 } });
    s.close();
  });

  it('data ended, then a clean stop: the run stays data_ended with its end time', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    const id = s.startRun(start());
    s.runDataEnded(id, T0 + 10, 'the replay ran out at 2026-01-01T00:00:00.000Z');
    s.runDataEnded(id, T0 + 20, 'again'); // nothing changes
    s.endRun(id, T0 + 30, 'stopped');
    expect(s.getRun(id)).toMatchObject({ feedState: 'data_ended', feedStateAtMs: T0 + 10, endedAtMs: T0 + 30, detail: 'the replay ran out at 2026-01-01T00:00:00.000Z' });
    s.endRun(id, T0 + 40, 'failed', 'late'); // only the first end counts
    expect(s.getRun(id)).toMatchObject({ feedState: 'data_ended', endedAtMs: T0 + 30 });
    s.close();
  });

  it('a failure is recorded with its message; heartbeats after the end change nothing', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    const id = s.startRun(start());
    s.endRun(id, T0 + 30, 'failed', 'boom');
    s.runHeartbeat(id, T0 + 99);
    expect(s.getRun(id)).toMatchObject({ feedState: 'failed', endedAtMs: T0 + 30, heartbeatAtMs: T0 + 30, detail: 'boom' });
    s.close();
  });

  it('refuses a mode outside paper/live/demo, and the schema refuses an ended run still running', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    const s = openStore(path);
    expect(() => s.startRun({ ...start(), mode: 'backtest' as never })).toThrow('run mode must be one of paper, live, demo, got backtest');
    const id = s.startRun(start());
    s.close();
    const db = new Database(path);
    expect(() => db.prepare('UPDATE runs SET ended_at_ms = 1 WHERE id = ?').run(id)).toThrow(/CHECK constraint failed/);
    db.close();
  });

  it('runState: a running run whose heartbeat is stale, or whose pid is gone on this host, is not responding', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    const id = s.startRun(start());
    const r = s.getRun(id)!;
    const alive = { host: 'h1', isAlive: () => true };
    expect(runState(r, T0 + 15_000, 15_000, alive)).toBe('running');
    expect(runState(r, T0 + 15_001, 15_000, alive)).toBe('not_responding');
    expect(runState(r, T0 + 1, 15_000, { host: 'h1', isAlive: () => false })).toBe('not_responding');
    expect(runState(r, T0 + 1, 15_000, { host: 'other', isAlive: () => false })).toBe('running'); // cannot check another host
    s.endRun(id, T0 + 5, 'stopped');
    expect(runState(s.getRun(id)!, T0 + 99_999, 15_000, alive)).toBe('stopped');
    s.close();
  });
});
