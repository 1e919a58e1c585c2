import { z } from 'zod';
import {
  DEFAULT_BREAKEVEN_OFFSET_PCT,
  DEFAULT_EMA_FAST,
  DEFAULT_EMA_SLOW,
  DEFAULT_LEVELS,
  DEFAULT_LEVERAGE,
  DEFAULT_STOP_LOSS_PCT,
  defaultMoveStopTo,
} from './defaults.ts';
import {
  MAX_ATR_MULT,
  MAX_BALANCE,
  MAX_COST_PCT,
  MAX_OPEN_POSITIONS,
  MAX_PERIOD,
  MAX_POSITION_VALUE,
  MAX_PRICE_PCT,
  SUPPORTED_EXCHANGE_IDS,
} from './bounds.ts';
import { crossFieldIssues } from './rules.ts';

/*
 * The single source of the config keys, their defaults and their descriptions (SPEC "Config keys").
 * The same descriptions appear in the generated JSON Schema and, word for word, in
 * docs/configuration.md (a test checks both). Every object is strict: an unknown key is an error.
 * Rules that involve several keys live in rules.ts and run on the raw file too, so a file with
 * structural errors still gets every cross-field problem reported (see parse.ts).
 */

/** Binance kline intervals (ccxt timeframes). */
export const TIMEFRAMES = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'] as const;
export const STRATEGY_NAMES = ['ema_cross', 'signals'] as const;
export const POSITION_SIZE_MODES = ['quote', 'base', 'risk_pct'] as const;
export const MAX_LEVELS = 20;

/** ccxt unified futures symbol: BASE/QUOTE:SETTLE, with an optional delivery date suffix. */
const SYMBOL = /^[A-Z0-9]+\/[A-Z0-9]+:[A-Z0-9]+(-[0-9]{6})?$/;

const exchangeSchema = z.strictObject({
  id: z
    .string()
    // A refinement, not an enum: issues.ts words enum problems as "must be one of", and this one says why.
    .refine((id) => (SUPPORTED_EXCHANGE_IDS as readonly string[]).includes(id), {
      error: (iss) => `only ${SUPPORTED_EXCHANGE_IDS.map((id) => `"${id}"`).join(', ')} is supported for now (got ${JSON.stringify(iss.input)})`,
    })
    .meta({ enum: [...SUPPORTED_EXCHANGE_IDS] }) // editors offer and check the same ids
    .default('binanceusdm')
    .describe('ccxt exchange id; Ladder is built and tested for "binanceusdm" (Binance USDⓈ-M perpetual futures).'),
  testnet: z.boolean().default(false).describe("Trade on the exchange's testnet instead of the real market."),
});

const emaCrossSchema = z.strictObject({
  name: z
    .literal('ema_cross')
    .describe('"ema_cross": go long when the fast EMA of the closes crosses above the slow one, short when it crosses below.'),
  fast: z.number().int().positive().max(MAX_PERIOD).default(DEFAULT_EMA_FAST).describe('Fast EMA period in candles; must be less than slow.'),
  slow: z.number().int().positive().max(MAX_PERIOD).default(DEFAULT_EMA_SLOW).describe('Slow EMA period in candles.'),
  atr_stop_mult: z
    .number()
    .positive()
    .max(MAX_ATR_MULT)
    .optional()
    .describe('Optional: put the initial stop atr_stop_mult × ATR(atr_period) from the entry instead of stop_loss_pct.'),
  atr_period: z.number().int().positive().max(MAX_PERIOD).default(14).describe('ATR period in candles, used with atr_stop_mult.'),
});

const signalsSchema = z.strictObject({
  name: z.literal('signals').describe('"signals": enter on the rows of a CSV file (time,symbol,side[,stop_loss_pct]).'),
  file: z.string().min(1).describe("Path of the signals CSV file, relative to the config file's directory (`--signals` on the command line is relative to the working directory)."),
});

// A user's strategy file; its params are checked by the zod schema the file exports, when it is loaded (src/strategy/module-loader.ts).
const moduleSchema = z.strictObject({
  name: z.literal('module').describe('"module": your own strategy, a TypeScript or JavaScript file that exports params (a zod schema) and create(params) (docs/strategies.md).'),
  path: z.string().min(1).describe("Path of the strategy file (.ts, .mts, .js, .mjs), relative to the config file's directory."),
  params: z.record(z.string(), z.unknown()).default({}).describe("Parameters for the module, checked by the zod schema it exports when it is loaded."),
});

