import { describe, expect, it } from 'vitest';
import { MAINTENANCE_MARGIN_PCT, liquidationDistancePct } from '../../../src/core/config/index.ts';
import { levels, parsed, problems } from './helpers.ts';

const ladder = (scaled_tp_levels: unknown, extra: Record<string, unknown> = {}): unknown => ({ scaled_tp_levels, ...extra });

describe('scaled_tp_levels: profit_pct (R2.5)', () => {
  it('accepts strictly ascending targets', () => {
    expect(problems(ladder(levels([0.5, 25], [1, 25], [1.0001, 25], [10, 25])))).toEqual([]);
  });

  it('rejects a target below the one before it, naming that level', () => {
    expect(problems(ladder(levels([1.5, 50], [1.0, 50])))).toEqual(['scaled_tp_levels[1].profit_pct: must be greater than the level before it (scaled_tp_levels[0].profit_pct: 1.5)']);
  });

  it('rejects two equal targets', () => {
    expect(problems(ladder(levels([1, 30], [2, 30], [2, 40])))).toEqual(['scaled_tp_levels[2].profit_pct: must be greater than the level before it (scaled_tp_levels[1].profit_pct: 2)']);
  });

  it('reports every step that goes down', () => {
    expect(problems(ladder(levels([3, 25], [2, 25], [1, 25], [4, 25])))).toEqual([
      'scaled_tp_levels[1].profit_pct: must be greater than the level before it (scaled_tp_levels[0].profit_pct: 3)',
      'scaled_tp_levels[2].profit_pct: must be greater than the level before it (scaled_tp_levels[1].profit_pct: 2)',
    ]);
  });

  it('rejects a zero or negative target', () => {
    expect(problems(ladder(levels([0, 100])))).toEqual(['scaled_tp_levels[0].profit_pct: must be greater than 0']);
    expect(problems(ladder(levels([-1, 50], [1, 50])))).toEqual(['scaled_tp_levels[0].profit_pct: must be greater than 0']);
  });

  it('rejects an infinite target (1e999 in JSON)', () => {
    expect(problems(ladder(levels([Infinity, 100])))).toEqual(['scaled_tp_levels[0].profit_pct: must be a number, got Infinity (out of range)']);
  });

  it('requires profit_pct and close_pct', () => {
    expect(problems(ladder([{ close_pct: 100 }]))).toEqual(['scaled_tp_levels[0].profit_pct: is required']);
    expect(problems(ladder([{ profit_pct: 1 }]))).toEqual(['scaled_tp_levels[0].close_pct: is required']);
  });
});

describe('scaled_tp_levels: close_pct (R2.4)', () => {
  it('accepts shares that sum to 100 within 1e-9', () => {
    expect(problems(ladder(levels([1, 33.3], [2, 33.3], [3, 33.4])))).toEqual([]);
    expect(problems(ladder(levels([1, 50], [2, 50 + 5e-10])))).toEqual([]);
  });

  it('rejects shares summing to 99, naming the sum', () => {
    expect(problems(ladder(levels([1, 30], [2, 30], [3.5, 39])))).toEqual(['scaled_tp_levels: close_pct values must sum to 100, got 99']);
  });

  it('rejects shares summing to more than 100', () => {
    expect(problems(ladder(levels([1, 60], [2, 60])))).toEqual(['scaled_tp_levels: close_pct values must sum to 100, got 120']);
  });

  it('rejects a sum 2e-9 away from 100', () => {
    expect(problems(ladder(levels([1, 50], [2, 50 + 2e-9])))).toEqual(['scaled_tp_levels: close_pct values must sum to 100, got 100.000000002']);
  });

  it('rejects a share of 0 or above 100', () => {
    expect(problems(ladder(levels([1, 0], [2, 100])))).toEqual(['scaled_tp_levels[0].close_pct: must be greater than 0']);
    expect(problems(ladder(levels([1, 150], [2, -50])))).toEqual([
      'scaled_tp_levels[0].close_pct: must be at most 100',
      'scaled_tp_levels[1].close_pct: must be greater than 0',
    ]);
  });

  it('accepts a single level closing everything', () => {
    expect(problems(ladder(levels([2, 100])))).toEqual([]);
  });

  it('rejects an empty ladder and more than 20 levels', () => {
    expect(problems(ladder([]))).toEqual(['scaled_tp_levels: must have at least 1 entry']);
    const many = Array.from({ length: 21 }, (_, i): [number, number] => [i + 1, 100 / 21]);
    expect(problems(ladder(levels(...many)))).toEqual(['scaled_tp_levels: must have at most 20 entries']);
  });

  it('checks the ladder even while scaled TP is off', () => {
    expect(problems(ladder(levels([2, 50], [1, 50]), { enable_scaled_take_profit: false }))).toHaveLength(1);
  });
});

