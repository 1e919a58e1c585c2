import { describe, expect, it } from 'vitest';
import { SymbolReplay } from '../../../src/optimize/replay/symbol-replay.ts';

/** The tally a replay hands the core (private: read here for its shape only). */
const tallyOf = (r: SymbolReplay): object => (r as unknown as { tally: object }).tally;

describe("a replay's fill tally", () => {
  it('has its `realized` accessors on its class, shared by every replay, not as own properties of each tally', () => {
    // The core adds every fill's PnL with `tally.realized += pnl`. An accessor pair that is an object's
    // own property (an object literal with get/set) is not a constant V8 can inline: each fill then
    // takes the generic accessor path (~100 ns against ~3 ns, Node 20). The replay of the ten 1h files
    // ran 0.83-0.84x as long with the class (bench/ab-replay.ts).
    const [a, b] = [tallyOf(new SymbolReplay()), tallyOf(new SymbolReplay())];
    expect(Object.getOwnPropertyDescriptor(a, 'realized')).toBeUndefined();
    const proto = Object.getPrototypeOf(a) as object;
    expect(Object.getPrototypeOf(b)).toBe(proto);
    const d = Object.getOwnPropertyDescriptor(proto, 'realized');
    expect(typeof d?.get).toBe('function');
    expect(typeof d?.set).toBe('function');
    expect((a as { realized: number }).realized).toBe(0);
  });
});