const strategySchema = z.discriminatedUnion('name', [emaCrossSchema, signalsSchema, moduleSchema]);

const positionSizeSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('quote').describe('"quote": value is the notional of each position in the quote currency (USDT).'),
    value: z.number().positive().max(MAX_POSITION_VALUE).describe('Notional per position in USDT (> 0).'),
  }),
  z.strictObject({
    mode: z.literal('base').describe('"base": value is the quantity of each position in the base asset (e.g. BTC).'),
    value: z.number().positive().max(MAX_POSITION_VALUE).describe('Quantity per position in the base asset (> 0).'),
  }),
  z.strictObject({
    mode: z.literal('risk_pct').describe('"risk_pct": value is the % of equity lost if the initial stop is hit.'),
    value: z.number().positive().max(100).describe('Equity % risked per position (> 0 and ≤ 100).'),
  }),
]);

const MOVE_STOP_TO_NAMES = ['breakeven', 'previous_tp', 'none'] as const;

const moveStopToSchema = z.union(
  [
    z.enum(MOVE_STOP_TO_NAMES),
    z.strictObject({
      profit_pct: z
        .number()
        // At -100 % a long's stop would sit at a price of 0; the upper side is checked against the level (rules.ts).
        .gt(-100)
        .describe("Stop price as a % distance from the entry (negative: still at a loss); must be less than the level's own profit_pct."),
    }),
  ],
  { error: 'must be "breakeven", "previous_tp", "none" or { "profit_pct": number }' },
);

const levelSchema = z.strictObject({
  profit_pct: z
    .number()
    .positive()
    .max(MAX_PRICE_PCT)
    .describe("Distance of this level's target from the entry in % (> 0, greater than the previous level's)."),
  close_pct: z
    .number()
    .positive()
    .max(100)
    .describe('Share of the original position closed at this level, in % (> 0 and ≤ 100; all levels sum to 100).'),
  move_stop_to: moveStopToSchema
    .optional()
    .describe(
      'Where the stop moves when this level fills: "breakeven", "previous_tp", "none" or { "profit_pct": x }. ' +
        'Default: "breakeven" for the first level, "previous_tp" for the others.',
    ),
});

const levelsSchema = z
  .array(levelSchema)
  .min(1)
  .max(MAX_LEVELS)
  .default(() => structuredClone(DEFAULT_LEVELS) as LevelInput[])
  // The default stop move depends on the level's index, so it is written out here once (R1.5).
  .transform((levels) =>
    levels.map((l, i): LevelOutput => ({ ...l, move_stop_to: l.move_stop_to ?? defaultMoveStopTo(i) })),
  );

const feesSchema = z.strictObject({
  taker_pct: z.number().min(0).max(MAX_COST_PCT).default(0.05).describe('Taker fee in % of notional: entries, market exits, stops.'),
  maker_pct: z.number().min(0).max(MAX_COST_PCT).default(0.02).describe('Maker fee in % of notional: resting limit exits.'),
});

const backtestSchema = z.strictObject({
  starting_balance: z.number().positive().max(MAX_BALANCE).default(10_000).describe('Starting equity of a backtest, in the quote currency.'),
  intrabar: z
    .enum(['pessimistic', 'ohlc'])
    .default('pessimistic')
    .describe(
      'Price path inside a candle: "pessimistic" (long: open→low→high→close, short: open→high→low→close) ' +
        'or "ohlc" (open→low→high→close on up candles, open→high→low→close on down candles).',
    ),
});

const storeSchema = z.strictObject({
  path: z.string().min(1).default('ladder.db').describe('SQLite file that keeps positions, ladder state, orders and fills.'),
});

const dashboardSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('Address the dashboard listens on; keep 127.0.0.1 unless you mean to expose it.'),
  port: z.number().int().min(0).max(65_535).default(8080).describe('TCP port of the dashboard (1–65535, or 0 for any free port).'),
});

