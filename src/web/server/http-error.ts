export type ErrorCode = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'method_not_allowed' | 'too_large' | 'internal';

/** Thrown by a handler for a request it refuses; becomes `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON body of every refusal. */
export const errorBody = (e: HttpError) => ({ error: { code: e.code, message: e.message } });

/** Codes for the 4xx answers fastify itself gives (bad URL, unsupported body, …). */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 413: 'too_large', 414: 'too_large', 431: 'too_large' };

/**
 * Any throw as an answer: our own HttpError as is, a framework error with a 4xx status as that status,
 * anything else 500 with a fixed message (an internal message is for the log, not for any page).
 */
export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  const status = typeof (e as { statusCode?: unknown } | null)?.statusCode === 'number' ? (e as { statusCode: number }).statusCode : 500;
  if (status >= 400 && status < 500) return new HttpError(status, CODE_OF_STATUS[status] ?? 'bad_request', e instanceof Error ? e.message : 'bad request');
  return new HttpError(500, 'internal', 'internal error (logged by the server)');
}
