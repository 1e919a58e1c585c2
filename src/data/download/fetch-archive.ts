/**
 * Fetching one archive and its checksum, with retries: a `.part` file that grows across
 * attempts (and runs) through `Range: bytes=N-`, exponential backoff on transient failures, none
 * on a 404.
 */
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { DownloadError, fromNetworkError, isTransientStatus } from './download-error.ts';
import { httpGet, readText, retryAfterMs } from './http-get.ts';

export interface RetryPolicy {
  /** Tries per request, the first included. */
  readonly attempts: number;
  /** Wait before the 2nd try, in ms; doubled before each further one. */
  readonly baseDelayMs: number;
  /** Longest wait between two tries, in ms. */
  readonly maxDelayMs: number;
  /** A connection silent this long is dropped and retried, in ms. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, idleTimeoutMs: 30_000 };

export interface RetryInfo {
  /** The try about to be made (2 = the first retry). */
  readonly attempt: number;
  readonly attempts: number;
  readonly delayMs: number;
  readonly reason: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` until it succeeds, a non-transient error occurs, or the tries run out. */
export async function withRetries<T>(policy: RetryPolicy, onRetry: (r: RetryInfo) => void, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof DownloadError) || e.code !== 'transient' || attempt >= policy.attempts) {
        if (e instanceof DownloadError && e.code === 'transient') throw new DownloadError('transient', `${e.message} (gave up after ${attempt} tries)`);
        throw e;
      }
      const delayMs = e.retryAfterMs ?? Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
      onRetry({ attempt: attempt + 1, attempts: policy.attempts, delayMs, reason: e.message });
      await sleep(delayMs);
    }
  }
}

/** Throws for any status but the expected ones: 404 → notFound, 5xx/408/429 → transient, else http. */
function checkStatus(res: IncomingMessage, url: string, ok: readonly number[]): void {
  const status = res.statusCode ?? 0;
  if (ok.includes(status)) return;
  res.resume();
  if (status === 404) throw new DownloadError('notFound', `${url}: HTTP 404`);
  const text = `${url}: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
  if (isTransientStatus(status)) throw new DownloadError('transient', text, retryAfterMs(res, Date.now()));
  throw new DownloadError('http', text);
}

/** The text of a small file (a `.CHECKSUM`), with retries. */
export function fetchText(url: string, policy: RetryPolicy, onRetry: (r: RetryInfo) => void): Promise<string> {
  return withRetries(policy, onRetry, async () => {
    const res = await httpGet(url, { idleTimeoutMs: policy.idleTimeoutMs });
    checkStatus(res, url, [200]);
    return readText(res, url);
  });
}

const sizeOf = (path: string): Promise<number> => stat(path).then((s) => s.size, () => 0);

/** `bytes 100-199/1000` → { start: 100, total: 1000 }. */
function parseContentRange(h: string | undefined): { start: number; total: number | undefined } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(h?.trim() ?? '');
  return m ? { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) } : undefined;
}

export interface PartResult {
  /** Size of the finished `.part` file. */
  readonly bytes: number;
  /** Where the last (successful) response started writing: > 0 when the file was resumed. */
  readonly resumedFromBytes: number;
}

export interface PartProgress {
  (bytes: number, totalBytes: number | undefined): void;
}

/**
 * Downloads `url` into `partPath`, continuing from whatever the file already holds: a 206 answer
 * to `Range: bytes=N-` is appended, a 200 (a server that ignores Range) rewrites the file from
 * byte 0, a 416 or a 206 starting elsewhere restarts from 0. A cut or stalled connection is
 * retried with backoff from the bytes received so far.
 */
export function downloadToPart(url: string, partPath: string, policy: RetryPolicy, onRetry: (r: RetryInfo) => void, onBytes: PartProgress): Promise<PartResult> {
  return withRetries(policy, onRetry, async () => {
    for (;;) {
      const offset = await sizeOf(partPath);
      const res = await httpGet(url, { idleTimeoutMs: policy.idleTimeoutMs, ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}) });
      if (offset > 0 && res.statusCode === 416) {
        res.resume(); // the part is as long as the file or longer: it cannot be continued
        await rm(partPath, { force: true });
        continue;
      }
      checkStatus(res, url, offset > 0 ? [200, 206] : [200]);
      let start = 0;
      let total: number | undefined;
      const length = Number(res.headers['content-length'] ?? Number.NaN);
      if (res.statusCode === 206) {
        const range = parseContentRange(res.headers['content-range']);
        if (range === undefined || range.start !== offset) {
          res.destroy(); // not the bytes we asked for
          await rm(partPath, { force: true });
          continue;
        }
        start = offset;
        total = range.total ?? (Number.isFinite(length) ? offset + length : undefined);
      } else if (Number.isFinite(length)) {
        total = length;
      }
      // Take the body into a buffer now, before any await: a connection that drops while the
      // file is being opened would otherwise discard the bytes that did arrive.
      const body = new PassThrough({ highWaterMark: 1 << 20 });
      let netError: unknown;
      const stop = () => {
        if (!body.writableEnded) body.end();
      };
      res.on('error', (e) => {
        netError ??= e;
        stop();
      });
      res.on('close', stop);
      res.pipe(body);
      let bytes = start;
      onBytes(bytes, total);
      // Each chunk is on disk before the next is taken, so a cut connection leaves a .part that
      // holds the bytes received, ready to be continued.
      let file: FileHandle | undefined;
      try {
        file = await open(partPath, start > 0 ? 'a' : 'w');
        for await (const chunk of body as AsyncIterable<Buffer>) {
          await file.write(chunk);
          bytes += chunk.length;
          onBytes(bytes, total);
        }
      } catch (e) {
        res.destroy();
        throw fromNetworkError(e, url);
      } finally {
        await file?.close();
      }
      if (netError !== undefined) throw fromNetworkError(netError, url);
      if (!res.complete || (total !== undefined && bytes !== total)) {
        throw new DownloadError('transient', `${url}: connection closed after ${bytes}${total !== undefined ? ` of ${total}` : ''} bytes`);
      }
      return { bytes, resumedFromBytes: start };
    }
  });
}