// The signal webhook ([entries] 2, docs/webhook.md). Its secret is never here: LADDER_WEBHOOK_SECRET (environment or .env).
const webhookSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('Address the signal webhook listens on (ladder live|paper --webhook); keep 127.0.0.1 behind a reverse proxy or tunnel.'),
  port: z.number().int().min(0).max(65_535).default(8081).describe('TCP port of the signal webhook (1–65535, or 0 for any free port).'),
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, { error: 'must be a URL path starting with "/" (letters, digits, . _ ~ / -)' })
    .max(200)
    .default('/webhook')
    .describe('URL path that accepts signals (POST).'),
  max_lag_s: z.number().int().positive().max(86_400).default(60).describe('An entry signal whose time is more than this many seconds old when it arrives is refused, and so is one still waiting this long after it arrived (the bot was down); a close is acted on however late while the bot runs (one stored before a restart expires as an entry does).'),
  allow_ips: z
    .array(z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address like "52.89.214.238"' }))
    .default(() => [])
    .describe("Addresses a signal may come from (e.g. TradingView's published webhook addresses); empty: any address."),
  rate_limit_per_min: z
    .number()
    .int()
    .positive()
    .max(10_000)
    .default(60)
    .describe('Signals (with the secret) accepted per minute from one address, and, counted apart, refused requests (without it); more are answered 429.'),
});

/** A risk-limit cool-down in minutes: 30 days (a bound against typos, like bounds.ts). */
const MAX_COOLDOWN_MINUTES = 43_200;

// Risk limits ([operate] 3): checked by the bot before every entry (src/core/risk/limits.ts); each one absent = no limit.
const riskLimitsSchema = z
  .strictObject({
    daily_loss_limit: z
      .number()
      .positive()
      .max(MAX_BALANCE)
      .optional()
      .describe('No new entry once the realised loss of the current UTC day reaches this much, in the quote currency (> 0).'),
    max_drawdown_pct: z
      .number()
      .positive()
      .max(100)
      .optional()
      .describe('No new entry while equity is this % or more below its highest value seen by the bot (> 0 and ≤ 100).'),
    max_total_notional: z
      .number()
      .positive()
      .max(MAX_BALANCE)
      .optional()
      .describe("No new entry that would bring the open positions' total notional, the new entry's included, above this, in the quote currency (> 0)."),
    max_consecutive_losses: z
      .number()
      .int()
      .positive()
      .max(MAX_OPEN_POSITIONS)
      .optional()
      .describe('After this many losing trades in a row, no new entry for cooldown_minutes (without cooldown_minutes: until the next UTC day).'),
    cooldown_minutes: z
      .number()
      .positive()
      .max(MAX_COOLDOWN_MINUTES)
      .optional()
      .describe('Length of the pause after max_consecutive_losses losing trades in a row, in minutes (> 0; needs max_consecutive_losses).'),
  })
  // A pause with nothing to start it is a forgotten key, not a harmless one.
  .refine((r) => r.cooldown_minutes === undefined || r.max_consecutive_losses !== undefined, {
    path: ['cooldown_minutes'],
    error: 'needs max_consecutive_losses (the losing streak that starts the pause)',
  });

/** What a notification channel can be sent ([operate] 5, docs/notifications.md). */
export const NOTIFY_EVENTS = ['entry', 'tp', 'stop', 'exit', 'risk', 'alert'] as const;

const notifyEventsSchema = z
  .array(z.enum(NOTIFY_EVENTS))
  .min(1)
  .refine((a) => new Set(a).size === a.length, { error: 'lists an event twice' })
  .default(() => [...NOTIFY_EVENTS]);

// Notifications ([operate] 5, docs/notifications.md). No secret here: the bot token is LADDER_TELEGRAM_BOT_TOKEN and the
// webhook's signing secret LADDER_NOTIFY_WEBHOOK_SECRET (environment or .env).
const telegramSchema = z.strictObject({
  chat_id: z
    .union([z.number().int(), z.string().regex(/^(-?[1-9][0-9]{0,19}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, { error: 'must be a numeric chat id like "-1001234567890" or a channel name like "@my_channel"' })])
    .transform((v) => String(v))
    .describe('The one Telegram chat that gets the messages and whose /status, /profit and /levels are answered: a numeric id ("123456789", "-1001234567890") or "@channel_name".'),
  events: notifyEventsSchema.describe('What this chat is sent: any of "entry", "tp", "stop", "exit", "risk", "alert" (default: all).'),
  min_interval_ms: z.number().int().min(1000).max(3_600_000).default(1000).describe('Least time between two messages to the chat, in ms (at least 1000: Telegram allows about one message a second per chat).'),
  api_root: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL like "https://api.telegram.org"' })
    .default('https://api.telegram.org')
    .describe('Bot API server (a self-hosted one, or a local test server); the token is added by Ladder, never written here.'),
  commands: z.boolean().default(true).describe('Answer the read-only commands /status, /profit and /levels from the configured chat (long polling).'),
});

const notifyWebhookSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL like "https://example.com/ladder"' })
    .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), { error: 'must not carry a user or password: the signing secret comes from LADDER_NOTIFY_WEBHOOK_SECRET' })
    .describe('Where every notification is POSTed as JSON, with a stable "id" a receiver can dedupe on.'),
  events: notifyEventsSchema.describe('What the webhook is sent: any of "entry", "tp", "stop", "exit", "risk", "alert" (default: all).'),
  min_interval_ms: z.number().int().min(0).max(3_600_000).default(0).describe('Least time between two POSTs, in ms (0: no pacing).'),
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000).describe('A POST not answered within this many ms is tried again later.'),
});

