import { z } from 'zod';
import { type ConfigIssue, dedupe, fromZodIssues } from '../core/config/issues.ts';
import { knownKeysIn } from '../core/config/json-schema.ts';
import { parseJsonText } from '../core/config/parse.ts';
import { MAX_LEVELS } from '../core/config/schema.ts';
import { type Result, err, ok } from '../core/result.ts';

/*
 * The search space of `ladder optimize` (space.json): which ladders to try. One zod schema is the
 * source of the checks and of the committed JSON Schema (space.schema.json, `npm run schema`).
 * Rules across levels (ascending targets, the breakeven offset, liquidation) are not checked here:
 * every candidate is checked as a config (src/core/config/rules.ts) and an invalid one is skipped.
 */

/** Most values one range may expand to: a typo in a step should not make a billion candidates. */
export const MAX_RANGE_VALUES = 1000;

const range = z
  .strictObject({
    min: z.number().describe('Smallest value (included).'),
    max: z.number().describe('Largest value (included when it is min + a whole number of steps).'),
    step: z.number().positive().describe('Distance between two values (> 0).'),
  })
  .refine((r) => r.max >= r.min, { path: ['max'], error: 'must be at least min' })
  .refine((r) => !(r.step > 0) || (r.max - r.min) / r.step < MAX_RANGE_VALUES, { path: ['step'], error: `gives more than ${MAX_RANGE_VALUES} values between min and max` });

const numberSpec = z.union([
  z.number().describe('One fixed value.'),
  z.strictObject({ values: z.array(z.number()).min(1).max(MAX_RANGE_VALUES).describe('The values to try.') }),
  range,
], {
  // A number out of a double's range (1e400: Infinity once parsed) is a number the user wrote: said as such.
  error: (iss) => (typeof iss.input === 'number' ? `must be a number, got ${iss.input} (out of range)` : 'must be a number, { "values": [...] } or { "min", "max", "step" }'),
});

/** The smallest and largest value a spec gives (a range's own bounds). */
const boundsOf = (x: z.output<typeof numberSpec>): [number, number] =>
  typeof x === 'number' ? [x, x] : 'values' in x ? [Math.min(...x.values), Math.max(...x.values)] : [x.min, x.max];

/** The largest value a well-formed spec allows (a range's max bound), or undefined for one with a problem of its own (said by its checks). */
const highestTarget = (x: z.output<typeof numberSpec> | undefined): number | undefined => {
  if (x === undefined || (typeof x === 'object' && ('values' in x ? x.values.length === 0 : !(x.step > 0 && x.max >= x.min)))) return undefined;
  const high = boundsOf(x)[1];
  return Number.isFinite(high) ? high : undefined;
};

/**
 * A spec whose every value must be above `low` (or at least it, `inclusive`): a value no config could
 * take is named here, with its path, not skipped candidate by candidate (the config's own bound).
 */
const specAbove = (low: number, inclusive: boolean) =>
  numberSpec
    .check((ctx) => {
      const [lo] = boundsOf(ctx.value);
      if (inclusive ? lo < low : lo <= low) ctx.issues.push({ code: 'custom', input: ctx.value, message: `every value must be ${inclusive ? 'at least' : 'greater than'} ${low} (got ${lo})` });
    })
    .describe(`A number, { "values": [...] } or { "min", "max", "step" }; every value ${inclusive ? '≥' : '>'} ${low}.`);
const positiveSpec = specAbove(0, false);
const nonNegativeSpec = specAbove(0, true);

const moveStopChoice = z.union(
  [z.enum(['breakeven', 'previous_tp', 'none']), z.strictObject({ profit_pct: z.number().gt(-100).describe('Stop at this % from the entry.') })],
  { error: 'must be "breakeven", "previous_tp", "none" or { "profit_pct": number }' },
);

