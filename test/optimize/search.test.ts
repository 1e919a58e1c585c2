import { describe, expect, it } from 'vitest';
import { Search } from '../../src/optimize/search.ts';
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
