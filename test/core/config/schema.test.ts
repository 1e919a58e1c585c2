import { describe, expect, it } from 'vitest';
import { DEFAULT_LEVELS, configSchema } from '../../../src/core/config/index.ts';
import { parsed, problems } from './helpers.ts';

describe('defaults', () => {
  it('turns an empty object into the full default config', () => {
    expect(parsed({})).toEqual({
      exchange: { id: 'binanceusdm', testnet: false },
      symbols: ['BTC/USDT:USDT'],
      timeframe: '1h',
      strategy: { name: 'ema_cross', fast: 12, slow: 26, atr_period: 14 },
      leverage: 1,
      margin_mode: 'isolated',
      max_open_positions: 3,
      position_size: { mode: 'quote', value: 1000 },
      stop_loss_pct: 2,
      take_profit_pct: 3,
      enable_scaled_take_profit: false,
      scaled_tp_levels: [
        { profit_pct: 1, close_pct: 30, move_stop_to: 'breakeven' },
        { profit_pct: 2, close_pct: 30, move_stop_to: 'previous_tp' },
        { profit_pct: 3.5, close_pct: 40, move_stop_to: 'previous_tp' },
      ],
      scaled_tp_min_order_size: 0,
      scaled_tp_fallback_to_single: true,
      scaled_tp_execution: 'market',
      breakeven_offset_pct: 0,
      fees: { taker_pct: 0.05, maker_pct: 0.02 },
      slippage_pct: 0,
      backtest: { starting_balance: 10000, intrabar: 'pessimistic' },
      store: { path: 'ladder.db' },
      dashboard: { host: '127.0.0.1', port: 8080 },
      webhook: { host: '127.0.0.1', port: 8081, path: '/webhook', max_lag_s: 60, allow_ips: [], rate_limit_per_min: 60 },
      risk_limits: {},
      notify: { exchange_unreachable_after_s: 300, outbox_retention_days: 30 },
      manage_manual_positions: false,
    });
  });

  it('uses DEFAULT_LEVELS as the default ladder', () => {
    expect(parsed({}).scaled_tp_levels).toEqual(DEFAULT_LEVELS);
  });

  it('fills the defaults inside a partly written object', () => {
    expect(parsed({ fees: { taker_pct: 0 } }).fees).toEqual({ taker_pct: 0, maker_pct: 0.02 });
    expect(parsed({ strategy: { name: 'ema_cross', fast: 5 } }).strategy).toEqual({ name: 'ema_cross', fast: 5, slow: 26, atr_period: 14 });
    expect(parsed({ dashboard: { port: 0 } }).dashboard).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('gives every parse its own default objects', () => {
    const a = parsed({});
    a.scaled_tp_levels.push({ profit_pct: 9, close_pct: 1, move_stop_to: 'none' });
    a.fees.taker_pct = 9;
    expect(parsed({}).scaled_tp_levels).toHaveLength(3);
    expect(parsed({}).fees.taker_pct).toBe(0.05);
  });

  it('accepts and drops a $schema key', () => {
    expect(parsed({ $schema: './config.schema.json' })).toEqual(parsed({}));
    expect('$schema' in parsed({ $schema: 'x' })).toBe(false);
  });

  it('writes out the default stop move of each level', () => {
    const cfg = parsed({ scaled_tp_levels: [{ profit_pct: 1, close_pct: 50 }, { profit_pct: 2, close_pct: 50, move_stop_to: 'none' }] });
    expect(cfg.scaled_tp_levels.map((l) => l.move_stop_to)).toEqual(['breakeven', 'none']);
  });

  it('configSchema alone also applies the cross-field rules to a well-formed file', () => {
    const r = configSchema.safeParse({ scaled_tp_levels: [{ profit_pct: 2, close_pct: 50 }, { profit_pct: 1, close_pct: 50 }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['scaled_tp_levels.1.profit_pct', 'must be greater than the level before it (scaled_tp_levels[0].profit_pct: 2)']]);
  });

  it('configSchema alone parses {} to the same defaults', () => {
    const { $schema: _, ...cfg } = configSchema.parse({});
    expect(cfg).toEqual(parsed({}));
  });
});

describe('strategy', () => {
  it('accepts a signals file', () => {
    expect(parsed({ strategy: { name: 'signals', file: 'signals.csv' } }).strategy).toEqual({ name: 'signals', file: 'signals.csv' });
  });

  it('names the known strategies when the name is unknown', () => {
    expect(problems({ strategy: { name: 'rsi' } })).toEqual(['strategy.name: must be one of "ema_cross", "signals", "module"']);
  });

  it('requires a name', () => {
    expect(problems({ strategy: { fast: 3 } })).toEqual(['strategy.name: is required: one of "ema_cross", "signals", "module"']);
  });

  it('takes a module strategy: a path, params default {} (checked when the module loads)', () => {
    expect(problems({ strategy: { name: 'module' } })).toEqual(['strategy.path: is required']);
    expect(problems({ strategy: { name: 'module', path: 'x.ts', params: 3 } }).length).toBe(1);
    expect(problems({ strategy: { name: 'module', path: 'x.ts', params: { period: 14 } } })).toEqual([]);
  });

  it('requires a non-empty signals file', () => {
    expect(problems({ strategy: { name: 'signals' } })).toEqual(['strategy.file: is required']);
    expect(problems({ strategy: { name: 'signals', file: '' } })).toEqual(['strategy.file: must not be empty']);
  });

  it('rejects ema_cross keys on a signals strategy', () => {
    expect(problems({ strategy: { name: 'signals', file: 's.csv', fast: 3 } })).toEqual(['strategy.fast: unknown key (allowed: name, file)']);
  });

  it('wants integer positive periods', () => {
    expect(problems({ strategy: { name: 'ema_cross', fast: 2.5 } })).toEqual(['strategy.fast: must be an integer, got 2.5']);
    expect(problems({ strategy: { name: 'ema_cross', fast: 0 } })).toEqual(['strategy.fast: must be greater than 0']);
    expect(problems({ strategy: { name: 'ema_cross', atr_period: -1 } })).toEqual(['strategy.atr_period: must be greater than 0']);
  });

  it('wants fast below slow', () => {
    expect(problems({ strategy: { name: 'ema_cross', fast: 26 } })).toEqual(['strategy.fast: must be less than strategy.slow (26)']);
    expect(problems({ strategy: { name: 'ema_cross', fast: 10, slow: 5 } })).toEqual(['strategy.fast: must be less than strategy.slow (5)']);
  });

  it('accepts a positive atr_stop_mult and rejects zero', () => {
    expect(parsed({ strategy: { name: 'ema_cross', atr_stop_mult: 1.5 } }).strategy).toMatchObject({ atr_stop_mult: 1.5 });
    expect(problems({ strategy: { name: 'ema_cross', atr_stop_mult: 0 } })).toEqual(['strategy.atr_stop_mult: must be greater than 0']);
  });
});

describe('position_size', () => {
  it('accepts each mode', () => {
    expect(parsed({ position_size: { mode: 'base', value: 0.05 } }).position_size).toEqual({ mode: 'base', value: 0.05 });
    expect(parsed({ position_size: { mode: 'risk_pct', value: 100 } }).position_size).toEqual({ mode: 'risk_pct', value: 100 });
  });

  it('wants a positive value', () => {
    expect(problems({ position_size: { mode: 'quote', value: 0 } })).toEqual(['position_size.value: must be greater than 0']);
    expect(problems({ position_size: { mode: 'base', value: -1 } })).toEqual(['position_size.value: must be greater than 0']);
  });

  it('caps risk_pct at 100', () => {
    expect(problems({ position_size: { mode: 'risk_pct', value: 100.5 } })).toEqual(['position_size.value: must be at most 100']);
  });

  it('names the known modes', () => {
    expect(problems({ position_size: { mode: 'usd', value: 1 } })).toEqual(['position_size.mode: must be one of "quote", "base", "risk_pct"']);
  });
});

describe('scalar keys', () => {
  const cases: [string, unknown, string][] = [
    ['leverage below 1', { leverage: 0 }, 'leverage: must be at least 1'],
    ['leverage above 125', { leverage: 126 }, 'leverage: must be at most 125'],
    ['fractional leverage', { leverage: 2.5 }, 'leverage: must be an integer, got 2.5'],
    ['leverage as a string', { leverage: '5' }, 'leverage: must be a number, got a string'],
    ['zero max_open_positions', { max_open_positions: 0 }, 'max_open_positions: must be greater than 0'],
    ['zero stop_loss_pct', { stop_loss_pct: 0 }, 'stop_loss_pct: must be greater than 0'],
    ['negative take_profit_pct', { take_profit_pct: -1 }, 'take_profit_pct: must be greater than 0'],
    ['negative taker fee', { fees: { taker_pct: -0.01 } }, 'fees.taker_pct: must be at least 0'],
    ['negative maker fee', { fees: { maker_pct: -0.01 } }, 'fees.maker_pct: must be at least 0'],
    ['negative slippage', { slippage_pct: -0.1 }, 'slippage_pct: must be at least 0'],
    ['negative breakeven offset', { breakeven_offset_pct: -0.1 }, 'breakeven_offset_pct: must be at least 0'],
    ['negative minimum order size', { scaled_tp_min_order_size: -5 }, 'scaled_tp_min_order_size: must be at least 0'],
    ['an unknown execution', { scaled_tp_execution: 'twap' }, 'scaled_tp_execution: must be one of "market", "limit"'],
    ['an unknown intrabar path', { backtest: { intrabar: 'random' } }, 'backtest.intrabar: must be one of "pessimistic", "ohlc"'],
    ['zero starting balance', { backtest: { starting_balance: 0 } }, 'backtest.starting_balance: must be greater than 0'],
    ['a port above 65535', { dashboard: { port: 65536 } }, 'dashboard.port: must be at most 65535'],
    ['a negative port', { dashboard: { port: -1 } }, 'dashboard.port: must be at least 0'],
    ['a fractional port', { dashboard: { port: 80.5 } }, 'dashboard.port: must be an integer, got 80.5'],
    ['an empty host', { dashboard: { host: '' } }, 'dashboard.host: must not be empty'],
    ['an empty store path', { store: { path: '' } }, 'store.path: must not be empty'],
    ['a string for a boolean', { enable_scaled_take_profit: 'yes' }, 'enable_scaled_take_profit: must be true or false, got a string'],
    ['an unknown timeframe', { timeframe: '2m' }, 'timeframe: must be one of "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"'],
    ['no symbols', { symbols: [] }, 'symbols: must have at least 1 entry'],
    ['an exchange id symbol', { symbols: ['BTCUSDT'] }, 'symbols[0]: must be a ccxt unified futures symbol like "BTC/USDT:USDT"'],
    ['a spot symbol', { symbols: ['BTC/USDT'] }, 'symbols[0]: must be a ccxt unified futures symbol like "BTC/USDT:USDT"'],
    ['a duplicate symbol', { symbols: ['ETH/USDT:USDT', 'BTC/USDT:USDT', 'ETH/USDT:USDT'] }, 'symbols[2]: duplicate of symbols[0]'],
    ['an exchange as a string', { exchange: 'binance' }, 'exchange: must be an object, got a string'],
    ['null for an object', { fees: null }, 'fees: must be an object, got null'],
  ];
  for (const [name, config, problem] of cases) it(`rejects ${name}`, () => expect(problems(config)).toEqual([problem]));

  const fine: [string, unknown][] = [
    ['zero fees', { fees: { taker_pct: 0, maker_pct: 0 } }],
    ['port 0 (any free port)', { dashboard: { port: 0 } }],
    ['leverage 125 with a small stop', { leverage: 125, stop_loss_pct: 0.2 }],
    ['a delivery contract symbol', { symbols: ['BTC/USDT:USDT-251226'] }],
    ['several symbols', { symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT', '1000PEPE/USDT:USDT'] }],
    ['testnet', { exchange: { testnet: true } }],
  ];
  for (const [name, config] of fine) it(`accepts ${name}`, () => expect(problems(config)).toEqual([]));

  it('rejects a file that is not an object', () => {
    expect(problems([])).toEqual(['must be an object, got an array']);
    expect(problems(null)).toEqual(['must be an object, got null']);
  });
});

describe('unknown and secret keys', () => {
  it('rejects unknown keys anywhere', () => {
    expect(problems({ foo: 1, exchange: { sandbox: true }, backtest: { start: 1 } })).toEqual([
      'exchange.sandbox: unknown key (allowed: id, testnet)',
      'backtest.start: unknown key (allowed: starting_balance, intrabar)',
      'foo: unknown key',
    ]);
  });

  it('rejects unknown keys inside a level and a stop move', () => {
    expect(problems({ scaled_tp_levels: [{ profit_pct: 1, close_pct: 100, qty: 1, move_stop_to: { profit_pct: 0.5, x: 1 } }] })).toEqual([
      'scaled_tp_levels[0].move_stop_to.x: unknown key (allowed: profit_pct)',
      'scaled_tp_levels[0].qty: unknown key (allowed: profit_pct, close_pct, move_stop_to)',
    ]);
  });

  it('suggests the key a typo meant', () => {
    expect(problems({ stopLossPct: 2 })).toEqual(['stopLossPct: unknown key (did you mean "stop_loss_pct"?)']);
    expect(problems({ levrage: 2 })).toEqual(['levrage: unknown key (did you mean "leverage"?)']);
    expect(problems({ scaled_tp_level: [] })).toEqual(['scaled_tp_level: unknown key (did you mean "scaled_tp_levels"?)']);
  });

  const secrets = ['api_key', 'apiKey', 'API_SECRET', 'secret', 'api_secret', 'password', 'private_key', 'passphrase', 'key', 'token'];
  for (const key of secrets) {
    it(`says where keys come from for a "${key}" key`, () => {
      expect(problems({ exchange: { [key]: 'abc' } })).toEqual([
        `exchange.${key}: secrets are never config keys: API keys come from LADDER_API_KEY and LADDER_API_SECRET in the environment or .env`,
      ]);
    });
  }

  it('never repeats the secret in a message', () => {
    const lines = problems({ api_key: 'sk-live-1234567890', exchange: { secret: 'hunter2-hunter2' } });
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/sk-live|hunter2/);
  });
});

describe('risk_limits', () => {
  it('is off by default and keeps the limits that are set', () => {
    expect(parsed({}).risk_limits).toEqual({});
    const all = { daily_loss_limit: 200, max_drawdown_pct: 15, max_total_notional: 5000, max_consecutive_losses: 3, cooldown_minutes: 240 };
    expect(parsed({ risk_limits: all }).risk_limits).toEqual(all);
  });

  it('rejects zero, negative, fractional counts and values out of range', () => {
    expect(problems({ risk_limits: { daily_loss_limit: 0 } })).toHaveLength(1);
    expect(problems({ risk_limits: { max_drawdown_pct: -5 } })).toHaveLength(1);
    expect(problems({ risk_limits: { max_drawdown_pct: 101 } })).toHaveLength(1);
    expect(problems({ risk_limits: { max_total_notional: 1e13 } })).toHaveLength(1);
    expect(problems({ risk_limits: { max_consecutive_losses: 2.5 } })).toHaveLength(1);
    expect(problems({ risk_limits: { daily_loss_limit: '100' } })).toHaveLength(1);
  });

  it('wants max_consecutive_losses with cooldown_minutes', () => {
    expect(problems({ risk_limits: { cooldown_minutes: 60 } })).toEqual(['risk_limits.cooldown_minutes: needs max_consecutive_losses (the losing streak that starts the pause)']);
  });
});
