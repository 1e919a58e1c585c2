import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openOptimizeRuns } from '../../src/store/optimize-runs.ts';
import { tempDir } from '../support/temp-dir.ts';

const result = { windows: [{ metrics: { trades: 31, total_pnl: 12.5 }, daily: { firstDayMs: 0, returns: [0.01, -0.002] } }] };

describe("the optimizer's database (ladder optimize --db)", () => {
  it('a stored row that cannot be read back (hand-edited, cut short) is named, with how to have it evaluated again', () => {
    const path = join(tempDir('ladder-optimize-runs-'), 'opt.db');
    const runs = openOptimizeRuns(path);
    runs.createRun('ab12cd34', { version: 3 }, 1);
    runs.saveResult('ab12cd34', { key: 'single', seq: 0, origin: 'reference', result }, 2);
    runs.saveResult('ab12cd34', { key: '{"levels":[]}', seq: 1, origin: 'search', result }, 3);
    const read = () => {
      const keys: string[] = [];
      runs.eachResult('ab12cd34', (r) => keys.push(r.key));
      return keys;
    };
    expect(read()).toEqual(['single', '{"levels":[]}']);

    const d = new Database(path);
    const damage = (sql: string) => d.prepare(`UPDATE optimize_results SET result = ${sql} WHERE seq = 1`).run();
    const named =
      `${path}: run ab12cd34: the stored result of candidate 1 cannot be read back (hand-edited or damaged): remove it and resume, which evaluates it again: ` +
      `sqlite3 ${path} "DELETE FROM optimize_results WHERE run_id = 'ab12cd34' AND seq = 1"`;
    for (const bad of ["substr(result, 1, 40)", "'null'", "'{}'", `'{"windows":[null]}'`, `'{"windows":[{"daily":null}]}'`]) {
      damage(bad);
      expect(read, bad).toThrow(named);
    }

    d.prepare('UPDATE optimize_runs SET spec = substr(spec, 1, 5)').run();
    expect(() => runs.getRun('ab12cd34')).toThrow(`${path}: run ab12cd34: its stored options cannot be read back (hand-edited or damaged): start a new run`);
    d.close();
    runs.close();
  });

  it('a database another program holds locked is named when the run is taken, not with SQLite\'s bare "database is locked"', () => {
    const path = join(tempDir('ladder-optimize-runs-'), 'opt.db');
    const runs = openOptimizeRuns(path);
    runs.createRun('ab12cd34', { version: 3 }, 1);
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      expect(() => runs.lockRun('ab12cd34', { pid: 1, host: 'h', startedAtMs: 0 })).toThrow(
        `${path}: the optimizer database is locked by another program (SQLite: database is locked): end what holds it (an sqlite3 shell or a database browser in a transaction), then try again`,
      );
    } finally {
      holder.exec('COMMIT');
      holder.close();
      runs.close();
    }
  }, 20_000);
});
