/**
 * The one closed set of things that can go wrong while downloading Binance's archives. Only
 * `transient` is retried; everything else stops the download with a message a person can act on.
 */
export type DownloadErrorCode =
  /** Bad `--symbol`, `--type`, `--interval`, `--from`/`--to`, `--market` or `--base-url`, or a type the market has not. */
  | 'badInput'
  /** The server has no such archive (HTTP 404). */
  | 'notFound'
  /** Worth another try: 5xx, 408, 429, a reset or timed-out connection, a body cut short. */
  | 'transient'
  /** Any other HTTP answer or network failure (403, a host that does not resolve, …). */
  | 'http'
  /** The archive's SHA-256 differs from its `.CHECKSUM` file. */
  | 'checksum'
  /** The archive verifies but does not hold usable klines (or funding rates) of the month it is named for. */
  | 'badArchive'
  /** Reading or writing the output directory failed. */
  | 'io';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  readonly code: DownloadErrorCode;
  /** For `transient`: how long the server asked us to wait (Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(code: DownloadErrorCode, message: string, retryAfterMs?: number) {
    super(message);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Socket error codes after which the same request may well succeed. */
const TRANSIENT_NET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

/** File-system error codes: the output directory, not the network, is the problem. */
const IO_CODES = new Set(['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'ENOENT', 'EEXIST', 'EMFILE', 'EDQUOT']);

/** A Node network, stream or file error → `transient`, `io` or `http`, keeping the original text. */
export function fromNetworkError(e: unknown, what: string): DownloadError {
  if (e instanceof DownloadError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ?? '';
  const text = `${what}: ${err?.message ?? String(e)}${code && !String(err?.message).includes(code) ? ` (${code})` : ''}`;
  if (IO_CODES.has(code)) return new DownloadError('io', text);
  const transient = TRANSIENT_NET_CODES.has(code) || /aborted|socket hang up|timed out/i.test(String(err?.message));
  return new DownloadError(transient ? 'transient' : 'http', text);
}

/** HTTP statuses worth retrying. */
export const isTransientStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429;
