import { assertNever } from '../result.ts';
import type { LadderConfig, PositionSizeConfig, StrategyConfig } from './schema.ts';

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
    sizeText(c.position_size),
    `stop ${c.stop_loss_pct} %`,
    exits,
  ].join(', ');
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

function sizeText(p: PositionSizeConfig): string {
  switch (p.mode) {
    case 'quote':
      return `${p.value} USDT per position`;
    case 'base':
      return `${p.value} base units per position`;
    case 'risk_pct':
      return `${p.value} % of equity at risk per position`;
    default:
      return assertNever(p);
  }
}
