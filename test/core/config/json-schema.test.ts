import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfigValue } from '../../../src/core/config/index.ts';

const root = new URL('../../../', import.meta.url);
const committedSchema = readFileSync(new URL('config.schema.json', root), 'utf8');
const docs = readFileSync(new URL('docs/configuration.md', root), 'utf8');
const shipped: unknown = JSON.parse(readFileSync(new URL('config.json', root), 'utf8'));

type Node = {
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  oneOf?: Node[];
  anyOf?: Node[];
};

/** Every property of the schema with its path, union variants included. */
function properties(n: Node, path = ''): { path: string; node: Node }[] {
  const own = Object.entries(n.properties ?? {}).flatMap(([k, p]) => [{ path: `${path}${path ? '.' : ''}${k}`, node: p }, ...properties(p, `${path}${path ? '.' : ''}${k}`)]);
  const inner = [...(n.oneOf ?? []), ...(n.anyOf ?? [])].flatMap((v) => properties(v, path));
  const items = n.items === undefined ? [] : properties(n.items, `${path}[]`);
  return [...own, ...inner, ...items];
}

/** ajv 6 (draft-07) reads every keyword zod emits here; only the draft-2020-12 meta-schema id is new to it. */
function validator() {
  const { $schema: _, ...schema } = configJsonSchema();
  return new Ajv({ allErrors: true }).compile(schema);
}

describe('configJsonSchema', () => {
  it('is the committed config.schema.json, so editors never see a stale schema (run npm run schema)', () => {
    expect(committedSchema).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

  it('is draft 2020-12, strict at the top, and allows $schema', () => {
    const s = configJsonSchema() as { $schema: string; additionalProperties: boolean; properties: Record<string, unknown>; required?: string[] };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.$schema).toMatchObject({ type: 'string' });
    expect(s.required ?? []).toEqual([]);
  });

  it('describes every key', () => {
    const missing = properties(configJsonSchema() as Node).filter((p) => !p.node.description);
    expect(missing.map((p) => p.path)).toEqual([]);
  });

  it('uses the same words as docs/configuration.md for every key', () => {
    const absent = properties(configJsonSchema() as Node).filter((p) => !docs.includes(p.node.description ?? ''));
    expect(absent.map((p) => `${p.path}: ${p.node.description}`)).toEqual([]);
  });

  it('returns a fresh copy each time', () => {
    const a = configJsonSchema();
    a.title = 'changed';
    expect(configJsonSchema().title).toBe('Ladder configuration');
  });
});

describe('the JSON Schema and the validator agree', () => {
  const validate = validator();

  it('accepts the shipped config.json', () => {
    expect(validate(shipped), JSON.stringify(validate.errors)).toBe(true);
  });

  it('accepts {} (everything has a default)', () => {
    expect(validate({})).toBe(true);
  });

  const bad: [string, unknown][] = [
    ['an unknown top-level key', { colour: 'blue' }],
    ['an unknown key in a level', { scaled_tp_levels: [{ profit_pct: 1, close_pct: 100, size: 1 }] }],
    ['a secret in exchange', { exchange: { api_key: 'x' } }],
    ['leverage 200', { leverage: 200 }],
    ['a negative profit_pct', { scaled_tp_levels: [{ profit_pct: -1, close_pct: 100 }] }],
    ['an unknown strategy', { strategy: { name: 'rsi' } }],
    ['signals without a file', { strategy: { name: 'signals' } }],
    ['risk_pct above 100', { position_size: { mode: 'risk_pct', value: 101 } }],
    ['an unknown stop move', { scaled_tp_levels: [{ profit_pct: 1, close_pct: 100, move_stop_to: 'entry' }] }],
    ['a port out of range', { dashboard: { port: 70000 } }],
    ['a spot symbol', { symbols: ['BTC/USDT'] }],
  ];
  for (const [name, config] of bad) {
    it(`rejects ${name}, like the validator`, () => {
      expect(validate(config)).toBe(false);
      expect(parseConfigValue(config, 'config.json').ok).toBe(false);
    });
  }
});
