/**
 * JSON that round-trips every double exactly. JSON.stringify already writes the shortest text that
 * parses back to the same double; what it loses are the values JSON has no literal for: ±Infinity
 * (a Position's trigger prices when there is no next target), NaN, and the sign of −0 (a short's exit
 * at its entry price has pnl −0). Those become `{"$num":"<name>"}` and come back as numbers.
 */
const TAG = '$num';
const SPECIAL: Readonly<Record<string, number>> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN, '-0': -0 };

function replacer(_key: string, v: unknown): unknown {
  if (typeof v !== 'number' || (Number.isFinite(v) && !Object.is(v, -0))) return v;
  return { [TAG]: Object.is(v, -0) ? '-0' : String(v) };
}

function reviver(_key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== TAG) return v;
  const name = (v as Record<string, unknown>)[TAG];
  return typeof name === 'string' && name in SPECIAL ? SPECIAL[name] : v;
}

export const encodeJson = (value: unknown): string => JSON.stringify(value, replacer);
export const decodeJson = (text: string): unknown => JSON.parse(text, reviver);
