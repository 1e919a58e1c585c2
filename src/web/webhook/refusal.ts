/** Why a request to the webhook was turned down: a stable code (docs/webhook.md) and its HTTP status. */
export type RefusalCode =
  | 'malformed'
  | 'bad_signal'
  | 'unknown_symbol'
  | 'secret'
  | 'ip_not_allowed'
  | 'not_found'
  | 'method_not_allowed'
  | 'duplicate'
  | 'stale'
  | 'too_large'
  | 'rate_limited'
  | 'internal';

const STATUS: Readonly<Record<RefusalCode, number>> = {
  malformed: 400,
  bad_signal: 400,
  unknown_symbol: 400,
  secret: 401,
  ip_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  duplicate: 409,
  stale: 409,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
};

/** Thrown by a hook or handler of the webhook; answered as `{ ok: false, error: { code, message } }`. */
export class Refusal extends Error {
  readonly status: number;
  constructor(
    readonly code: RefusalCode,
    message: string,
    /** Seconds the sender should wait (429). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

/**
 * Any throw as a refusal: ours as is; fastify's own 4xx (body too large, bad content length) by status;
 * anything else 500 with a fixed message (an internal message is for the log only).
 */
export function toRefusal(e: unknown): Refusal {
  if (e instanceof Refusal) return e;
  const status = (e as { statusCode?: unknown } | null)?.statusCode;
  const message = e instanceof Error ? e.message : 'bad request';
  if (status === 413) return new Refusal('too_large', message);
  if (typeof status === 'number' && status >= 400 && status < 500) return new Refusal('malformed', message);
  return new Refusal('internal', 'internal error (logged by the server)');
}