const notifySchema = z.strictObject({
  telegram: telegramSchema.optional().describe('Telegram messages through a bot (grammY); off unless set.'),
  webhook: notifyWebhookSchema.optional().describe('A generic JSON webhook; off unless set.'),
  exchange_unreachable_after_s: z
    .number()
    .int()
    .positive()
    .max(86_400)
    .default(300)
    .describe('Alert when the exchange has not answered for this many seconds (and again when it answers).'),
  outbox_retention_days: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(30)
    .describe('Delivered notifications older than this many days are deleted from the store (at start, then daily); undelivered ones are kept.'),
});

/** The whole config.json without the cross-field rules; its shape is what the JSON Schema shows. */
export const configShapeSchema = z.strictObject({
  $schema: z.string().optional().describe("Path or URL of this file's JSON Schema, for editors; ignored by Ladder."),
  exchange: exchangeSchema
    .default(() => exchangeSchema.parse({}))
    .describe('Exchange to trade on. No secrets here: API keys come from LADDER_API_KEY and LADDER_API_SECRET in the environment or .env.'),
  symbols: z
    .array(z.string().regex(SYMBOL, { error: 'must be a ccxt unified futures symbol like "BTC/USDT:USDT"' }))
    .min(1)
    .default(() => ['BTC/USDT:USDT'])
    .describe('Markets to trade, as ccxt unified symbols (e.g. "BTC/USDT:USDT" for the BTCUSDT perpetual), without duplicates.'),
  timeframe: z.enum(TIMEFRAMES).default('1h').describe('Candle timeframe the strategy runs on.'),
  strategy: strategySchema
    .default(() => strategySchema.parse({ name: 'ema_cross' }))
    .describe('Where entries come from: an EMA crossover ("ema_cross"), a CSV file of signals ("signals") or your own strategy file ("module").'),
  manage_manual_positions: z
    .boolean()
    .default(false)
    .describe('true: paper and live adopt a position opened by hand (outside Ladder) on any configured symbol, with a ladder, a stop and TPs, as --manage does.'),
  leverage: z
    .number()
    .int()
    .min(1)
    .max(125)
    .default(DEFAULT_LEVERAGE)
    .describe('Leverage set on every symbol, an integer from 1 to 125; stop_loss_pct must stay inside its liquidation distance.'),
  margin_mode: z
    .enum(['isolated', 'cross'])
    .default('isolated')
    .describe('Margin mode set on every symbol at start (paper and live): "isolated" (the liquidation check assumes it) or "cross".'),
  max_open_positions: z
    .number()
    .int()
    .positive()
    .max(MAX_OPEN_POSITIONS)
    .default(3)
    .describe('Most positions open at once across all symbols; entry signals beyond it are ignored.'),
  position_size: positionSizeSchema
    // 1000 USDT, not 100: on Binance USDⓈ-M, 100 USDT of BTC rounds down to 0.001 BTC, below BTCUSDT's 100 USDT
    // MIN_NOTIONAL for entries, so every BTC entry of the default config would be refused.
    .default(() => ({ mode: 'quote' as const, value: 1000 }))
    .describe("Size of each new position; the quantity is rounded down to the symbol's step size."),
  stop_loss_pct: z
    .number()
    .positive()
    .default(DEFAULT_STOP_LOSS_PCT)
    .describe('Initial stop distance from the entry in % (> 0 and below the liquidation distance at the configured leverage).'),
  take_profit_pct: z
    .number()
    .positive()
    .max(MAX_PRICE_PCT)
    .default(3)
    .describe('Single take-profit distance from the entry in %: used when scaled TP is off, and as the fallback for a position too small to split.'),
  enable_scaled_take_profit: z
    .boolean()
    .default(false)
    .describe('true: close each position in steps at scaled_tp_levels; false: close it whole at take_profit_pct.'),
  scaled_tp_levels: levelsSchema.describe(
    'The take-profit ladder: 1 to 20 levels, profit_pct strictly ascending, close_pct summing to exactly 100.',
  ),
  scaled_tp_min_order_size: z
    .number()
    .min(0)
    .max(MAX_POSITION_VALUE)
    .default(0)
    .describe("Smallest exit the ladder sends, as notional in the quote currency at the level's target; 0: only the exchange's minimums apply."),
  scaled_tp_fallback_to_single: z
    .boolean()
    .default(true)
    .describe('When no partial exit can meet the minimum: true manages the position with the single take-profit, false closes it whole at the last level.'),
  scaled_tp_execution: z
    .enum(['market', 'limit'])
    .default('market')
    .describe('"market": a reduce-only market order when a target is touched; "limit": reduce-only limit orders resting at every target from the entry.'),
  breakeven_offset_pct: z
    .number()
    .min(0)
    .max(MAX_PRICE_PCT)
    .default(DEFAULT_BREAKEVEN_OFFSET_PCT)
    .describe(
      "Distance in % past the entry, in the position's favour, where a breakeven stop goes (e.g. to cover fees); " +
        'less than the profit_pct of every level that moves the stop to breakeven.',
    ),
  fees: feesSchema.default(() => feesSchema.parse({})).describe('Trading fees in % of notional, used by backtests and paper fills; 0 is allowed.'),
  slippage_pct: z.number().min(0).max(MAX_COST_PCT).default(0).describe('Slippage in % applied against the trader on simulated market fills.'),
  backtest: backtestSchema.default(() => backtestSchema.parse({})).describe('Backtest settings.'),
  store: storeSchema.default(() => storeSchema.parse({})).describe('Where the bot keeps its state.'),
  dashboard: dashboardSchema.default(() => dashboardSchema.parse({})).describe('The web dashboard.'),
  webhook: webhookSchema.default(() => webhookSchema.parse({})).describe('The signal webhook (TradingView alerts and anything that can POST JSON); off unless --webhook is given.'),
  risk_limits: riskLimitsSchema
    .default(() => ({}))
    .describe('Limits that stop new entries (open positions keep their ladder and stop); each one is off unless set.'),
  notify: notifySchema
    .default(() => notifySchema.parse({}))
    .describe('Notifications of entries, take-profits, stop moves, exits, risk limits and alerts, by Telegram and/or a JSON webhook; off unless a channel is set.'),
});

