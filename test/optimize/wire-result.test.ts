import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CandidateResult } from '../../src/optimize/evaluate.ts';
import type { WindowMetrics } from '../../src/optimize/metrics.ts';
import { fromWire, resultForSpec, specForWorkers, toWire } from '../../src/optimize/wire-result.ts';

const metrics: WindowMetrics = { trades: 3, total_pnl: 12.5, profit_factor: null, sharpe: 1.25, sortino: 2, calmar: null, expectancy_r: 0.5, max_drawdown_pct: 4, win_rate: 66.7, days: 2 };

/** Through Redis: BullMQ stores and hands back a return value as JSON text. */
const viaJson = (r: CandidateResult) => fromWire(JSON.parse(JSON.stringify(toWire(r))));

describe("a queue job's result on the wire", () => {
  it('gives back every daily return bit for bit (NaN, ±∞ and -0 too), the windows in order', () => {
    const window = fc.record({ firstDayMs: fc.integer({ min: 0, max: 2e12 }), returns: fc.array(fc.double(), { maxLength: 60 }), test: fc.boolean() });
    fc.assert(
      fc.property(fc.array(window, { maxLength: 5 }), fc.option(fc.nat(9), { nil: undefined }), (ws, fullRuns) => {
        const r: CandidateResult = {
          windows: ws.map((w) => (w.test ? { metrics, daily: { firstDayMs: w.firstDayMs, returns: w.returns } } : { metrics })),
          ...(fullRuns === undefined ? {} : { fullRuns }),
        };
        const back = viaJson(r);
        expect(back.fullRuns).toBe(r.fullRuns);
        expect(back.windows.length).toBe(r.windows.length);
        back.windows.forEach((w, k) => {
          expect(w.metrics).toEqual(metrics);
          const sent = r.windows[k]!.daily;
          if (sent === undefined) return expect(w.daily).toBeUndefined();
          expect(w.daily!.firstDayMs).toBe(sent.firstDayMs);
          expect(w.daily!.returns.length).toBe(sent.returns.length);
          // Object.is: -0 is not 0 and NaN is NaN (JSON would have made them 0 and null).
          Array.from(sent.returns).forEach((x, i) => expect(Object.is(w.daily!.returns[i], x)).toBe(true));
        });
      }),
    );
  });

  it('is about half the size of the same result as JSON numbers', () => {
    const returns = Array.from({ length: 1500 }, (_, i) => Math.sin(i) / 97);
    const r: CandidateResult = { windows: [{ metrics, daily: { firstDayMs: 0, returns } }] };
    expect(JSON.stringify(toWire(r)).length).toBeLessThan(0.6 * JSON.stringify(r).length);
  });

  it('takes a plain result (a job finished by a worker of an earlier version) as it is', () => {
    const r: CandidateResult = { windows: [{ metrics }, { metrics, daily: { firstDayMs: 86_400_000, returns: [0.01, -0.02] } }], fullRuns: 0 };
    expect(fromWire(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('refuses returns that are not base64 or not a whole number of doubles', () => {
    const bad = { windows: [{ metrics, daily: { firstDayMs: 0, returns64: Buffer.alloc(12).toString('base64') } }] };
    expect(() => fromWire(bad)).toThrow(/12 bytes, not a whole number of doubles/);
    for (const text of ['!!!!AAAAAAAAAAA=', 'AAAAAAAAAAA', 'AAAA AAAAAAA']) {
      expect(() => fromWire({ windows: [{ metrics, daily: { firstDayMs: 0, returns64: text } }] })).toThrow(/not base64/);
    }
  });

  it('a worker packs only for a coordinator that asks (its spec in Redis): an older coordinator gets the plain form, which this one reads too', () => {
    const r: CandidateResult = { windows: [{ metrics, daily: { firstDayMs: 0, returns: [0.5, -0.25] } }], fullRuns: 0 };
    const asked = JSON.parse(JSON.stringify(specForWorkers({ version: 1 })));
    const packed = resultForSpec(asked, r);
    expect(JSON.stringify(packed)).toContain('returns64');
    expect(fromWire(JSON.parse(JSON.stringify(packed)))).toEqual(r);
    const older = resultForSpec({ version: 1 } as { resultFormat?: string }, r);
    expect(older).toBe(r);
    expect(fromWire(JSON.parse(JSON.stringify(older)))).toEqual(r);
  });
});
