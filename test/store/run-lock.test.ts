import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError, openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const dbFile = () => join(tempDir('ladder-lock-'), 'ladder.db');
const me = (pid: number) => ({ pid, host: 'host-a', command: 'ladder live', startedAtMs: Date.UTC(2026, 0, 1) });

describe('run lock: one bot per store', () => {
  it('a second holder is refused with a message naming the first; the first may take it again', () => {
    const path = dbFile();
    const a = openStore(path, { isAlive: () => true });
    const b = openStore(path, { isAlive: () => true });
    expect(a.acquireRunLock(me(100))).toEqual({ tookOverFrom: null });
    expect(() => b.acquireRunLock(me(200))).toThrow(StoreError);
    expect(() => b.acquireRunLock(me(200))).toThrow('this store is in use by ladder live (pid 100 on host-a, since 2026-01-01T00:00:00.000Z)');
    expect(a.acquireRunLock(me(100))).toEqual({ tookOverFrom: null });
    a.releaseRunLock(me(100));
    expect(b.acquireRunLock(me(200))).toEqual({ tookOverFrom: null });
    expect(b.runLockHolder()?.pid).toBe(200);
    a.close();
    b.close();
  });

  it('a lock whose process is gone (killed) is taken over, and says whose it was', () => {
    const path = dbFile();
    const a = openStore(path, { isAlive: () => true });
    a.acquireRunLock(me(100));
    a.close(); // killed: the lock stays behind
    const b = openStore(path, { isAlive: (pid) => pid !== 100 });
    expect(b.acquireRunLock(me(200)).tookOverFrom?.pid).toBe(100);
    b.close();
  });

  it('a lock of another host cannot be checked: refused', () => {
    const path = dbFile();
    const a = openStore(path, { isAlive: () => false });
    a.acquireRunLock({ ...me(100), host: 'host-b' });
    expect(() => a.acquireRunLock(me(200))).toThrow(/pid 100 on host-b/);
    a.close();
  });

  it('release only drops our own lock', () => {
    const path = dbFile();
    const a = openStore(path, { isAlive: () => true });
    a.acquireRunLock(me(100));
    a.releaseRunLock(me(999));
    expect(a.runLockHolder()?.pid).toBe(100);
    a.close();
  });
});
