/**
 * One readable line per log event for a terminal (`--log-format pretty`, the demo): the same pino
 * records the JSON log holds, so the two never disagree. Trading events get a sentence of their own;
 * order plumbing (order.sent, tp.hit before its fill, …) stays in the JSON log only; any other
 * event is printed as its name and fields, marked `!` when a warning and `✗` when an error.
 */

export type LogRecord = Readonly<Record<string, unknown>>;

/** pino's numeric levels. */
const INFO = 30;
const WARN = 40;
const ERROR = 50;

/** Events that only repeat what a printed line says, or are the order traffic behind it. */
const QUIET = new Set([
  'ladder.start', // the start summary says it
  'dashboard.started', // the start summary has the URL
  'position.opened', // plan.made prints the entry with its ladder
  'tp.hit', // its fill.applied follows
  'order.requested',
  'order.sent',
  'order.canceled',
  'order.found_by_client_id',
  'order.in_doubt_looked_up',
  'order.cancel_found_ended', // a cancel that found its order already ended: plumbing
  'stop.not_on_exchange', // after stop.crossed_at_placement: the close at market it announced follows
]);

/** Fields a generic line leaves out: pino's own, and those the line head already shows. */
const HEAD_KEYS = new Set(['level', 'time', 'app', 'msg', 'symbol', 'eventTime', 'pid', 'hostname']);

/** The terminal line of one record; null when the event is not printed (debug, or QUIET). */
export function eventLine(r: LogRecord): string | null {
  const level = num(r['level']);
  const msg = str(r['msg']);
  if (level < INFO || QUIET.has(msg)) return null;
  const head = `${stamp(r)}  ${str(r['symbol']).padEnd(9)} `;
  const text = level < WARN ? (sentence(r, msg) ?? generic(r, msg)) : `${level >= ERROR ? '✗' : '!'} ${sentence(r, msg) ?? generic(r, msg)}`;
  return `${head}${text}`;
}

function sentence(r: LogRecord, msg: string): string | null {
  switch (msg) {
    case 'plan.made':
      return `${str(r['side']).toUpperCase()} ${r['qty']} at ${r['entry']}  stop ${r['stop']}  ${ladderText(r)}`;
    case 'fill.applied':
      return fillText(r);
    case 'stop.moved':
      return `${num(r['to']) > num(r['from']) ? '↑' : '↓'} stop ${r['from']} → ${r['to']} (${str(r['reason'])})`;
    case 'stop.reached':
      return `stop reached at ${r['price']}: closing the rest`;
    case 'stop.crossed_at_placement':
      return `stop ${r['stopPrice']} not placed: the price had already crossed it (-2021); the rest closes at market`;
    case 'order.cancel_stuck_triggering':
      return `${str(r['clientOrderId'])} is stuck in TRIGGERING on the exchange: its cancel is answered -2011 while it is listed, so it still rests; asked again in ${r['nextTryS']} s, then less often, up to every ${r['maxWaitS']} s`;
    case 'order.cancel_stuck_ended':
      return `${str(r['clientOrderId'])} is no longer listed, after ${r['stuckForS']} s stuck in TRIGGERING (${r['cancelsAsked']} cancels asked)`;
    case 'position.closed':
      return `closed (${str(r['reason'])})  total pnl ${signed(num(r['pnl']))}  avg exit ${Number(num(r['avgExitPrice']).toPrecision(8))}`;
    case 'position.funding': {
      const n = num(r['settlements']);
      return `funding ${signed(num(r['amount']))} (${n} settlement${n === 1 ? '' : 's'}), ${str(r['status']) === 'closed' ? 'the closed trade' : 'the position'} now ${signed(num(r['funding']))} in all`;
    }
    case 'position.adopted':
      return `adopted a position opened by hand: ${str(r['side']).toUpperCase()} ${r['qty']} at ${r['price']}  ladder ${str(r['plan'])}`;
    case 'signal':
      return `signal ${str(r['side'])} (${str(r['reason'])})`;
    case 'close.requested':
      return `closing the position (${str(r['reason'])})`;
    case 'bot.started': {
      const open = Array.isArray(r['open']) && r['open'].length ? r['open'].join(', ') : 'none';
      return `bot started on ${Array.isArray(r['symbols']) ? r['symbols'].join(', ') : ''}; open positions: ${open}`;
    }
    case 'bot.stopped':
      return `bot stopped, store ${str(r['db'])} closed`;
    case 'webhook.started':
      return `webhook listening at ${str(r['url'])}`;
    case 'risk.limit_hit':
      return `risk limit ${str(r['limit'])} hit: ${str(r['detail'])}; no new entries${r['until'] ? ` until ${str(r['until'])}` : ' until it clears'} (open positions keep their ladder and stop)`;
    case 'run.data_ended':
      return str(r['detail']);
    case 'risk.limit_cleared':
      return 'risk limit cleared: entries allowed again';
    case 'account.margin_mode_set':
      return `margin mode set to ${str(r['marginMode'])}`;
    default:
      return null;
  }
}

/** `ladder TP1 60600 (0.003) · TP2 …`, or the single take-profit and why it is single. */
function ladderText(r: LogRecord): string {
  const levels = Array.isArray(r['levels']) ? (r['levels'] as LogRecord[]) : [];
  const parts = levels.map((l) => (l['skipped'] ? `${str(l['reason']).toUpperCase()} skipped (${str(l['skipped'])})` : `${str(l['reason']).toUpperCase()} ${l['target']} (${l['qty']})`));
  if (r['mode'] !== 'single') return `ladder ${parts.join(' · ')}`;
  const why = r['singleReason'] === 'disabled' ? 'scaled TP off' : 'too small to split';
  return `single take-profit ${parts.join(' · ')} (${why})`;
}

/** `✓ TP1 filled 0.003 at 60650, 0.08 % (50) better than the target 60600  pnl +1.65  left 0.007`. */
function fillText(r: LogRecord): string {
  const reason = str(r['reason']);
  const what = reason.startsWith('tp') ? `✓ ${reason.toUpperCase()} filled` : `■ ${reason} exit`;
  const left = num(r['remaining']) > 0 ? `  left ${r['remaining']}` : '';
  return `${what} ${r['qty']} at ${r['price']}${slippageText(r)}  pnl ${signed(num(r['pnl']))}${left}`;
}

/** How far from its target or stop a fill went, both in % and in price; '' when it had no reference. */
export function slippageText(r: LogRecord): string {
  if (typeof r['refPrice'] !== 'number' || typeof r['slippage'] !== 'number') return '';
  const kind = str(r['refKind']);
  const s = r['slippage'];
  if (s === 0) return `, at the ${kind}`;
  const pct = Math.abs(num(r['slippagePct'])).toFixed(2);
  return `, ${pct} % (${Math.abs(s)}) ${s > 0 ? 'worse' : 'better'} than the ${kind} ${r['refPrice']}`;
}

function generic(r: LogRecord, msg: string): string {
  const fields = Object.entries(r)
    .filter(([k, v]) => !HEAD_KEYS.has(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${k === 'err' && v && typeof v === 'object' && 'message' in v ? String(v.message) : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return fields.length ? `${msg}  ${fields.join(' ')}` : msg;
}

/** `2024-03-01 10:00:00` (UTC): the event's own time (exchange or candle time) when it has one, else the line's. */
function stamp(r: LogRecord): string {
  const t = str(r['eventTime']) || str(r['signalTime']) || str(r['time']);
  return t.slice(0, 19).replace('T', ' ');
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
