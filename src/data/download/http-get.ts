/**
 * One HTTP GET with node:http/node:https: follows redirects, sets an idle timeout, and maps
 * network failures to DownloadError codes. The caller reads (or discards) the response body.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DownloadError, fromNetworkError } from './download-error.ts';

export interface GetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** A connection silent this long is dropped (transient), in ms. */
  readonly idleTimeoutMs: number;
}

const MAX_REDIRECTS = 5;
const USER_AGENT = 'ladder-data-download (+https://data.binance.vision)';

/** Starts a GET and resolves with the response (any status) once its headers have arrived. */
export async function httpGet(url: string, opts: GetOptions): Promise<IncomingMessage> {
  let target = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await getOnce(target, opts);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(status) || location === undefined) return res;
    res.resume(); // discard the redirect's body so the socket can be reused
    target = new URL(location, target).href;
  }
  throw new DownloadError('http', `${url}: more than ${MAX_REDIRECTS} redirects`);
}

function getOnce(url: string, opts: GetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new DownloadError('badInput', `not a URL: ${url}`));
      return;
    }
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(u, { method: 'GET', headers: { 'user-agent': USER_AGENT, ...opts.headers } }, resolve);
    // An idle socket (before or during the body) is destroyed; the body stream then errors too.
    req.setTimeout(opts.idleTimeoutMs, () => req.destroy(Object.assign(new Error(`no data for ${opts.idleTimeoutMs} ms (timed out)`), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => reject(fromNetworkError(e, url)));
    req.end();
  });
}

/** The response body as text, at most `maxBytes` (a `.CHECKSUM` file is under 200 bytes). */
export async function readText(res: IncomingMessage, url: string, maxBytes = 64 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res) {
      n += (chunk as Buffer).length;
      if (n > maxBytes) {
        res.destroy();
        throw new DownloadError('badArchive', `${url}: response larger than ${maxBytes} bytes`);
      }
      parts.push(chunk as Buffer);
    }
  } catch (e) {
    throw fromNetworkError(e, url);
  }
  if (!res.complete) throw new DownloadError('transient', `${url}: connection closed before the response was complete`);
  return Buffer.concat(parts).toString('utf8');
}

/** `Retry-After` in ms (seconds or an HTTP date), capped; undefined when absent or unreadable. */
export function retryAfterMs(res: IncomingMessage, nowMs: number, capMs = 60_000): number | undefined {
  const h = res.headers['retry-after'];
  if (h === undefined) return undefined;
  const ms = /^\d+$/.test(h.trim()) ? Number(h) * 1000 : Date.parse(h) - nowMs;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), capMs) : undefined;
}