/**
 * The zod schema of config.json: shape, defaults and every cross-field rule. Parsing with it
 * directly works, but reports cross-field problems only when the shape is right; use
 * `parseConfigValue` / `parseConfigText` to get every problem at once.
 */
export const configSchema = configShapeSchema
  .superRefine((cfg, ctx) => {
    for (const issue of crossFieldIssues(cfg)) ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
  })
  .meta({
    title: 'Ladder configuration',
    description: 'config.json of Ladder, a scaled take-profit bot for crypto perpetual futures. Every key is optional and has a default.',
  });

type LevelInput = z.input<typeof levelSchema>;
interface LevelOutput {
  profit_pct: number;
  close_pct: number;
  move_stop_to: MoveStopTo;
}

/** The parsed config: snake_case keys as in the file, every default filled in. */
export type LadderConfig = Omit<z.output<typeof configShapeSchema>, '$schema'>;
/** One take-profit level; `move_stop_to` is always written out (R1.5 defaults applied). */
export type LevelConfig = LevelOutput;
/** Where the stop goes when a level fills (R1.5). */
export type MoveStopTo = z.output<typeof moveStopToSchema>;
export type StrategyConfig = z.output<typeof strategySchema>;
export type PositionSizeConfig = z.output<typeof positionSizeSchema>;
export type RiskLimitsConfig = z.output<typeof riskLimitsSchema>;
export type NotifyConfig = z.output<typeof notifySchema>;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
