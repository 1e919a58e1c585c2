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
