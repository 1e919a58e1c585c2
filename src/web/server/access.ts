import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

/** The environment variable that holds the dashboard's access token. */
export const TOKEN_ENV = 'LADDER_DASHBOARD_TOKEN';

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form), `localhost`: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

export type AccessPolicy =
  | { readonly kind: 'loopback'; readonly token: string | null }
  | { readonly kind: 'token'; readonly token: string };

/**
 * What a bind needs: a loopback address is open to this machine (a token, if set, is still checked);
 * any other address requires a token of at least 16 characters, else the dashboard refuses to start.
 */
export function accessPolicy(host: string, token: string | undefined): { ok: true; policy: AccessPolicy } | { ok: false; message: string } {
  const t = token === undefined || token === '' ? null : token;
  if (isLoopbackHost(host)) return { ok: true, policy: { kind: 'loopback', token: t } };
  if (t === null) return { ok: false, message: `binding the dashboard to ${host} (not loopback) requires ${TOKEN_ENV}: every request must then carry it` };
  if (t.length < 16) return { ok: false, message: `${TOKEN_ENV} must be at least 16 characters to expose the dashboard on ${host}` };
  return { ok: true, policy: { kind: 'token', token: t } };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison: both sides are hashed first, so neither length nor content leaks by timing. */
export function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token a request carries: `Authorization: Bearer …`, `X-Ladder-Token: …`, or `?token=…`. */
export function requestToken(headers: IncomingHttpHeaders, query: URLSearchParams): string | null {
  const auth = headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const header = headers['x-ladder-token'];
  if (typeof header === 'string') return header;
  return query.get('token');
}

/**
 * A loopback-only dashboard still checks the Host header: a web page the user visits cannot then read it
 * through a DNS name rebound to 127.0.0.1.
 */
export function hostHeaderAllowed(headers: IncomingHttpHeaders, policy: AccessPolicy): boolean {
  if (policy.kind === 'token') return true;
  const host = headers.host;
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return isLoopbackHost(name);
}

/**
 * A request another site's page made the browser send (a no-cors fetch, an image, an iframe, an
 * EventSource): the page cannot read the answer, but the server would still do the work, and a page
 * looping on the whole history's CSV keeps the bot's event loop busy. Browsers say so in
 * `Sec-Fetch-Site`; a top-level navigation (a link to the dashboard followed) is let through, and a
 * client that sends no such header (curl, scripts) is not a browser page.
 */
export function crossSiteRequest(headers: IncomingHttpHeaders): boolean {
  return headers['sec-fetch-site'] === 'cross-site' && !(headers['sec-fetch-mode'] === 'navigate' && headers['sec-fetch-dest'] === 'document');
}

/** Whether the request may be answered (token where one is set, Host header on loopback, not sent by another site's page). */
export function authorize(headers: IncomingHttpHeaders, query: URLSearchParams, policy: AccessPolicy): { ok: true } | { ok: false; status: 401 | 403; message: string } {
  if (!hostHeaderAllowed(headers, policy)) return { ok: false, status: 403, message: 'Host header is not a loopback name' };
  if (crossSiteRequest(headers)) return { ok: false, status: 403, message: "sent by another site's page (Sec-Fetch-Site: cross-site)" };
  if (policy.token !== null && !tokenMatches(requestToken(headers, query), policy.token)) return { ok: false, status: 401, message: 'missing or wrong dashboard token' };
  return { ok: true };
}
