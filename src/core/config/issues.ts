import type { z } from 'zod';
import { knownKeysAt } from './json-schema.ts';
import { type PathSegment, formatPath, valueAt } from './path.ts';

/** One problem in a config file. `path` uses `a.b[1].c` notation, `''` for the whole file. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  /** 1-based position in the file, when the issue came from a text. */
  readonly line?: number;
  readonly column?: number;
}

/** An issue still holding its path as segments; `atKey` points it at the key rather than the value. */
export interface RawIssue {
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly atKey?: boolean;
}

type ZodIssue = z.core.$ZodIssue;

export const SECRET_KEY_MESSAGE =
  'secrets are never config keys: API keys come from LADDER_API_KEY and LADDER_API_SECRET in the environment or .env';

/** api_key, apiKey, API-SECRET, secret, password, private_key, token, passphrase, … */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return k === 'key' || k === 'token' || /secret|passw|passphrase|apikey|privatekey|accesskey|apitoken/.test(k);
}

/** Which file's keys an unknown key is compared with: config.json's by default. */
export interface KeyRules {
  /** The keys an object at this path may have (for "did you mean"). */
  readonly knownKeysAt: (path: readonly PathSegment[], value: unknown) => string[];
  /** Whether a key named like a secret gets the secrets message (config.json). */
  readonly secrets: boolean;
}

const CONFIG_KEYS: KeyRules = { knownKeysAt, secrets: true };

/** Turns zod's issues into messages that say what to write, with the offending key in the path. */
export function fromZodIssues(issues: readonly ZodIssue[], input: unknown, prefix: readonly PathSegment[] = [], keys: KeyRules = CONFIG_KEYS): RawIssue[] {
  return withoutSafeIntegerBounds(issues).flatMap((issue) => fromZodIssue(issue, input, [...prefix, ...(issue.path as PathSegment[])], keys));
}

/** ±(2^53 − 1): the range zod's `.int()` adds to every integer key. */
const isSafeIntegerBound = (i: ZodIssue): boolean =>
  (i.code === 'too_big' && Number(i.maximum) === Number.MAX_SAFE_INTEGER) || (i.code === 'too_small' && Number(i.minimum) === Number.MIN_SAFE_INTEGER);

/** `.int()`'s own range, when the key's bound on the same side says it too (1e308 → "at most 1000" only). */
function withoutSafeIntegerBounds(issues: readonly ZodIssue[]): readonly ZodIssue[] {
  const samePath = (a: ZodIssue, b: ZodIssue): boolean => a.path.length === b.path.length && a.path.every((s, k) => s === b.path[k]);
  return issues.filter((i) => !isSafeIntegerBound(i) || !issues.some((o) => o !== i && o.code === i.code && samePath(o, i)));
}

function fromZodIssue(issue: ZodIssue, input: unknown, path: PathSegment[], keys: KeyRules): RawIssue[] {
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return [{ path, message: 'is required' }];
      return [{ path, message: `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(value)}` }];
    case 'too_small':
      return [{ path, message: boundMessage(issue.origin, issue.minimum, issue.inclusive ?? false, 'min') }];
    case 'too_big':
      return [{ path, message: boundMessage(issue.origin, issue.maximum, issue.inclusive ?? false, 'max') }];
    case 'invalid_value':
      return [{ path, message: oneOf(issue.values, value) }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(path, value, key, keys), atKey: true }));
    case 'invalid_union': {
      if ('options' in issue && issue.options !== undefined) return [{ path, message: oneOf(issue.options, value) }];
      // The branch that got past the top-level type check is the one the author meant.
      const inner = issue.errors.filter((branch) => branch.every((i) => i.path.length > 0));
      const only = inner.length === 1 ? inner[0] : undefined;
      return only === undefined ? [{ path, message: issue.message }] : fromZodIssues(only, input, path, keys);
    }
    case 'invalid_format':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return [{ path, message: issue.message }];
    default:
      return [{ path, message: (issue as { message: string }).message }];
  }
}

const EXPECTED: Partial<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `${v} (out of range)`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  return typeof v;
}

function boundMessage(origin: string, bound: number | bigint, inclusive: boolean, side: 'min' | 'max'): string {
  const n = Number(bound);
  if (origin === 'array') {
    const levels = `${n} ${n === 1 ? 'entry' : 'entries'}`;
    return side === 'min' ? `must have at least ${levels}` : `must have at most ${levels}`;
  }
  if (origin === 'string') return side === 'min' && n === 1 ? 'must not be empty' : `must have ${side === 'min' ? 'at least' : 'at most'} ${n} characters`;
  const shown = showBound(n);
  if (side === 'min') return inclusive ? `must be at least ${shown}` : `must be greater than ${shown}`;
  return inclusive ? `must be at most ${shown}` : `must be less than ${shown}`;
}

/** A bound as a reader counts it: 1e9 rather than 1000000000. */
function showBound(n: number): string {
  const exp = n.toExponential(); // "1e+9", "2.5e+3"
  return Math.abs(n) >= 1e6 && /^-?1e\+\d+$/.test(exp) ? exp.replace('e+', 'e') : String(n);
}

function oneOf(values: readonly unknown[], value: unknown): string {
  const list = values.map((v) => JSON.stringify(v)).join(', ');
  if (value === undefined) return `is required: one of ${list}`;
  return values.length === 1 ? `must be ${list}` : `must be one of ${list}`;
}

function unknownKeyMessage(objectPath: readonly PathSegment[], object: unknown, key: string, keys: KeyRules): string {
  if (keys.secrets && isSecretKey(key)) return SECRET_KEY_MESSAGE;
  const known = keys.knownKeysAt(objectPath, object).filter((k) => k !== '$schema' && k !== key);
  const guess = closestKey(key, known);
  if (guess !== undefined) return `unknown key (did you mean "${guess}"?)`;
  if (known.length > 0 && known.length <= 6) return `unknown key (allowed: ${known.join(', ')})`;
  return 'unknown key';
}

/** The known key a typo most likely meant: same letters ignoring case and separators, or ≤ 2 edits. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const same = known.find((k) => norm(k) === norm(key));
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = key.length > 4 ? 3 : 2;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** Drops repeats (a rule may be found both by the schema's refinement and on the raw file). */
export function dedupe(issues: readonly RawIssue[]): RawIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${formatPath(i.path)}\u0000${i.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * One line per issue, ready for stderr: `config.json: scaled_tp_levels[1].profit_pct: must be …`,
 * or with the place in the file, `config.json:7:21: scaled_tp_levels[1].profit_pct: must be …`.
 */
export function formatConfigIssues(issues: readonly ConfigIssue[], source: string): string[] {
  return issues.map((i) => {
    const where = i.line === undefined ? source : `${source}:${i.line}:${i.column ?? 1}`;
    return i.path === '' ? `${where}: ${i.message}` : `${where}: ${i.path}: ${i.message}`;
  });
}
