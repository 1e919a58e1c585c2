import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfigText, parseConfigValue } from '../../../src/core/config/index.ts';

const text = readFileSync(new URL('../../../config.json', import.meta.url), 'utf8');
const raw = JSON.parse(text) as Record<string, unknown>;

type Node = { properties?: Record<string, Node>; oneOf?: Node[] };

describe('the shipped config.json (R2.3)', () => {
  it('is valid', () => {
    const r = parseConfigText(text, 'config.json');
    expect(r.ok ? [] : r.error).toEqual([]);
  });

  it('holds exactly the defaults, so it documents them', () => {
    expect(parseConfigText(text, 'config.json')).toEqual(parseConfigValue({}, 'config.json'));
  });

  it('has scaled take-profit off and the three example levels', () => {
    expect(raw.enable_scaled_take_profit).toBe(false);
    expect(raw.scaled_tp_levels).toEqual([
      { profit_pct: 1, close_pct: 30, move_stop_to: 'breakeven' },
      { profit_pct: 2, close_pct: 30, move_stop_to: 'previous_tp' },
      { profit_pct: 3.5, close_pct: 40, move_stop_to: 'previous_tp' },
    ]);
  });

  it('points editors at the generated schema', () => {
    expect(raw.$schema).toBe('./config.schema.json');
  });

  it('writes out every key of the schema (atr_stop_mult, the risk limits and the notification channels aside: they have no default)', () => {
    const schema = configJsonSchema() as Node;
    const missing = (node: Node, value: unknown, path: string): string[] => {
      const obj = (value ?? {}) as Record<string, unknown>;
      const variant = node.oneOf?.find((v) => Object.entries(v.properties ?? {}).every(([k, p]) => !('const' in p) || (p as { const: unknown }).const === obj[k]));
      const props = (variant ?? node).properties ?? {};
      return Object.entries(props).flatMap(([k, p]) => {
        if (k === 'atr_stop_mult' || path === 'risk_limits.' || (path === 'notify.' && (k === 'telegram' || k === 'webhook'))) return []; // no default: absent = off
        if (!(k in obj)) return [`${path}${k}`];
        return missing(p, obj[k], `${path}${k}.`);
      });
    };
    expect(missing(schema, raw, '')).toEqual([]);
  });
});
