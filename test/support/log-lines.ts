/**
 * Checks on pino JSON lines shared by the log tests: keys written twice in one object (JSON.parse
 * would silently keep the last one) and the quantity fields, which must be base-asset numbers.
 */
import { Writable } from 'node:stream';
import { type Logger, createLogger } from '../../src/bot/logger.ts';

/** Keys that occur more than once in one object of a JSON text, as `path.key`. */
export function duplicateKeys(json: string): string[] {
  const dups: string[] = [];
  const stack: { keys: Set<string> | null; path: string }[] = [];
  let i = 0;
  let lastString = '';
  while (i < json.length) {
    const ch = json[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      lastString = JSON.parse(json.slice(i, j + 1)) as string;
      i = j + 1;
      // A string followed by ':' is a key of the innermost object.
      let k = i;
      while (json[k] === ' ') k++;
      const top = stack.at(-1);
      if (json[k] === ':' && top?.keys) {
        if (top.keys.has(lastString)) dups.push(`${top.path}${lastString}`);
        top.keys.add(lastString);
      }
      continue;
    }
    if (ch === '{') stack.push({ keys: new Set(), path: stack.length ? `${stack.at(-1)!.path}${lastString}.` : '' });
    else if (ch === '[') stack.push({ keys: null, path: stack.length ? `${stack.at(-1)!.path}${lastString}[].` : '' });
    else if (ch === '}' || ch === ']') stack.pop();
    i++;
  }
  return dups;
}

/** Field names that hold a quantity of the base asset in Ladder's log lines. */
export const QUANTITY_KEYS = new Set(['qty', 'remaining', 'filled', 'ordered', 'maxQty', 'exchangeQty', 'ourQty']);

/** Every numeric quantity field of a parsed line, nested ones (plan levels) included, as [path, value]. */
export function quantityFields(o: unknown, path = ''): [string, number][] {
  if (Array.isArray(o)) return o.flatMap((x, i) => quantityFields(x, `${path}[${i}]`));
  if (o === null || typeof o !== 'object') return [];
  return Object.entries(o).flatMap(([k, v]): [string, number][] => {
    if (/steps/i.test(k)) throw new Error(`${path}${k}: a quantity in lot steps in a log line`);
    if (QUANTITY_KEYS.has(k) && typeof v === 'number') return [[`${path}${k}`, v]];
    return quantityFields(v, `${path}${k}.`);
  });
}

/** A pino logger whose JSON lines a test reads back: `records` parsed, `msgs()` their event names. */
export function recordingLogger(level: 'debug' | 'info' | 'warn' = 'info'): { log: Logger; records: Record<string, unknown>[]; msgs: () => string[] } {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger(level, sink), records, msgs: () => records.map((r) => String(r['msg'])) };
}
