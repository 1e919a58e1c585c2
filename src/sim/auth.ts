import { createHmac, timingSafeEqual } from 'node:crypto';
import { simError, simErrorWithMessage } from './errors.ts';

export interface Credentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** Binance endpoint security types: public, API key only (listenKey), or key + HMAC signature. */
export type Security = 'NONE' | 'USER_STREAM' | 'SIGNED';

export interface AuthRequest {
  readonly apiKey: string | undefined;
  /** Raw query string (without `?`) and raw body, as sent: the signature covers them verbatim. */
  readonly rawQuery: string;
  readonly rawBody: string;
  readonly params: Readonly<Record<string, string>>;
  readonly clientIp: string;
}

/** Binance's largest allowed recvWindow (ms) and its default. */
const MAX_RECV_WINDOW = 60_000;
const DEFAULT_RECV_WINDOW = 5_000;

const withoutSignature = (raw: string): string =>
  raw
    .split('&')
    .filter((kv) => kv !== '' && !kv.startsWith('signature='))
    .join('&');

/** HMAC-SHA256 (hex) of Binance's `totalParams`: the query string concatenated with the body. */
export function sign(secret: string, rawQuery: string, rawBody: string): string {
  return createHmac('sha256', secret).update(withoutSignature(rawQuery) + withoutSignature(rawBody)).digest('hex');
}

/**
 * Checks a request as Binance does: API key (-2014 missing, -2015 unknown), then for SIGNED
 * endpoints the signature (-1022) and the timestamp against the server's wall clock (-1021: older
 * than recvWindow, or more than 1 s ahead).
 */
export function authenticate(req: AuthRequest, security: Security, creds: Credentials, serverNowMs: number): void {
  if (security === 'NONE') return;
  if (!req.apiKey) throw simError('-2014');
  if (req.apiKey !== creds.apiKey) throw simError('-2015', req.clientIp);
  if (security !== 'SIGNED') return;
  const ts = req.params['timestamp'];
  if (ts === undefined || !/^\d+$/.test(ts)) throw simError('-1102', 'timestamp');
  const given = req.params['signature'];
  if (given === undefined) throw simError('-1102', 'signature');
  const expected = sign(creds.apiSecret, req.rawQuery, req.rawBody);
  const a = Buffer.from(expected);
  const b = Buffer.from(given.toLowerCase());
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw simError('-1022');
  const recvText = req.params['recvWindow'];
  const recvWindow = recvText === undefined ? DEFAULT_RECV_WINDOW : Number(recvText);
  if (!Number.isFinite(recvWindow) || recvWindow <= 0) throw simError('-1130', 'recvWindow');
  if (recvWindow > MAX_RECV_WINDOW) throw simError('-1131');
  const timestamp = Number(ts);
  if (timestamp > serverNowMs + 1000) throw simErrorWithMessage('-1021', "Timestamp for this request was 1000ms ahead of the server's time.");
  if (serverNowMs - timestamp > recvWindow) throw simError('-1021');
}