describe('scaled_tp_levels: move_stop_to (R1.5)', () => {
  const withMove = (move: unknown, index = 1): unknown =>
    ladder(levels([1, 30], [2, 30], [3.5, 40]).map((l, i) => (i === index ? { ...l, move_stop_to: move } : l)));

  for (const move of ['breakeven', 'previous_tp', 'none', { profit_pct: 0.5 }, { profit_pct: -1 }]) {
    it(`accepts ${JSON.stringify(move)} on level 1`, () => expect(parsed(withMove(move)).scaled_tp_levels[1]?.move_stop_to).toEqual(move));
  }

  it('rejects "previous_tp" on level 0', () => {
    expect(problems(withMove('previous_tp', 0))).toEqual([
      'scaled_tp_levels[0].move_stop_to: "previous_tp" is not allowed on level 0: there is no previous target',
    ]);
  });

  it('rejects a { profit_pct } stop at or beyond the level\'s own target', () => {
    expect(problems(withMove({ profit_pct: 2 }))).toEqual([
      "scaled_tp_levels[1].move_stop_to.profit_pct: must be less than the level's own profit_pct (2): the stop would sit at or past the price just reached",
    ]);
    expect(problems(withMove({ profit_pct: 5 }))).toHaveLength(1);
  });

  it('accepts a { profit_pct } stop on level 0 below its target', () => {
    expect(problems(withMove({ profit_pct: 0.25 }, 0))).toEqual([]);
  });

  it('rejects an unknown stop move', () => {
    expect(problems(withMove('entry'))).toEqual([
      'scaled_tp_levels[1].move_stop_to: must be "breakeven", "previous_tp", "none" or { "profit_pct": number }',
    ]);
  });

  it('names the bad field inside a { profit_pct } stop', () => {
    expect(problems(withMove({ profit_pct: 'half' }))).toEqual(['scaled_tp_levels[1].move_stop_to.profit_pct: must be a number, got a string']);
    expect(problems(withMove({}))).toEqual(['scaled_tp_levels[1].move_stop_to.profit_pct: is required']);
  });
});

describe('breakeven_offset_pct', () => {
  it('accepts an offset below the first target', () => {
    expect(problems({ breakeven_offset_pct: 0.1 })).toEqual([]);
  });

  it('rejects an offset at or above the target of level 0 (breakeven by default)', () => {
    expect(problems({ breakeven_offset_pct: 1 })).toEqual([
      'breakeven_offset_pct: must be less than scaled_tp_levels[0].profit_pct (1), whose stop moves to breakeven',
    ]);
  });

  it('ignores level 0 when its stop does not go to breakeven', () => {
    const cfg = ladder([{ profit_pct: 1, close_pct: 50, move_stop_to: 'none' }, { profit_pct: 2, close_pct: 50 }], { breakeven_offset_pct: 1.5 });
    expect(problems(cfg)).toEqual([]);
  });

  it('checks every level that moves the stop to breakeven', () => {
    const cfg = ladder([{ profit_pct: 1, close_pct: 50, move_stop_to: 'none' }, { profit_pct: 2, close_pct: 50, move_stop_to: 'breakeven' }], { breakeven_offset_pct: 2 });
    expect(problems(cfg)).toEqual(['breakeven_offset_pct: must be less than scaled_tp_levels[1].profit_pct (2), whose stop moves to breakeven']);
  });
});

