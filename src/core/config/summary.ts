import { assertNever } from '../result.ts';
import type { LadderConfig, LevelConfig, PositionSizeConfig, RiskLimitsConfig, StrategyConfig } from './schema.ts';

/**
 * One line that says what a config will do, e.g. `binanceusdm BTC/USDT:USDT 1h, ema_cross 12/26,
 * 1x, 1000 USDT per position, stop 2 %, scaled TP on: 30 % at 1 %, 30 % at 2 %, 40 % at 3.5 %`.
 */
export function summarizeConfig(c: LadderConfig): string {
  const exchange = c.exchange.testnet ? `${c.exchange.id} (testnet)` : c.exchange.id;
  const exits = c.enable_scaled_take_profit
    ? `scaled TP on: ${c.scaled_tp_levels.map((l) => `${l.close_pct} % at ${l.profit_pct} %`).join(', ')}`
    : `scaled TP off (single TP ${c.take_profit_pct} %)`;
  return [
    `${exchange} ${c.symbols.join(' ')} ${c.timeframe}`,
    strategyText(c.strategy),
    `${c.leverage}x`,
    sizeText(c.position_size, quoteOf(c.symbols)),
    `stop ${c.stop_loss_pct} %`,
    exits,
  ].join(', ');
}

/** What a run adds to its config: only known once the exchange, the store and the servers are up. */
export interface RunFacts {
  readonly mode: 'live' | 'paper' | 'demo';
  /** The server orders or market data go to instead of the exchange's own (--exchange-url, the demo's simulator); null: the exchange's. */
  readonly exchangeUrl: string | null;
  /** Equity (wallet + unrealised PnL: Binance's margin balance, paper's too) of the symbols' settle assets read at start; empty when not known. */
  readonly balances: readonly { readonly asset: string; readonly total: number }[];
  readonly storePath: string;
  /** null: no dashboard (--no-dashboard). */
  readonly dashboardUrl: string | null;
  /** null: the signal webhook is off. */
  readonly webhookUrl: string | null;
  /** Where the JSON log goes besides the terminal, e.g. a --log-file path; null: nowhere else. */
  readonly logFile: string | null;
}

const MODE_TEXT: Record<RunFacts['mode'], string> = {
  live: 'live: real orders with real money',
  paper: 'paper: live prices, simulated fills (fees and slippage below), no orders sent',
  demo: 'demo: the bot trades on the offline simulator (no keys, no network)',
};

/**
 * The start summary printed before trading starts ([operate] 2): everything the config and the run
 * will do, one `label  text` line each (continuation lines indented), so nobody goes live unaware
 * that, say, the shipped config trades a single take-profit.
 */
export function startSummary(c: LadderConfig, f: RunFacts): string[] {
  const quote = quoteOf(c.symbols);
  const row = (label: string, text: string) => `  ${label.padEnd(10)} ${text}`;
  const more = (text: string) => `  ${''.padEnd(10)} ${text}`;
  const lines = [
    `Ladder ${f.mode}`,
    row('mode', MODE_TEXT[f.mode]),
    row('exchange', exchangeText(c, f)),
    row('account', f.balances.length ? f.balances.map((b) => `${money(b.total)} ${b.asset} equity (wallet + unrealised PnL)`).join(', ') : 'balance not known yet'),
    row('symbols', `${c.symbols.join(', ')} on ${c.timeframe} candles`),
    row('strategy', strategyDetail(c.strategy)),
    row('webhook', f.webhookUrl ? `${f.webhookUrl} (entry and close signals, POST)` : 'off'),
  ];
  if (c.enable_scaled_take_profit) {
    lines.push(row('exit', `scaled take-profit, ${c.scaled_tp_levels.length} levels, ${c.scaled_tp_execution === 'limit' ? 'reduce-only limit orders resting at the targets' : 'a reduce-only market order when a target is touched'}:`));
    const last = c.scaled_tp_levels.length - 1;
    c.scaled_tp_levels.forEach((l, i) =>
      lines.push(more(`TP${i + 1}  ${`+${l.profit_pct} %`.padEnd(8)} close ${`${l.close_pct} %`.padEnd(6)} then ${i === last ? 'the position is closed' : stopMoveText(l, i, c.breakeven_offset_pct)}`)),
    );
    lines.push(more(`too small to split: ${c.scaled_tp_fallback_to_single ? `single take-profit at ${c.take_profit_pct} %` : 'closed whole at the last level'}`));
  } else {
    lines.push(row('exit', `single take-profit at ${c.take_profit_pct} % (scaled TP off); set enable_scaled_take_profit to true to trade the ladder`));
  }
  lines.push(row('stop', `${initialStopText(c)}; ${c.enable_scaled_take_profit ? `ladder: ${stopLadderText(c)}` : 'it stays where it is until the exit (no stop ladder without scaled TP)'}`));
  lines.push(row('sizing', `${sizeText(c.position_size, quote)}, leverage ${c.leverage}x, ${c.margin_mode} margin, at most ${c.max_open_positions} open position${c.max_open_positions === 1 ? '' : 's'}`));
  lines.push(row('limits', limitsText(c.risk_limits, quote)));
  lines.push(row('costs', costsText(c, f.mode)));
  lines.push(row('store', f.storePath));
  lines.push(row('dashboard', f.dashboardUrl ?? 'off'));
  if (f.logFile) lines.push(row('log file', `${f.logFile} (JSON lines)`));
  return lines;
}