export const spaceSchema = z
  .strictObject({
    $schema: z.string().optional().describe("Path or URL of this file's JSON Schema, for editors; ignored by Ladder."),
    levels: z
      .array(z.number().int().min(1).max(MAX_LEVELS))
      .min(1)
      .describe(`How many take-profit levels a ladder has: every count listed is tried (1 to ${MAX_LEVELS}).`),
    profit_pct: z
      .array(positiveSpec)
      .min(1)
      .max(MAX_LEVELS)
      .describe("Each level's target distance from the entry in %, one entry per level (index 0 = level 1); as many entries as the largest count in levels."),
    close_pct: z
      .strictObject({
        step: z.number().positive().max(100).describe('Every share is a multiple of this, in % (must divide 100: 5, 10, 12.5, 25, …).'),
        min: z.number().positive().max(100).optional().describe('Smallest share of one level, in % (default: step).'),
      })
      .describe('How the position is split across the levels: every split into multiples of step, each at least min, summing to exactly 100.'),
    move_stop_to: z
      .array(z.array(moveStopChoice).min(1))
      .max(MAX_LEVELS)
      .optional()
      .describe('Where the stop moves when each level fills: a list of choices per level (index 0 = level 1). Default: "breakeven" for level 1, "previous_tp" after.'),
    breakeven_offset_pct: nonNegativeSpec.optional().describe('breakeven_offset_pct values to try (default: the config\'s).'),
    stop_loss_pct: positiveSpec.optional().describe("stop_loss_pct values to try (default: the config's)."),
    scaled_tp_execution: z
      .array(z.enum(['market', 'limit']))
      .min(1)
      .optional()
      .describe('scaled_tp_execution values to try (default: the config\'s).'),
  })
  .superRefine((s, ctx) => {
    // The other lists are measured against the valid level counts only: a count out of bounds (0, 21,
    // 2.5) or none at all is said by levels' own check, and would only make false problems here.
    const counts = s.levels.filter((n) => Number.isInteger(n) && n >= 1 && n <= MAX_LEVELS);
    if (counts.length === 0) return;
    const most = Math.max(...counts);
    if (s.profit_pct.length < most) ctx.addIssue({ code: 'custom', path: ['profit_pct'], message: `needs ${most} entries (levels goes up to ${most}), got ${s.profit_pct.length}` });
    if (s.move_stop_to && s.move_stop_to.length < most) ctx.addIssue({ code: 'custom', path: ['move_stop_to'], message: `needs ${most} entries (levels goes up to ${most}), got ${s.move_stop_to.length}` });
    // An entry past the largest count would never be tried: said, not dropped (levels [2] with three targets meant [2, 3]?).
    for (const key of ['profit_pct', 'move_stop_to'] as const) {
      const n = s[key]?.length ?? 0;
      if (n > most) ctx.addIssue({ code: 'custom', path: [key, most], message: `levels goes up to ${most}, so ${n - most === 1 ? 'this entry (level' : `this entry and the next (levels`} ${most + 1}${n - most === 1 ? '' : `–${n}`}) would never be tried: add ${most + 1} to levels, or remove ${n - most === 1 ? 'it' : 'them'}` });
    }
    // A stop move no ladder could take (refused by the config rules in every ladder that uses it) is
    // named, as a value out of bounds is; a level's choices are used only by ladders with a level after it.
    s.move_stop_to?.forEach((choices, k) => {
      if (k + 1 >= most) return;
      const highest = highestTarget(s.profit_pct[k]);
      choices.forEach((m, i) => {
        if (m === 'previous_tp' && k === 0) {
          ctx.addIssue({ code: 'custom', path: ['move_stop_to', k, i], message: '"previous_tp" is no choice for level 1 (there is no previous target): use "breakeven", "none" or { "profit_pct": x }' });
        } else if (typeof m === 'object' && highest !== undefined && !(m.profit_pct < highest)) {
          ctx.addIssue({ code: 'custom', path: ['move_stop_to', k, i, 'profit_pct'], message: `must be less than level ${k + 1}'s largest profit_pct (${highest}): the stop would sit at or past the price just reached` });
        }
      });
    });
    // A step out of (0, 100] is said by its own check; one that does not divide 100 makes no split to
    // measure a min against (a min left out is that step).
    if (!(s.close_pct.step > 0 && s.close_pct.step <= 100)) return;
    const units = 100 / s.close_pct.step;
    if (Math.abs(units - Math.round(units)) > 1e-9) {
      ctx.addIssue({ code: 'custom', path: ['close_pct', 'step'], message: `must divide 100 (got ${s.close_pct.step})` });
      if (s.close_pct.min === undefined) return;
    }
    const min = s.close_pct.min ?? s.close_pct.step;
    // A share is a multiple of step: a min between two multiples means the next one up (step 10, min 33: 40).
    const shareMin = Number((Math.ceil(min / s.close_pct.step - 1e-9) * s.close_pct.step).toPrecision(12));
    const rounded = shareMin === min ? `${min}` : `${min} (a share is a multiple of step ${s.close_pct.step}, so at least ${shareMin})`;
    for (const n of [...new Set(counts)]) {
      if (n * shareMin > 100 + 1e-9) ctx.addIssue({ code: 'custom', path: ['close_pct', 'min'], message: `${rounded} × ${n} levels is more than 100: no split for ${n} levels` });
    }
  })
  .meta({ title: 'Ladder optimizer search space', description: 'space.json of `ladder optimize`: the ladders to try.' });

export type SearchSpace = z.output<typeof spaceSchema>;
export type NumberSpec = z.output<typeof numberSpec>;
export type MoveStopChoice = z.output<typeof moveStopChoice>;

/** One problem in a space file: its path in `a.b[1]` notation and, from a text, its line and column. */
export type SpaceIssue = ConfigIssue;

/**
 * Parses a space file's text; every problem with its place and path, worded as config.json's are
 * (`profit_pct[1].step: must be greater than 0`, `unknown key (did you mean "profit_pct"?)`): the
 * config parser's machinery, with space.json's own keys. `formatConfigIssues(issues, file)` gives
 * the lines (`space.json:4:37: profit_pct[0].step: …`).
 */
export function parseSpaceText(text: string): Result<SearchSpace, SpaceIssue[]> {
  return parseJsonText(text, (value) => {
    const r = spaceSchema.safeParse(value);
    if (r.success) return ok(r.data);
    return err(dedupe(fromZodIssues(r.error.issues, value, [], { knownKeysAt: (path, v) => knownKeysIn(spaceJsonSchema(), path, v), secrets: false })));
  });
}

let cached: Record<string, unknown> | undefined;

/** JSON Schema (draft 2020-12) of space.json, for editors; committed as space.schema.json. */
export function spaceJsonSchema(): Record<string, unknown> {
  cached ??= z.toJSONSchema(spaceSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return structuredClone(cached);
}

/** The values a number spec stands for, ascending, without float noise (0.1 + 0.2 → 0.3). */
export function specValues(s: NumberSpec): number[] {
  if (typeof s === 'number') return [s];
  if ('values' in s) return [...new Set(s.values)].sort((a, b) => a - b);
  const n = Math.floor((s.max - s.min) / s.step + 1e-9);
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(Number((s.min + i * s.step).toPrecision(12)));
  return out;
}
