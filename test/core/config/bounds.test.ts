import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfigValue } from '../../../src/core/config/index.ts';
import { parsed, problems, textProblems } from './helpers.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 200);

describe('exchange.id', () => {
  it('is binanceusdm by default and accepted when written', () => {
    expect(parsed({}).exchange.id).toBe('binanceusdm');
    expect(parsed({ exchange: { id: 'binanceusdm' } }).exchange.id).toBe('binanceusdm');
  });

  it('says only binanceusdm is supported for now, naming what it got', () => {
    expect(problems({ exchange: { id: 'kraken' } })).toEqual(['exchange.id: only "binanceusdm" is supported for now (got "kraken")']);
    expect(problems({ exchange: { id: 'binance' } })).toEqual(['exchange.id: only "binanceusdm" is supported for now (got "binance")']);
    expect(problems({ exchange: { id: '' } })).toEqual(['exchange.id: only "binanceusdm" is supported for now (got "")']);
    expect(problems({ exchange: { id: 3 } })).toEqual(['exchange.id: must be a string, got 3']);
  });
});

describe('position_size.value, bounded per mode', () => {
  const cases: [string, number, string[]][] = [
    ['quote', 1e9, []],
    ['quote', 1e308, ['position_size.value: must be at most 1e9']],
    ['quote', 1e9 + 1, ['position_size.value: must be at most 1e9']],
    ['base', 1e9, []],
    ['base', 1e308, ['position_size.value: must be at most 1e9']],
    ['base', 1e-8, []],
    ['risk_pct', 100, []],
    ['risk_pct', 1e308, ['position_size.value: must be at most 100']],
    ['risk_pct', 0, ['position_size.value: must be greater than 0']],
  ];
  for (const [mode, value, expected] of cases) {
    it(`${mode} ${value}: ${expected.length === 0 ? 'accepted' : expected[0]}`, () => {
      expect(problems({ position_size: { mode, value } })).toEqual(expected);
    });
  }

  it('a number too large for a double (1e400 in the file) is named as out of range', () => {
    expect(textProblems('{\n  "position_size": { "mode": "quote", "value": 1e400 }\n}')).toEqual([
      'config.json:2:48: position_size.value: must be a number, got Infinity (out of range)',
    ]);
  });
});

/** Each bounded key: the largest accepted value, and the message one step beyond it. */
const bounded: [string, (v: number) => object, number, string][] = [
  ['max_open_positions', (v) => ({ max_open_positions: v }), 1000, 'max_open_positions: must be at most 1000'],
  ['take_profit_pct', (v) => ({ take_profit_pct: v }), 10_000, 'take_profit_pct: must be at most 10000'],
  ['profit_pct', (v) => ({ scaled_tp_levels: [{ profit_pct: v, close_pct: 100 }] }), 10_000, 'scaled_tp_levels[0].profit_pct: must be at most 10000'],
  ['breakeven_offset_pct', (v) => ({ breakeven_offset_pct: v, scaled_tp_levels: [{ profit_pct: 10_000, close_pct: 100, move_stop_to: 'none' }] }), 10_000, 'breakeven_offset_pct: must be at most 10000'],
  ['scaled_tp_min_order_size', (v) => ({ scaled_tp_min_order_size: v }), 1e9, 'scaled_tp_min_order_size: must be at most 1e9'],
  ['fees.taker_pct', (v) => ({ fees: { taker_pct: v } }), 10, 'fees.taker_pct: must be at most 10'],
  ['fees.maker_pct', (v) => ({ fees: { maker_pct: v } }), 10, 'fees.maker_pct: must be at most 10'],
  ['slippage_pct', (v) => ({ slippage_pct: v }), 10, 'slippage_pct: must be at most 10'],
  ['backtest.starting_balance', (v) => ({ backtest: { starting_balance: v } }), 1e12, 'backtest.starting_balance: must be at most 1e12'],
  ['strategy.slow', (v) => ({ strategy: { name: 'ema_cross', fast: 1, slow: v } }), 10_000, 'strategy.slow: must be at most 10000'],
  ['strategy.atr_period', (v) => ({ strategy: { name: 'ema_cross', atr_period: v } }), 10_000, 'strategy.atr_period: must be at most 10000'],
  ['strategy.atr_stop_mult', (v) => ({ strategy: { name: 'ema_cross', atr_stop_mult: v } }), 100, 'strategy.atr_stop_mult: must be at most 100'],
];

describe('numeric keys are bounded, with the path in the message', () => {
  for (const [name, config, max, message] of bounded) {
    it(`${name}: ${max} accepted, beyond it and 1e308 refused`, () => {
      expect(problems(config(max))).toEqual([]);
      expect(problems(config(Number.isInteger(max) && max < 1e6 ? max + 1 : max * 1.5))).toEqual([message]);
      expect(problems(config(1e308))).toEqual([message]); // one message, not also zod's safe-integer bound
    });
  }

  it('leverage 1e308 gets its own bound only', () => {
    expect(problems({ leverage: 1e308 })).toEqual(['leverage: must be at most 125']);
  });

  it('a stop move to -100 % or below (a long stop at price 0) is refused', () => {
    const at = (x: number): object => ({ scaled_tp_levels: [{ profit_pct: 1, close_pct: 100, move_stop_to: { profit_pct: x } }] });
    expect(problems(at(-99))).toEqual([]);
    expect(problems(at(-100))).toEqual(['scaled_tp_levels[0].move_stop_to.profit_pct: must be greater than -100']);
    expect(problems(at(-1e308))).toEqual(['scaled_tp_levels[0].move_stop_to.profit_pct: must be greater than -100']);
  });

  it('any double in a bounded key: accepted within its bound, else one problem at that path', () => {
    fc.assert(
      fc.property(fc.constantFrom(...bounded), fc.double({ noNaN: true, noDefaultInfinity: true }), ([name, config, max], v) => {
        const r = parseConfigValue(config(v), 'config.json');
        if (r.ok) {
          expect(v).toBeLessThanOrEqual(max);
          return;
        }
        // A slow period of 1 is also "fast must be less than slow", reported at strategy.fast.
        const own = name === 'profit_pct' ? ['scaled_tp_levels[0].profit_pct'] : name === 'strategy.slow' ? [name, 'strategy.fast'] : [name];
        expect(r.error.map((i) => i.path).filter((p) => !own.includes(p))).toEqual([]);
      }),
      { numRuns },
    );
  });
});

describe('the JSON Schema carries the same bounds', () => {
  const { $schema: _, ...schema } = configJsonSchema();
  const validate = new Ajv({ allErrors: true }).compile(schema);
  const bad: [string, unknown][] = [
    ['exchange.id "kraken"', { exchange: { id: 'kraken' } }],
    ['a quote size of 1e308', { position_size: { mode: 'quote', value: 1e308 } }],
    ['a base size of 1e308', { position_size: { mode: 'base', value: 1e308 } }],
    ['slippage of 50 %', { slippage_pct: 50 }],
    ['max_open_positions 1e308', { max_open_positions: 1e308 }],
  ];
  for (const [name, config] of bad) {
    it(`rejects ${name}, like the validator`, () => {
      expect(validate(config)).toBe(false);
      expect(parseConfigValue(config, 'config.json').ok).toBe(false);
    });
  }
});
