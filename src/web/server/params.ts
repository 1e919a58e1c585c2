import { parseTimeText } from '../../data/parse-time.ts';
import { symbolProblem, toExchangeSymbol } from '../../strategy/signals-file.ts';
import type { HistoryQuery } from '../../store/index.ts';
import { HttpError } from './http-error.ts';

/**
 * The query of a raw request URL. URLSearchParams never throws: a malformed escape stays as typed,
 * unlike `new URL`, which throws on `//` (issue 12, fault 6).
 */
export function queryOf(rawUrl: string | undefined): URLSearchParams {
  const url = rawUrl ?? '/';
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

/** A time query parameter: epoch ms, or an ISO-8601 date/time (no zone = UTC; never a local-time guess). */
export function parseTimeParam(name: string, v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const ms = /^-?\d+$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}/.test(v) ? parseTimeText(v) : NaN;
  if (!Number.isFinite(ms)) throw new HttpError(400, 'bad_request', `${name}: not a time (epoch ms or ISO 8601): ${v}`);
  return ms;
}

/** A count query parameter, capped at `max`; below `min` (0, or 1 for a page and its size) a 400. */
export function parseIntParam(name: string, v: string | null, dflt: number, max: number, min: 0 | 1 = 0): number {
  if (v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new HttpError(400, 'bad_request', `${name}: not a ${min === 0 ? 'non-negative' : 'positive'} integer: ${v}`);
  return Math.min(n, max);
}

/** The `symbol` parameter as `ladder history --symbol` reads it (BTCUSDT, btcusdt, BTC/USDT:USDT), else a 400 saying why; undefined when absent. */
export function symbolParam(q: URLSearchParams): string | undefined {
  const text = q.get('symbol')?.trim();
  const symbol = text ? toExchangeSymbol(text) : undefined;
  if (text && symbol === undefined) throw new HttpError(400, 'bad_request', `symbol: ${symbolProblem(text)}`);
  return symbol;
}

/**
 * The `from`/`to` window (from ≤ time < to), each bound optional; a window that ends where or before it
 * starts is a 400 naming both, as `ladder history --from/--to` refuses it (not an empty answer as if
 * nothing matched).
 */
export function timeWindowParams(q: URLSearchParams): { fromMs: number | undefined; toMs: number | undefined } {
  const fromMs = parseTimeParam('from', q.get('from'));
  const toMs = parseTimeParam('to', q.get('to'));
  // An epoch-ms bound (what the page sends) is also written as its UTC time: '1743465600000' alone says nothing to a reader.
  const said = (text: string | null, ms: number) => (/^\d+$/.test(text?.trim() ?? '') ? `${text} (${new Date(ms).toISOString()})` : text);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) throw new HttpError(400, 'bad_request', `from: ${said(q.get('from'), fromMs)} is not before to: ${said(q.get('to'), toMs)}`);
  return { fromMs, toMs };
}

/** History's filters: the symbol (symbolParam) and the entry time window. */
export function historyQuery(q: URLSearchParams): HistoryQuery {
  const symbol = symbolParam(q);
  const { fromMs, toMs } = timeWindowParams(q);
  return { ...(symbol ? { symbol } : {}), ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) };
}

/** History's page (1-based) and page size (at most 500); 0 or less is a 400, not taken for 1. */
export function pagingQuery(q: URLSearchParams, defaultPageSize: number): { page: number; pageSize: number } {
  return { page: parseIntParam('page', q.get('page'), 1, Number.MAX_SAFE_INTEGER, 1), pageSize: parseIntParam('pageSize', q.get('pageSize'), defaultPageSize, 500, 1) };
}