function exchangeText(c: LadderConfig, f: RunFacts): string {
  if (f.mode === 'demo') return `simulator at ${f.exchangeUrl ?? '?'} (Binance USDⓈ-M compatible, replaying shipped real candles)`;
  const name = c.exchange.testnet ? `${c.exchange.id} testnet (Binance demo trading)` : c.exchange.id;
  if (f.exchangeUrl) return `${name} API at ${f.exchangeUrl}${f.mode === 'paper' ? ' (market data)' : ''}`;
  return f.mode === 'paper' ? `${name} (public market data only)` : name;
}

/** The settle (margin) asset of each symbol, e.g. USDT for BTC/USDT:USDT, without repeats. */
export function settleAssetsOf(symbols: readonly string[]): string[] {
  return [...new Set(symbols.map((s) => s.split(':')[1]!.split('-')[0]!))];
}

/** The quote currency of the symbols (USDT, or e.g. `USDT/USDC` when they differ). */
function quoteOf(symbols: readonly string[]): string {
  return [...new Set(symbols.map((s) => s.split('/')[1]!.split(':')[0]!))].join('/');
}

function strategyText(s: StrategyConfig): string {
  switch (s.name) {
    case 'ema_cross':
      return `ema_cross ${s.fast}/${s.slow}`;
    case 'signals':
      return `signals from ${s.file}`;
    case 'module':
      return `module ${s.path}`;
    default:
      return assertNever(s);
  }
}

function strategyDetail(s: StrategyConfig): string {
  switch (s.name) {
    case 'ema_cross':
      return `ema_cross (EMA crossover): fast ${s.fast}, slow ${s.slow}${s.atr_stop_mult !== undefined ? `, stop ${s.atr_stop_mult} × ATR(${s.atr_period})` : ''}`;
    case 'signals':
      return `signals from the CSV file ${s.file}`;
    case 'module': {
      const params = JSON.stringify(s.params);
      return `module ${s.path}, params ${params === '{}' ? '(defaults)' : params}`;
    }
    default:
      return assertNever(s);
  }
}

function stopMoveText(l: LevelConfig, index: number, breakevenOffsetPct: number): string {
  const m = l.move_stop_to;
  if (m === 'breakeven') return `stop → breakeven${breakevenOffsetPct ? ` (entry + ${breakevenOffsetPct} %)` : ' (the entry)'}`;
  // Level 0 cannot say previous_tp (rules.ts): there is always a previous target here.
  if (m === 'previous_tp') return `stop → TP${index}'s target`;
  if (m === 'none') return 'the stop stays';
  return `stop → ${m.profit_pct >= 0 ? '+' : ''}${m.profit_pct} % from the entry`;
}

function stopLadderText(c: LadderConfig): string {
  // The last level closes what is left: a stop move after it would never happen.
  const steps = c.scaled_tp_levels
    .slice(0, -1)
    .map((l, i) => (l.move_stop_to === 'none' ? null : `after TP${i + 1} ${stopMoveText(l, i, c.breakeven_offset_pct).replace(/^stop → /, '')}`))
    .filter((s): s is string => s !== null);
  return steps.length ? steps.join(', ') : 'none (every level keeps the stop where it is)';
}

function initialStopText(c: LadderConfig): string {
  if (c.strategy.name === 'ema_cross' && c.strategy.atr_stop_mult !== undefined) return `initial ${c.strategy.atr_stop_mult} × ATR(${c.strategy.atr_period}) from the entry`;
  const perSignal = c.strategy.name === 'signals' ? ' (or the stop_loss_pct of a signal row)' : c.strategy.name === 'module' ? ' (or the stop the module gives)' : '';
  return `initial ${c.stop_loss_pct} % from the entry${perSignal}`;
}

function sizeText(p: PositionSizeConfig, quote = 'USDT'): string {
  switch (p.mode) {
    case 'quote':
      return `${p.value} ${quote} per position`;
    case 'base':
      return `${p.value} base units per position`;
    case 'risk_pct':
      return `${p.value} % of equity at risk per position`;
    default:
      return assertNever(p);
  }
}

function limitsText(r: RiskLimitsConfig, quote: string): string {
  const parts: string[] = [];
  if (r.daily_loss_limit !== undefined) parts.push(`daily loss ${r.daily_loss_limit} ${quote}`);
  if (r.max_drawdown_pct !== undefined) parts.push(`drawdown ${r.max_drawdown_pct} % from the equity peak`);
  if (r.max_total_notional !== undefined) parts.push(`total notional ${r.max_total_notional} ${quote}`);
  if (r.max_consecutive_losses !== undefined) {
    const pause = r.cooldown_minutes !== undefined ? `${r.cooldown_minutes} min pause` : 'pause until the next UTC day';
    parts.push(`${r.max_consecutive_losses} losses in a row → ${pause}`);
  }
  return parts.length ? `${parts.join(', ')} (a hit stops new entries)` : 'none (risk_limits not set)';
}

function costsText(c: LadderConfig, mode: RunFacts['mode']): string {
  const model = `fees taker ${c.fees.taker_pct} %, maker ${c.fees.maker_pct} %, slippage ${c.slippage_pct} %`;
  if (mode === 'paper') return `${model} (applied to the paper fills)`;
  if (mode === 'demo') return "the simulator's fees (taker 0.05 %, maker 0.02 %); market exits fill at its price of the moment";
  return `the exchange's real fees and fills (the config's ${model} apply to backtests and paper only)`;
}

const money = (x: number): string => x.toFixed(2);
