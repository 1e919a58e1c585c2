import { describe, expect, it } from 'vitest';
import { Search, countValidLadders } from '../../src/optimize/search.ts';
import { SpaceGrid } from '../../src/optimize/space-grid.ts';
import { defaultConfig, space } from '../support/space.ts';

const config = defaultConfig;

describe('Search: random', () => {
  it('a space whose valid ladders are rare (6 levels from the same 100 targets: ascending about 1 in 720) still gives the --trials asked for, not the few found in 50 draws a trial', () => {
    const r = { min: 0.5, max: 50, step: 0.5 };
    const grid = new SpaceGrid(space({ levels: [6], profit_pct: [r, r, r, r, r, r], close_pct: { step: 10 } }), config);
    const search = new Search(grid, config, 'random', 200, 1, 1);
    const batch = search.next(() => undefined);
    expect(batch).toHaveLength(200);
    expect(new Set(batch!.map((p) => p.candidate.key)).size).toBe(200);
    expect(search.next(() => undefined)).toBeNull();
  });

  it('every value of a space larger than 2^32 ladders can be drawn: 8 levels of 16 targets and 2 stops (2^33 ladders) draw all 16 targets of level 1, by random and by the TPE\'s start', () => {
    // Disjoint ranges, so every ladder ascends: level k's targets are 20k + 1 … 20k + 16.
    const profit_pct = Array.from({ length: 8 }, (_, k) => ({ min: 20 * k + 1, max: 20 * k + 16, step: 1 }));
    const grid = new SpaceGrid(space({ levels: [8], profit_pct, close_pct: { step: 12.5 }, stop_loss_pct: { values: [1, 2] } }), config);
    expect(grid.size).toBe(2 ** 33);
    for (const method of ['random', 'tpe'] as const) {
      // 400 draws: the chance that one of 16 equally likely targets is missing is below 16 × (15/16)^400 ≈ 1e-10.
      const batch = new Search(grid, config, method, method === 'random' ? 400 : 2000, 1, 1).next(() => undefined)!;
      if (method === 'tpe') expect(batch).toHaveLength(20);
      const seen = new Set(batch.map((p) => p.candidate.params!.levels[0]!.profit_pct));
      if (method === 'random') expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      // The TPE's 20 first draws: targets of both parities (a lattice of even indices gave odd targets only).
      else expect(new Set([...seen].map((x) => x % 2)).size).toBe(2);
    }
    // A run stored with the 32-bit draw (spec version 2) keeps it, so it resumes with its own ladders.
    const old = new Search(grid, config, 'random', 400, 1, 1, 'u32').next(() => undefined)!;
    expect(new Set(old.map((p) => p.candidate.params!.levels[0]!.profit_pct % 2))).toEqual(new Set([1]));
  });
});

describe('Search: one ladder once', () => {
  it('a breakeven offset in a ladder with no stop moved to breakeven changes nothing: that ladder is tried once (offset 0), by grid, random and tpe, and counted once', () => {
    // Level 1 moves to breakeven or nowhere; level 2 is the last. 2 targets × (1 + 3 offsets) = 8 ladders, not 12.
    const grid = new SpaceGrid(space({ levels: [2], profit_pct: [1, { values: [2, 3] }], close_pct: { step: 50 }, move_stop_to: [['none', 'breakeven'], ['previous_tp']], breakeven_offset_pct: { values: [0, 0.1, 0.2] } }), config);
    expect(grid.size).toBe(12);
    expect(countValidLadders(grid, config)).toBe(8);
    for (const method of ['grid', 'random', 'tpe'] as const) {
      const search = new Search(grid, config, method, 50, 1, 1);
      const keys: string[] = [];
      for (let b = search.next(() => 0); b !== null; b = search.next(() => 0)) keys.push(...b.map((p) => p.candidate.key));
      expect(keys, method).toHaveLength(8);
      expect(new Set(keys).size, method).toBe(8);
      for (const p of search.proposed) if (!p.candidate.params!.levels.some((l) => l.move_stop_to === 'breakeven')) expect(p.candidate.params!.breakeven_offset_pct).toBe(0);
    }
  });
});
