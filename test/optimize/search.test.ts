import { describe, expect, it } from 'vitest';
import { parseConfigValue } from '../../src/core/config/index.ts';
import { Search } from '../../src/optimize/search.ts';
import { parseSpaceText } from '../../src/optimize/space.ts';
import { SpaceGrid } from '../../src/optimize/space-grid.ts';

const config = (() => {
  const r = parseConfigValue({}, 'default');
  if (!r.ok) throw new Error('default config');
  return r.value;
})();
const space = (o: object) => {
  const r = parseSpaceText(JSON.stringify(o));
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

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
