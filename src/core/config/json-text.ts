import { type PathSegment, formatPath } from './path.ts';

/** A place in a text, 1-based, counted in UTF-16 code units like editors' "Col". */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** Where one value of a JSON text starts, and its key when it is an object member (offsets). */
export interface Span {
  readonly keyOffset?: number;
  readonly valueOffset: number;
}

export type JsonScan =
  | {
      readonly ok: true;
      /** By formatted path (`a.b[1].c`; the root is `''`). */
      readonly spans: ReadonlyMap<string, Span>;
      /** Keys that appear twice in one object: JSON.parse silently keeps the last one. */
      readonly duplicates: readonly { readonly path: readonly PathSegment[]; readonly offset: number }[];
    }
  | { readonly ok: false; readonly offset: number; readonly message: string };

/** Offset → line and column (1-based). An offset past the end gives the end of the text. */
export function positionAt(text: string, offset: number): TextPosition {
  const end = Math.min(Math.max(offset, 0), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

class ScanFailure {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;
const TOKEN = /[^\s,:[\]{}"]{1,20}/y;

function unexpectedToken(text: string, at: number): string {
  TOKEN.lastIndex = at;
  const m = TOKEN.exec(text);
  return `unexpected token ${JSON.stringify(m === null ? text[at] : m[0])}`;
}

/**
 * A strict RFC 8259 scan of `text` that records where every value starts. JSON.parse does the
 * actual parsing; this only gives issues a line, finds duplicate keys, and locates a syntax error
 * when the JSON.parse message carries no position.
 */
export function scanJson(text: string): JsonScan {
  const spans = new Map<string, Span>();
  const duplicates: { path: PathSegment[]; offset: number }[] = [];
  let i = 0;

  const fail = (message: string, at = i): never => {
    throw new ScanFailure(at, message);
  };
  const skipSpace = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
      i++;
    }
  };
  const expect = (ch: string, message: string): void => {
    skipSpace();
    if (text[i] !== ch) fail(i >= text.length ? 'unexpected end of input' : message);
    i++;
  };

  const readString = (): string => {
    const start = i;
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c < 0x20) fail('bad control character in string');
      if (c === 92) {
        const e = text[i + 1] ?? '';
        if (e === 'u') {
          if (!HEX4.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in string');
          i += 6;
        } else if (ESCAPES.has(e)) i += 2;
        else fail('bad escape in string');
      } else i++;
    }
    i++; // closing quote
    return JSON.parse(text.slice(start, i)) as string;
  };

  const readValue = (path: PathSegment[], depth: number, keyOffset?: number): void => {
    skipSpace();
    if (i >= text.length) fail('unexpected end of input');
    if (depth > MAX_DEPTH) fail('nesting too deep');
    spans.set(formatPath(path), keyOffset === undefined ? { valueOffset: i } : { keyOffset, valueOffset: i });
    const c = text[i];
    if (c === '{') readObject(path, depth);
    else if (c === '[') readArray(path, depth);
    else if (c === '"') readString();
    else if (c === 't' || c === 'f' || c === 'n') {
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
      if (!text.startsWith(word, i)) fail(unexpectedToken(text, i));
      i += word.length;
    } else {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) fail(unexpectedToken(text, i));
      else i += m[0].length;
    }
  };

  const readObject = (path: PathSegment[], depth: number): void => {
    i++;
    skipSpace();
    if (text[i] === '}') {
      i++;
      return;
    }
    const seen = new Set<string>();
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(i >= text.length ? 'unexpected end of input' : 'expected a double-quoted property name');
      const keyOffset = i;
      const key = readString();
      if (seen.has(key)) duplicates.push({ path: [...path, key], offset: keyOffset });
      seen.add(key);
      expect(':', "expected ':' after property name");
      readValue([...path, key], depth + 1, keyOffset);
      skipSpace();
      if (text[i] === ',') i++;
      else if (text[i] === '}') {
        i++;
        return;
      } else fail(i >= text.length ? 'unexpected end of input' : "expected ',' or '}' after property value");
    }
  };

  const readArray = (path: PathSegment[], depth: number): void => {
    i++;
    skipSpace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      readValue([...path, index], depth + 1);
      skipSpace();
      if (text[i] === ',') i++;
      else if (text[i] === ']') {
        i++;
        return;
      } else fail(i >= text.length ? 'unexpected end of input' : "expected ',' or ']' after array element");
    }
  };

  try {
    readValue([], 0);
    skipSpace();
    if (i < text.length) fail('unexpected text after the JSON value');
    return { ok: true, spans, duplicates };
  } catch (e) {
    if (e instanceof ScanFailure) return { ok: false, offset: e.offset, message: e.message };
    throw e;
  }
}
