import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('ladder demo (what npm start runs)', () => {
  it('opens positions, fills levels and climbs the stop within seconds, offline and without keys, then stops cleanly', async () => {
    const r = await new Promise<{ code: number; out: string; err: string }>((done) =>
      execFile('node', ['bin/ladder.js', 'demo', '--duration', '15'], { cwd: ROOT, env: { ...process.env, LADDER_API_KEY: '', LADDER_API_SECRET: '' } }, (e, out, err) =>
        done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
      ),
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/(LONG|SHORT) +at .* ladder TP1/);
    expect(r.out).toMatch(/✓ TP1 filled/);
    expect(r.out).toMatch(/↑ stop .* → .* \(breakeven\)/);
    expect(r.out).toMatch(/demo stopped: simulator closed, store closed/);
  }, 60_000);
});