describe('stop_loss_pct and liquidation', () => {
  it('uses a maintenance margin of 0.5 %', () => {
    expect(MAINTENANCE_MARGIN_PCT).toBe(0.5);
    expect(liquidationDistancePct(10)).toBeCloseTo(9.5, 12);
  });

  it('rejects a stop at the liquidation distance, naming both numbers', () => {
    expect(problems({ leverage: 10, stop_loss_pct: 9.5 })).toEqual([
      'stop_loss_pct: 9.5 is at or beyond the liquidation distance at 10x leverage (9.5 % = 100/10 − 0.5 % maintenance margin): the stop could never fire',
    ]);
  });

  it('rejects a stop beyond it', () => {
    expect(problems({ leverage: 50, stop_loss_pct: 2 })).toEqual([
      'stop_loss_pct: 2 is at or beyond the liquidation distance at 50x leverage (1.5 % = 100/50 − 0.5 % maintenance margin): the stop could never fire',
    ]);
  });

  it('says when the stop is the default', () => {
    expect(problems({ leverage: 40 })).toEqual([
      'stop_loss_pct: 2 (the default) is at or beyond the liquidation distance at 40x leverage (2 % = 100/40 − 0.5 % maintenance margin): the stop could never fire',
    ]);
  });

  it('rejects a stop at the liquidation distance at 125x (0.3 %: 100/125 − 0.5 is 0.30000000000000004 in binary floating point)', () => {
    expect(problems({ leverage: 125, stop_loss_pct: 0.3 })).toEqual([
      'stop_loss_pct: 0.3 is at or beyond the liquidation distance at 125x leverage (0.3 % = 100/125 − 0.5 % maintenance margin): the stop could never fire',
    ]);
    expect(problems({ leverage: 125, stop_loss_pct: 0.29 })).toEqual([]);
  });

  it('accepts a stop just inside it', () => {
    expect(problems({ leverage: 10, stop_loss_pct: 9.49 })).toEqual([]);
    expect(problems({ leverage: 3, stop_loss_pct: 32.8 })).toEqual([]);
  });

  it('rejects a 99.5 % stop even at 1x', () => {
    expect(problems({ stop_loss_pct: 99.5 })).toHaveLength(1);
  });
});

describe('all problems at once', () => {
  it('reports an unknown key, a descending level and a bad close_pct sum together', () => {
    expect(problems({ bogus: true, scaled_tp_levels: levels([2, 30], [1, 30], [3, 30]) })).toEqual([
      'bogus: unknown key',
      'scaled_tp_levels[1].profit_pct: must be greater than the level before it (scaled_tp_levels[0].profit_pct: 2)',
      'scaled_tp_levels: close_pct values must sum to 100, got 90',
    ]);
  });

  it('reports cross-field problems next to type errors elsewhere', () => {
    expect(
      problems({
        leverage: 20,
        stop_loss_pct: 6,
        timeframe: 7,
        strategy: { name: 'ema_cross', fast: 50 },
        exchange: { api_key: 'k' },
        scaled_tp_levels: [{ profit_pct: 2, close_pct: 50 }, { profit_pct: 1, close_pct: 'half' }, { profit_pct: -1, close_pct: 50, move_stop_to: 'x' }],
      }),
    ).toEqual([
      'exchange.api_key: secrets are never config keys: API keys come from LADDER_API_KEY and LADDER_API_SECRET in the environment or .env',
      'timeframe: must be one of "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"',
      'scaled_tp_levels[1].close_pct: must be a number, got a string',
      'scaled_tp_levels[2].profit_pct: must be greater than 0',
      'scaled_tp_levels[2].move_stop_to: must be "breakeven", "previous_tp", "none" or { "profit_pct": number }',
      'strategy.fast: must be less than strategy.slow (26)',
      'scaled_tp_levels[1].profit_pct: must be greater than the level before it (scaled_tp_levels[0].profit_pct: 2)',
      'scaled_tp_levels[2].profit_pct: must be greater than the level before it (scaled_tp_levels[1].profit_pct: 1)',
      'stop_loss_pct: 6 is at or beyond the liquidation distance at 20x leverage (4.5 % = 100/20 − 0.5 % maintenance margin): the stop could never fire',
    ]);
  });
});
