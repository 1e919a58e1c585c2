import { type Result, err, ok } from '../result.ts';
import { type ConfigIssue, type RawIssue, dedupe, fromZodIssues } from './issues.ts';
import { type Span, positionAt, scanJson } from './json-text.ts';
import { formatPath } from './path.ts';
import { crossFieldIssues } from './rules.ts';
import { type LadderConfig, configShapeSchema } from './schema.ts';

/**
 * Validates a config object (already parsed from JSON). Every problem is reported at once: the
 * structural parse and the cross-field rules run independently, because zod skips refinements once
 * the shape is wrong. Issue paths are relative to the file; `formatConfigIssues(issues, source)`
 * puts the file name in front.
 */
export function parseConfigValue(value: unknown, _source: string): Result<LadderConfig, ConfigIssue[]> {
  const r = check(value);
  if (r.ok) return r;
  return err(r.error.map((i) => ({ path: formatPath(i.path), message: i.message })));
}

/**
 * Parses and validates the text of a config file. Malformed JSON gives one issue with the line and
 * column of the error; other issues carry the line and column of the key or value they are about.
 * Issues come in file order.
 */
export function parseConfigText(text: string, _source: string): Result<LadderConfig, ConfigIssue[]> {
  return parseJsonText(text, check);
}

/**
 * Parses a JSON text and checks its value with `check`; every problem placed at the line and column
 * of the key or value it is about (a duplicate key is one too), in file order. Malformed JSON gives
 * one issue at the error's place. Any JSON file of Ladder can use it (space.json does).
 */
export function parseJsonText<T>(text: string, check: (value: unknown) => Result<T, RawIssue[]>): Result<T, ConfigIssue[]> {
  // A byte-order mark is an editor artefact, not an error; editors do not count it as a column.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return err([malformedJson(body, e instanceof Error ? e.message : String(e))]);
  }
  const scan = scanJson(body);
  const duplicates: RawIssue[] = scan.ok
    ? scan.duplicates.map((d) => ({ path: d.path, message: 'duplicate key: JSON keeps only the last one', atKey: true }))
    : [];
  const r = check(value);
  const issues = [...duplicates, ...(r.ok ? [] : r.error)];
  if (issues.length === 0 && r.ok) return r;

  const spans = scan.ok ? scan.spans : new Map<string, Span>();
  const placed = issues.map((i, order) => {
    const offset = offsetOf(i, spans);
    const pos = offset === undefined ? undefined : positionAt(body, offset);
    return { order, offset: offset ?? 0, issue: { path: formatPath(i.path), message: i.message, ...pos } };
  });
  placed.sort((a, b) => a.offset - b.offset || a.order - b.order);
  return err(placed.map((p) => p.issue));
}

/**
 * A JSON text that sets some config keys over `base` (a ladder file of `compare`), checked as the
 * config it makes: every problem at its line and column in this text. `keys` checks the text's own
 * object first (which keys it may set) and returns the keys to lay over `base`.
 */
export function parseConfigOverlayText(
  text: string,
  base: Readonly<Record<string, unknown>>,
  keys: (value: unknown) => Result<Record<string, unknown>, RawIssue[]>,
): Result<LadderConfig, ConfigIssue[]> {
  return parseJsonText(text, (value) => {
    const own = keys(value);
    return own.ok ? check({ ...base, ...own.value }) : own;
  });
}

function check(value: unknown): Result<LadderConfig, RawIssue[]> {
  const parsed = configShapeSchema.safeParse(value);
  const rules = crossFieldIssues(value);
  if (parsed.success && rules.length === 0) {
    const { $schema: _schema, ...config } = parsed.data;
    return ok(config);
  }
  return err(dedupe([...(parsed.success ? [] : fromZodIssues(parsed.error.issues, value)), ...rules]));
}

/** The key (or value) the issue is about, else its nearest enclosing value that is in the file. */
function offsetOf(issue: RawIssue, spans: ReadonlyMap<string, Span>): number | undefined {
  for (let n = issue.path.length; n >= 0; n--) {
    const span = spans.get(formatPath(issue.path.slice(0, n)));
    if (span === undefined) continue;
    return n === issue.path.length && issue.atKey === true ? (span.keyOffset ?? span.valueOffset) : span.valueOffset;
  }
  return undefined;
}

/**
 * One issue at the error's place. JSON.parse's own message and position are used when it gives a
 * position; some of its messages have none (and quote the text, newlines included), and then our
 * scan finds the place and says what is wrong.
 */
function malformedJson(text: string, message: string): ConfigIssue {
  const issue = (msg: string, pos: { line: number; column: number }): ConfigIssue => ({
    path: '',
    message: `malformed JSON: ${msg.replace(/\s+/g, ' ')}`,
    ...pos,
  });
  const cleaned = message.replace(/ (?:in JSON )?at position \d+.*$/s, '').replace(/ \(line \d+ column \d+\)/, '');
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineCol !== null) return issue(cleaned, { line: Number(lineCol[1]), column: Number(lineCol[2]) });
  const at = /at position (\d+)/.exec(message);
  if (at !== null) return issue(cleaned, positionAt(text, Number(at[1])));
  if (/end of JSON input/i.test(message)) return issue(cleaned, positionAt(text, text.length));
  const scan = scanJson(text);
  return scan.ok ? issue(cleaned, positionAt(text, text.length)) : issue(scan.message, positionAt(text, scan.offset));
}
