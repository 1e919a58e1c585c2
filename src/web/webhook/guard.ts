import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The environment variable (or .env entry) that holds the webhook's secret; never config.json. */
export const WEBHOOK_SECRET_ENV = 'LADDER_WEBHOOK_SECRET';
/** A shorter secret is refused at start: it travels in every alert and guards real orders. */
export const MIN_SECRET_LENGTH = 16;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant time: both sides are hashed to equal-length digests first, so neither length nor content leaks by timing. */
export function secretMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * One spelling per address: `::ffff:1.2.3.4` or `::ffff:102:304` (an IPv4 peer on a dual-stack socket) is
 * `1.2.3.4`; IPv6 in its short lower-case form (the socket's), so `2001:0DB8:0:0:0:0:0:1` in allow_ips is
 * `2001:db8::1`. A zone (`fe80::1%eth0`) is kept as written.
 */
export function normalizeIp(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1]!;
  if (isIP(ip) !== 6) return ip;
  const [address = '', zone] = ip.split('%');
  // The URL parser writes an IPv6 host in its canonical form (RFC 5952), brackets around it.
  const short = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(short);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return zone === undefined ? short : `${short}%${zone.toLowerCase()}`;
}

/** An empty allowlist admits every address; otherwise only the listed ones (the socket's peer address). */
export function ipAllowed(ip: string, allow: readonly string[]): boolean {
  if (allow.length === 0) return true;
  const me = normalizeIp(ip);
  return allow.some((a) => normalizeIp(a) === me);
}

/** Addresses tracked at most; beyond it the quietest are forgotten (a flood of spoofed sources cannot grow memory). */
const MAX_TRACKED = 10_000;

/** A token bucket per address: `perMin` requests in any minute, refilled continuously. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  constructor(private readonly perMin: number) {}

  /** Takes one token for `ip` at `nowMs`: 0 if allowed, else the seconds until the next token. */
  take(ip: string, nowMs: number): number {
    const refillPerMs = this.perMin / 60_000;
    const b = this.buckets.get(ip) ?? { tokens: this.perMin, atMs: nowMs };
    b.tokens = Math.min(this.perMin, b.tokens + Math.max(0, nowMs - b.atMs) * refillPerMs);
    b.atMs = nowMs;
    this.buckets.delete(ip); // re-inserted last: the map's order is least recently seen first
    this.buckets.set(ip, b);
    if (this.buckets.size > MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / refillPerMs / 1000));
  }
}
