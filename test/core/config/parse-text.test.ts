import { describe, expect, it } from 'vitest';
import { formatConfigIssues, parseConfigText } from '../../../src/core/config/index.ts';
import { positionAt, scanJson } from '../../../src/core/config/json-text.ts';
import { parsed, textProblems } from './helpers.ts';

const lines = (...ls: string[]): string => ls.join('\n');

describe('malformed JSON', () => {
  const cases: [string, string, string][] = [
    // [name, text, expected line]
    ['a missing comma names the line and column', lines('{', '  "leverage": 2', '  "stop_loss_pct": 1', '}'), "config.json:3:3: malformed JSON: Expected ',' or '}' after property value"],
    ['a trailing comma points at the closing brace', lines('{', '  "leverage": 2,', '}'), 'config.json:3:1: malformed JSON: Expected double-quoted property name'],
    ['a truncated file points at its end', lines('{', '  "leverage": 2'), "config.json:2:16: malformed JSON: Expected ',' or '}' after property value"],
    ['an empty file', '', 'config.json:1:1: malformed JSON: Unexpected end of JSON input'],
    ['an unterminated object', '{\n', "config.json:2:1: malformed JSON: Expected property name or '}'"],
    ['an unterminated array', '[1,\n', 'config.json:2:1: malformed JSON: Unexpected end of JSON input'],
    ['a bad literal, located by our scan', lines('{', '  "testnet": tru', '}'), 'config.json:2:14: malformed JSON: unexpected token "tru"'],
    ['a trailing comma in an array', lines('{', '  "symbols": ["BTC/USDT:USDT",]', '}'), 'config.json:2:31: malformed JSON: unexpected token "]"'],
    ['single quotes', "{ 'leverage': 2 }", 'config.json:1:3: malformed JSON: Expected property name or \'}\''],
    ['a comment', lines('{', '  // leverage', '  "leverage": 2', '}'), 'config.json:2:3: malformed JSON: Expected property name or \'}\''],
    ['text after the object', '{}\n{}', 'config.json:2:1: malformed JSON: Unexpected non-whitespace character after JSON'],
    ['a raw newline in a string', '{"store": {"path": "a\nb"}}', 'config.json:1:22: malformed JSON: Bad control character in string literal'],
  ];
  for (const [name, text, expected] of cases) it(name, () => expect(textProblems(text)).toEqual([expected]));

  it('keeps every message on one line', () => {
    for (const text of ['{\n"a": tru\n}', 'nope\nnope', '{"a": [1,\n]}']) {
      const out = textProblems(text);
      expect(out).toHaveLength(1);
      expect(out[0]).not.toContain('\n');
    }
  });

  it('gives a malformed file one issue with an empty path', () => {
    const r = parseConfigText('{"a":', 'x.json');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual([{ path: '', message: 'malformed JSON: Unexpected end of JSON input', line: 1, column: 6 }]);
  });
});

describe('text positions of issues', () => {
  it('puts each issue on the line of its key, in file order', () => {
    const text = lines(
      '{',
      '  "leverage": 2,',
      '  "scaled_tp_levels": [',
      '    { "profit_pct": 1.5, "close_pct": 50 },',
      '    { "profit_pct": 1.0, "close_pct": 49 }',
      '  ],',
      '  "colour": "blue"',
      '}',
    );
    expect(textProblems(text)).toEqual([
      'config.json:3:23: scaled_tp_levels: close_pct values must sum to 100, got 99',
      'config.json:5:21: scaled_tp_levels[1].profit_pct: must be greater than the level before it (scaled_tp_levels[0].profit_pct: 1.5)',
      'config.json:7:3: colour: unknown key',
    ]);
  });

  it('points a missing key at the object that lacks it', () => {
    expect(textProblems(lines('{', '  "position_size": {', '    "mode": "base"', '  }', '}'))).toEqual([
      'config.json:2:20: position_size.value: is required',
    ]);
  });

  it('points a rule about an absent key at the start of the file', () => {
    expect(textProblems('{ "leverage": 100 }')[0]).toMatch(/^config\.json:1:1: stop_loss_pct: 2 \(the default\) is at or beyond/);
  });

  it('counts lines in a CRLF file', () => {
    expect(textProblems('{\r\n  "leverage": 2,\r\n  "x": 1\r\n}')).toEqual(['config.json:3:3: x: unknown key']);
  });

  it('rejects a key written twice, because JSON keeps only the last', () => {
    expect(textProblems(lines('{', '  "leverage": 2,', '  "leverage": 3', '}'))).toEqual([
      'config.json:3:3: leverage: duplicate key: JSON keeps only the last one',
    ]);
  });

  it('accepts a byte-order mark', () => {
    expect(textProblems('\uFEFF{ "leverage": 2, "x": 1 }')).toEqual(['config.json:1:18: x: unknown key']);
    const r = parseConfigText('\uFEFF{}', 'config.json');
    expect(r.ok).toBe(true);
  });

  it('parses a valid text to the same config as the object', () => {
    const r = parseConfigText('{ "leverage": 5, "stop_loss_pct": 1 }', 'config.json');
    expect(r).toEqual({ ok: true, value: parsed({ leverage: 5, stop_loss_pct: 1 }) });
  });
});

describe('formatConfigIssues', () => {
  it('prefixes the source, the position when known, and the path', () => {
    expect(
      formatConfigIssues(
        [
          { path: 'a.b[1].c', message: 'bad' },
          { path: 'leverage', message: 'worse', line: 3, column: 17 },
          { path: '', message: 'malformed JSON: x', line: 1, column: 2 },
          { path: '', message: 'cannot read' },
        ],
        'my.json',
      ),
    ).toEqual(['my.json: a.b[1].c: bad', 'my.json:3:17: leverage: worse', 'my.json:1:2: malformed JSON: x', 'my.json: cannot read']);
  });
});

describe('scanJson', () => {
  it('records where values and keys start', () => {
    const r = scanJson('{"a": [1, {"b": true}], "c d": null}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spans.get('')).toEqual({ valueOffset: 0 });
    expect(r.spans.get('a')).toEqual({ keyOffset: 1, valueOffset: 6 });
    expect(r.spans.get('a[1].b')).toEqual({ keyOffset: 11, valueOffset: 16 });
    expect(r.spans.get('["c d"]')).toEqual({ keyOffset: 24, valueOffset: 31 });
  });

  it('agrees with JSON.parse on what is valid', () => {
    const texts = ['{}', '[]', '"\\u00e9"', '-0.5e+3', '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t"}', '01', '1.', '.5', '"\\x"', '[1 2]', '{"a" 1}', 'nul', '  true  ', '{"a":1,}', '"\t"'];
    for (const t of texts) {
      let valid = true;
      try {
        JSON.parse(t);
      } catch {
        valid = false;
      }
      expect(scanJson(t).ok, t).toBe(valid);
    }
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    const r = scanJson('['.repeat(100_000));
    expect(r.ok).toBe(false);
  });

  it('converts offsets to 1-based lines and columns', () => {
    expect(positionAt('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(positionAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(positionAt('ab\n', 3)).toEqual({ line: 2, column: 1 });
    expect(positionAt('ab', 99)).toEqual({ line: 1, column: 3 });
  });
});
