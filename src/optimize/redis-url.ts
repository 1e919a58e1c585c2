import type { ConnectionOptions } from 'bullmq';

/**
 * `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS) → BullMQ connection options.
 * The password never appears in messages (`describeRedis`).
 */
export function redisOptions(url: string, flag: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`${flag}: not a URL (${JSON.stringify(url)}; expected redis://host:port, redis://:password@host:port or rediss://host:port for TLS)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new RangeError(`${flag}: must start with redis:// or rediss:// (got ${u.protocol}//)`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new RangeError(`${flag}: the database number must be a whole number (got ${u.pathname.slice(1)})`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
    // BullMQ's blocking commands must not time out (its documented requirement for workers).
    maxRetriesPerRequest: null,
  };
}

/** The URL without its password, for messages and logs. */
export function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
