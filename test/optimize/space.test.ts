import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatConfigIssues } from '../../src/core/config/index.ts';
import { ladderCandidate, ladderKey } from '../../src/optimize/candidate.ts';
import { probeSpace } from '../../src/optimize/search.ts';
import { parseSpaceText, specValues } from '../../src/optimize/space.ts';
import { SpaceGrid, compositions, unrankComposition } from '../../src/optimize/space-grid.ts';
import { defaultConfig, space } from '../support/space.ts';

const config = defaultConfig;

describe('space.json', () => {
  it('the shipped example parses', () => {
    const r = parseSpaceText(readFileSync(new URL('../../examples/ladder-space.json', import.meta.url), 'utf8'));
    expect(r.ok).toBe(true);
  });

  it('names the field of every problem', () => {
    const r = parseSpaceText(JSON.stringify({ levels: [3], profit_pct: [{ min: 1, max: 0, step: 0.5 }, 2], close_pct: { step: 30 }, colour: 'red' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.error.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toContain('profit_pct[0].max: must be at least min');
    expect(lines).toContainEqual(expect.stringMatching(/^profit_pct: needs 3 entries/));
    expect(lines).toContain('close_pct.step: must divide 100 (got 30)');
    expect(lines).toContainEqual(expect.stringMatching(/colour/));
  });

  it('a close_pct min between two multiples of step counts as the next multiple: a level count with no split is named, not left out of the run', () => {
    // step 10, min 33: a share is 40 at least, so 3 levels cannot make 100 (33 × 3 = 99 would).
    const r = parseSpaceText(JSON.stringify({ levels: [2, 3, 3], profit_pct: [1, 2, 3], close_pct: { step: 10, min: 33 } }));
    expect(r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'close_pct.min: 33 (a share is a multiple of step 10, so at least 40) × 3 levels is more than 100: no split for 3 levels',
    ]);
    // A min on a multiple, or rounding up to one that still fits, is fine.
    for (const close_pct of [{ step: 10, min: 30 }, { step: 10, min: 25 }, { step: 12.5, min: 20 }]) expect(parseSpaceText(JSON.stringify({ levels: [3], profit_pct: [1, 2, 3], close_pct })).ok).toBe(true);
  });

  it('an entry of profit_pct or move_stop_to past the largest level count is named (it was dropped without a word: levels [2] with three targets never tried the third)', () => {
    const r = parseSpaceText(JSON.stringify({ levels: [2], profit_pct: [1, 2, 3], close_pct: { step: 50 }, move_stop_to: [['breakeven'], ['previous_tp'], ['previous_tp'], ['none']] }));
    expect(r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'profit_pct[2]: levels goes up to 2, so this entry (level 3) would never be tried: add 3 to levels, or remove it',
      'move_stop_to[2]: levels goes up to 2, so this entry and the next (levels 3–4) would never be tried: add 3 to levels, or remove them',
    ]);
    expect(parseSpaceText(JSON.stringify({ levels: [2, 3], profit_pct: [1, 2, 3], close_pct: { step: 25 } })).ok).toBe(true);
  });

  it('a number too large for a double (1e400 is Infinity in JSON.parse) is said as such wherever it is, not as "must be a number": the user wrote one', () => {
    const r = parseSpaceText('{ "levels": [2], "profit_pct": [1e400, 2], "close_pct": { "step": 50 }, "stop_loss_pct": 1e400, "breakeven_offset_pct": { "values": [1e400] } }');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'profit_pct[0]: must be a number, got Infinity (out of range)',
      'stop_loss_pct: must be a number, got Infinity (out of range)',
      'breakeven_offset_pct.values[0]: must be a number, got Infinity (out of range)',
    ]);
  });

  it('a step of 0 (or below) is one problem, said once: not also "more than 1000 values"', () => {
    for (const step of [0, -0.5]) {
      const r = parseSpaceText(JSON.stringify({ levels: [1], profit_pct: [{ min: 1, max: 2, step }], close_pct: { step: 10 } }));
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.map((i) => `${i.path}: ${i.message}`)).toEqual(['profit_pct[0].step: must be greater than 0']);
    }
    // A real step too small for the range is still refused, as before.
    const tiny = parseSpaceText(JSON.stringify({ levels: [1], profit_pct: [{ min: 1, max: 2, step: 0.0001 }], close_pct: { step: 10 } }));
    expect(tiny.ok ? [] : tiny.error.map((i) => i.message)).toEqual(['gives more than 1000 values between min and max']);
  });

  it('an empty levels list is one problem, said once: not also entries "past level -Infinity"', () => {
    const r = parseSpaceText(JSON.stringify({ levels: [], profit_pct: [1, 2], close_pct: { step: 10 }, move_stop_to: [['breakeven']] }));
    expect(r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`)).toEqual(['levels: must have at least 1 entry']);
  });

  it('a level count out of bounds (0, 21, 2.5) is one problem, its own: the other lists are not measured against it ("add 1 to levels", "needs 21 entries", "no split for 21 levels")', () => {
    for (const [levels, problem] of [
      [[0], 'levels[0]: must be at least 1'],
      [[21], 'levels[0]: must be at most 20'],
      [[2.5], 'levels[0]: must be an integer, got 2.5'],
    ] as const) {
      const r = parseSpaceText(JSON.stringify({ levels, profit_pct: [1, 2], close_pct: { step: 10 } }));
      expect(r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`), JSON.stringify(levels)).toEqual([problem]);
    }
    // Beside a valid count, the lists are still measured against the valid ones.
    const r = parseSpaceText(JSON.stringify({ levels: [0, 3], profit_pct: [1, 2], close_pct: { step: 10 } }));
    expect(r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`)).toEqual(['levels[0]: must be at least 1', 'profit_pct: needs 3 entries (levels goes up to 3), got 2']);
  });

  it('a close_pct step out of bounds, or one that does not divide 100, is one problem: no split is measured against a min it only implies ("200 × 3 levels is more than 100")', () => {
    for (const [step, problem] of [
      [200, 'close_pct.step: must be at most 100'],
      [60, 'close_pct.step: must divide 100 (got 60)'],
    ] as const) {
      const r = parseSpaceText(JSON.stringify({ levels: [2, 3], profit_pct: [1, 2, 3], close_pct: { step } }));
      expect(r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`), String(step)).toEqual([problem]);
    }
    // A min given beside a step that does not divide 100 is still measured (it is the user's own).
    const r = parseSpaceText(JSON.stringify({ levels: [3], profit_pct: [1, 2, 3], close_pct: { step: 30, min: 40 } }));
    expect(r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`)).toEqual(['close_pct.step: must divide 100 (got 30)', 'close_pct.min: 40 (a share is a multiple of step 30, so at least 60) × 3 levels is more than 100: no split for 3 levels']);
  });

  it('a value no config could take is named with its path: targets and stops > 0, the breakeven offset ≥ 0, in every form of a spec', () => {
    const r = parseSpaceText(
      JSON.stringify({ levels: [2], profit_pct: [{ min: -1, max: 2, step: 0.5 }, 0], close_pct: { step: 10 }, stop_loss_pct: { values: [2, -1] }, breakeven_offset_pct: { min: -0.1, max: 0.1, step: 0.1 } }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'profit_pct[0]: every value must be greater than 0 (got -1)',
      'profit_pct[1]: every value must be greater than 0 (got 0)',
      // In file order, as config.json's problems are.
      'stop_loss_pct: every value must be greater than 0 (got -1)',
      'breakeven_offset_pct: every value must be at least 0 (got -0.1)',
    ]);
    expect(parseSpaceText(JSON.stringify({ levels: [2], profit_pct: [0.5, 1], close_pct: { step: 10 }, stop_loss_pct: 1, breakeven_offset_pct: { values: [0, 0.1] } })).ok).toBe(true);
  });

  it('a move_stop_to choice no ladder could take is named with its path: "previous_tp" on level 1, { profit_pct } at or past every target of its level', () => {
    const r = parseSpaceText(
      JSON.stringify({
        levels: [1, 3],
        profit_pct: [{ values: [1, 1.5] }, 2, 3],
        close_pct: { step: 10 },
        move_stop_to: [['breakeven', 'previous_tp'], [{ profit_pct: 0.5 }, { profit_pct: 2 }, 'previous_tp'], [{ profit_pct: 9 }]],
      }),
    );
    expect(r.ok ? [] : r.error.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'move_stop_to[0][1]: "previous_tp" is no choice for level 1 (there is no previous target): use "breakeven", "none" or { "profit_pct": x }',
      "move_stop_to[1][1].profit_pct: must be less than level 2's largest profit_pct (2): the stop would sit at or past the price just reached",
    ]);
    // A choice some ladder can take stays a choice (the others are skipped as invalid configs), and a level-1 "previous_tp" of a space whose ladders have one level only is never used.
    expect(parseSpaceText(JSON.stringify({ levels: [2], profit_pct: [{ values: [1, 3] }, 4], close_pct: { step: 10 }, move_stop_to: [[{ profit_pct: 2 }], ['none']] })).ok).toBe(true);
    expect(parseSpaceText(JSON.stringify({ levels: [1], profit_pct: [1], close_pct: { step: 10 }, move_stop_to: [['previous_tp']] })).ok).toBe(true);
    // A level whose targets have a problem of their own is not measured against (no "less than -Infinity").
    for (const bad of [{ values: [] }, { min: 3, max: 1, step: 1 }, { min: 1, max: 3, step: 0 }]) {
      const r2 = parseSpaceText(JSON.stringify({ levels: [3], profit_pct: [1, bad, 5], close_pct: { step: 10 }, move_stop_to: [['breakeven'], [{ profit_pct: 2 }], ['none']] }));
      expect(r2.ok ? [] : r2.error.map((i) => i.path), JSON.stringify(bad)).not.toContain('move_stop_to[1][0].profit_pct');
    }
  });

  it('every problem at its line and column, worded as config.json\'s (bounds, integers, unknown keys with a guess), through the config parser', () => {
    const text = ['{', '  "levels": [2, 2.5, 21],', '  "profit_pct": [', '    { "min": 1, "max": 2, "step": 0 },', '    3', '  ],', '  "profit_pcts": [1],', '  "close_pct": { "step": 50, "max": 3 },', '  "close_pct": { "step": 50 }', '}'].join('\n');
    const r = parseSpaceText(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatConfigIssues(r.error, 'space.json')).toEqual([
      'space.json:2:17: levels[1]: must be an integer, got 2.5',
      'space.json:2:22: levels[2]: must be at most 20',
      'space.json:4:35: profit_pct[0].step: must be greater than 0',
      'space.json:7:3: profit_pcts: unknown key (did you mean "profit_pct"?)',
      'space.json:9:3: close_pct: duplicate key: JSON keeps only the last one',
    ]);
    const root = parseSpaceText('[1, 2]');
    expect(!root.ok && formatConfigIssues(root.error, 'space.json')).toEqual(['space.json:1:1: must be an object, got an array']);
    const nested = parseSpaceText('{ "levels": [1], "profit_pct": [1],\n  "close_pct": { "step": 50, "max": 3 } }');
    expect(!nested.ok && formatConfigIssues(nested.error, 'space.json')).toEqual(['space.json:2:30: close_pct.max: unknown key (allowed: step, min)']);
    // A key named like a secret is only a secret in config.json.
    const token = parseSpaceText('{ "levels": [1], "profit_pct": [1], "close_pct": { "step": 50 }, "token": 1 }');
    expect(!token.ok && token.error[0]!.message).toMatch(/^unknown key/);
  });

  it('reports malformed JSON', () => {
    const r = parseSpaceText('{ "levels": [2,');
    expect(!r.ok && r.error[0]!.message).toMatch(/^malformed JSON/);
  });

  it('expands ranges without float noise', () => {
    expect(specValues({ min: 0.1, max: 0.5, step: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(specValues({ values: [3, 1, 3] })).toEqual([1, 3]);
    expect(specValues(2)).toEqual([2]);
  });
});

describe('the grid of a space', () => {
  it('splits sum to exactly 100: 10 % steps, at least 20 %, 3 levels → C(6, 2) = 15 splits', () => {
    expect(compositions(3, 10 - 3 * 2)).toBe(15);
    const g = new SpaceGrid(space({ levels: [3], profit_pct: [1, 2, 3], close_pct: { step: 10, min: 20 } }), config);
    expect(g.splitCount(3)).toBe(15);
    expect(g.size).toBe(15);
    const seen = new Set<string>();
    for (let i = 0; i < g.size; i++) {
      const p = g.paramsAt(i);
      expect(p.levels.reduce((a, l) => a + l.close_pct, 0)).toBe(100);
      for (const l of p.levels) expect(l.close_pct).toBeGreaterThanOrEqual(20);
      seen.add(p.levels.map((l) => l.close_pct).join('/'));
    }
    expect(seen.size).toBe(15);
  });

  it('unranks compositions in lexicographic order', () => {
    expect([0, 1, 2, 3, 4, 5].map((r) => unrankComposition(r, 3, 2).join(''))).toEqual(['002', '011', '020', '101', '110', '200']);
  });

  it('every index round-trips through its vector, and the size is the sum over level counts', () => {
    const g = new SpaceGrid(
      space({ levels: [1, 2], profit_pct: [{ values: [1, 2] }, { values: [2, 3, 4] }], close_pct: { step: 25 }, move_stop_to: [['breakeven', 'none'], ['previous_tp']], stop_loss_pct: { values: [1, 2] } }),
      config,
    );
    // 1 level: 2 targets × 1 split × 2 stops = 4 (the last level's stop move is no choice); 2 levels: 2·3 targets × 3 splits × 2 moves × 2 stops = 72.
    expect(g.size).toBe(76);
    for (let i = 0; i < g.size; i++) expect(g.indexOf(g.vectorAt(i))).toBe(i);
  });

  it('a move_stop_to choice listed twice is one choice: every ladder of the grid is a distinct ladder (none evaluated twice)', () => {
    const g = new SpaceGrid(
      space({ levels: [2], profit_pct: [1, { values: [2, 3] }], close_pct: { step: 50 }, move_stop_to: [['breakeven', 'breakeven', 'none'], [{ profit_pct: 0.5 }, { profit_pct: 0.5 }]] }),
      config,
    );
    // 2 targets × 2 distinct moves for level 1 × 1 for level 2.
    expect(g.size).toBe(4);
    const keys = Array.from({ length: g.size }, (_, i) => ladderKey(g.paramsAt(i)));
    expect(new Set(keys).size).toBe(4);
  });

  it("the last level's stop move is no choice (it closes what remains, its stop never moves): no two ladders of the grid differ only in it, and it is none", () => {
    const g = new SpaceGrid(space({ levels: [2, 3], profit_pct: [1, 2, { values: [3, 4] }], close_pct: { step: 25 }, move_stop_to: [['breakeven', 'none'], ['previous_tp', 'breakeven'], ['previous_tp', { profit_pct: 1 }]] }), config);
    // 2 levels: 3 splits × 2 moves of level 1; 3 levels: 2 targets × 3 splits × 2 × 2 moves of levels 1 and 2.
    expect(g.size).toBe(6 + 24);
    const behaviour = new Set<string>();
    for (let i = 0; i < g.size; i++) {
      const p = g.paramsAt(i);
      expect(p.levels.at(-1)!.move_stop_to).toBe('none');
      behaviour.add(ladderKey({ ...p, levels: p.levels.slice(0, -1).concat({ ...p.levels.at(-1)!, move_stop_to: 'previous_tp' }) }));
      expect(g.indexOf(g.vectorAt(i))).toBe(i);
    }
    expect(behaviour.size).toBe(g.size);
  });

  it('a candidate that breaks a config rule is refused with the reason, and equal ladders have equal keys', () => {
    const g = new SpaceGrid(space({ levels: [2], profit_pct: [{ values: [1, 3] }, { values: [2] }], close_pct: { step: 50 } }), config);
    const results = [0, 1].map((i) => ladderCandidate(config, g.paramsAt(i)));
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(1);
    expect(!refused[0]!.ok && refused[0]!.error.why).toBe('scaled_tp_levels[k].profit_pct: must be greater than the level before it');
    const ok = results.find((r) => r.ok)!;
    expect(ok.ok && ok.value.key).toBe(ladderKey(g.paramsAt(0)));
    expect(ok.ok && ok.value.settings.levels.map((l) => l.profitPct)).toEqual([1, 2]);
  });
  it('probeSpace: a grid checked whole when small, else drawn from; found at the first valid ladder, else every reason counted', () => {
    const none = new SpaceGrid(space({ levels: [2], profit_pct: [{ values: [3, 4] }, { values: [1, 2] }], close_pct: { step: 50 } }), config);
    const p = probeSpace(none, config, 1);
    expect(p).toMatchObject({ found: false, tried: none.size, exhaustive: true });
    expect([...p.invalid.values()].reduce((a, b) => a + b, 0)).toBe(none.size);
    const drawn = probeSpace(none, config, 1, 3);
    expect(drawn).toMatchObject({ found: false, tried: 3, exhaustive: false });
    // One valid ladder among the invalid: found, whether checked in order or drawn.
    const one = new SpaceGrid(space({ levels: [2], profit_pct: [{ values: [1, 3, 4] }, { values: [2] }], close_pct: { step: 50 } }), config);
    expect(probeSpace(one, config, 1).found).toBe(true);
    expect(probeSpace(one, config, 1, 2).exhaustive).toBe(false);
    // Checked whole when asked for every ladder (--method grid): a rare valid ladder is always found.
    expect(probeSpace(one, config, 7, one.size)).toMatchObject({ found: true, exhaustive: true });
  });
});
