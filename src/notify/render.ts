import { assertNever } from '../core/result.ts';
import type { OutboxMessage } from '../store/index.ts';
import type { Notice } from './notice.ts';

/** Telegram's limit on a message's text, in characters. */
export const TELEGRAM_MAX_TEXT = 4096;

const money = (x: number): string => (x >= 0 ? `+${x.toFixed(2)}` : x.toFixed(2));
const pct = (part: number, whole: number): string => (whole ? `${((part / whole) * 100).toFixed(2)} %` : '—');

function duration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** One notice as plain text (Telegram; the webhook's `text`). Plain text: nothing to escape, nothing to inject. */
export function noticeText(n: Notice): string {
  switch (n.type) {
    case 'entry': {
      const head = `${n.adopted ? '🟠 Adopted' : n.side === 'long' ? '🟢 Long' : '🔴 Short'} ${n.symbol}${n.adopted ? ` ${n.side}` : ''}: ${n.qty} at ${n.entryPrice}`;
      const levels = n.levels.map((l) => `${l.reason.toUpperCase()} ${l.targetPrice} × ${l.qty}${l.skipped ? ` (skipped: ${l.skipped})` : ''}`);
      return [head, `Stop ${n.stopPrice}`, ...(n.mode === 'single' ? ['Single take-profit:'] : []), ...levels, `(${n.positionId})`].join('\n');
    }
    case 'tp':
      return `✅ ${n.symbol} ${n.reason.toUpperCase()} filled: ${n.qty} at ${n.price}, PnL ${money(n.pnl)}; ${n.remainingQty} left (${n.positionId})`;
    case 'stop':
      return `🛡 ${n.symbol} stop moved ${n.fromPrice} → ${n.toPrice} (${n.rule.replace('_', ' ')} after TP${n.level}) (${n.positionId})`;
    case 'exit': {
      const levels = n.levelsHit.length ? `levels hit ${n.levelsHit.map((l) => `TP${l}`).join(', ')} of ${n.levelsPlanned}` : `no level hit of ${n.levelsPlanned}`;
      const move = n.side === 'long' ? n.avgExitPrice - n.entryPrice : n.entryPrice - n.avgExitPrice;
      return [
        `${n.pnl >= 0 ? '💰' : '🔻'} ${n.symbol} ${n.side} closed (${n.reason}): PnL ${money(n.pnl)}`,
        `${n.qty} from ${n.entryPrice} to avg ${n.avgExitPrice} (${pct(move, n.entryPrice)}), ${levels}, after ${duration(n.durationMs)}`,
        `(${n.positionId})`,
      ].join('\n');
    }
    case 'risk':
      return `⛔ Risk limit ${n.limit} hit: ${n.detail}. No new entry${n.untilMs === null ? ' until it lifts' : ` until ${new Date(n.untilMs).toISOString()}`}; open positions keep their ladder and stop.`;
    case 'alert':
      return `⚠️ ${n.symbol ? `${n.symbol}: ` : ''}${ALERT_TITLES[n.kind]}: ${n.message}`;
    default:
      return assertNever(n);
  }
}

const ALERT_TITLES: Record<Extract<Notice, { type: 'alert' }>['kind'], string> = {
  insufficient_margin: 'insufficient margin',
  halted: 'no new entries',
  exchange_unreachable: 'exchange unreachable',
  exchange_reachable: 'exchange reachable again',
  reconciled: 'position changed outside Ladder',
  strategy_error: 'strategy error',
  other: 'alert',
};

/** The webhook's JSON body: `id` is stable for a message across retries and restarts (dedupe on it). */
export function webhookBody(m: OutboxMessage): string {
  const n = m.payload as Notice;
  return JSON.stringify({ id: m.key, seq: m.id, type: m.type, time: new Date(m.timeMs).toISOString(), symbol: m.symbol, text: noticeText(n), data: n });
}

/**
 * A text cut to Telegram's limit (UTF-16 units), never inside a surrogate pair: half an emoji is not
 * UTF-8, and Telegram refuses the whole message for it.
 */
export function telegramText(text: string): string {
  if (text.length <= TELEGRAM_MAX_TEXT) return text;
  let end = TELEGRAM_MAX_TEXT - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose low half would be cut off
  return `${text.slice(0, end)}…`;
}
