import { isIP } from 'node:net';
import type { ConnectionOptions } from 'bullmq';

/**
 * `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS) → BullMQ connection options.
 * The password never appears in messages (`describeRedis`).
 */
export function redisOptions(given: string, flag: string): ConnectionOptions {
  // Spaces and control characters around the URL (a pasted value, a file read with $(cat)) are not
  // part of it: the URL parser drops them, and did so for every check before the port was checked.
  const url = trimC0(given);
  // The URL is never echoed whole: it may hold a password (one with a "/" is not a URL until encoded).
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') throw new RangeError(`${flag}: must start with redis:// or rediss:// (${scheme === undefined ? 'it has no scheme://' : `got ${scheme}://`})`);
  // Before the URL parser, which refuses a port above 65535 as "not a URL" and takes port 0; and an
  // empty host (`redis://`, an unset variable in `redis://$HOST:6379`) would quietly mean this machine.
  const problem = hostPortProblem(url);
  if (problem !== undefined) throw new RangeError(`${flag}: ${problem} (expected redis://host:port, or rediss://host:port for TLS)`);
  const notAUrl = `${flag}: not a URL (expected redis://host:port, redis://:password@host:port or rediss://host:port for TLS; percent-encode "/", "?", "#", "@" or ":" in a password: %2F, %3F, %23, %40, %3A)`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(notAUrl);
  }
  // An "@" after the authority is a password's: `redis://user:12/s3cret@host` parses as host `user`,
  // port 12 and a database `s3cret@host`, which would be echoed (and is not the host the user meant).
  if (`${u.pathname}${u.search}${u.hash}`.includes('@')) throw new RangeError(notAUrl);
  // `?db=2`, `?password=…` (other clients' forms) are not read here: refused rather than ignored (a
  // coordinator and its workers in different databases never meet). Not echoed: it may hold a password.
  if (u.search !== '' || u.hash !== '') throw new RangeError(`${flag}: a URL with a query (?…) or a fragment (#…) is not read: give the database as its path (redis://host:port/2) and the password before the host (redis://:password@host:port)`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  // Not echoed: in `redis://user:12/s3cret` (a password with a "/", the @host left out) the path is
  // the rest of the password.
  if (!Number.isInteger(db) || db < 0) throw new RangeError(`${flag}: the database (the path after host:port) must be a whole number, as in redis://host:port/2 (a password goes before the host, "/" in it percent-encoded as %2F: redis://user:password@host:port)`);
  // A "%" not followed by two hex digits (a password with a raw "%") is no percent-encoding: said
  // naming the flag, not as decodeURIComponent's bare "URI malformed"; the password is not echoed.
  const decoded = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new RangeError(`${flag}: the ${what} in the URL has a "%" that is not followed by two hex digits: percent-encode "%" itself as %25`);
    }
  };
  // Redis logs a user in with a password (AUTH user password): a user name alone would be dropped and
  // the connection made as the default user, which a server with ACL users may well refuse or allow.
  if (u.username && !u.password) throw new RangeError(`${flag}: a user name (${decoded(u.username, 'user name')}) without a password: Redis logs a user in with both (redis://user:password@host:port), or give neither to connect as the default user`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decoded(u.username, 'user name') } : {}),
    ...(u.password ? { password: decoded(u.password, 'password') } : {}),
    // SNI takes a host name, never an address (Node warns on one, RFC 6066).
    ...(u.protocol === 'rediss:' ? { tls: isIP(u.hostname.replace(/^\[|\]$/g, '')) ? {} : { servername: u.hostname } } : {}),
    // BullMQ's blocking commands must not time out (its documented requirement for workers).
    maxRetriesPerRequest: null,
    // Reconnect every ≤ 2 s for as long as it takes: BullMQ's default backs off to 20 s, so a worker
    // would sit idle that long after Redis is back.
    retryStrategy: (times: number) => Math.min(250 * times, 2000),
  };
}

/** `text` without the leading and trailing spaces and C0 control characters (the URL Standard's trim). */
function trimC0(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

/**
 * What is wrong with the host or port of a `scheme://[credentials@]host[:port]…` URL (a host is
 * required; the port is 1–65535), or undefined. Names a port only when it is a number: never the
 * credentials, nor what may be a password written where the port goes (`redis://user:password`).
 */
function hostPortProblem(url: string): string | undefined {
  const start = url.indexOf('://');
  if (start < 0) return undefined;
  const rest = url.slice(start + 3);
  // The host follows the last "@" (a password may hold an unencoded "/"), or the "://".
  const fromHost = rest.slice(rest.lastIndexOf('@') + 1);
  // `redis://::1:6379`: an IPv6 address without its brackets would read as no host, or as a host
  // `fe80` with a port `:1:6379`.
  const authority = fromHost.split(/[/?#]/)[0] ?? '';
  if (/^[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*$/.test(authority)) return 'an IPv6 address goes in brackets, as in redis://[::1]:6379';
  const m = /^(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?(?:[/?#]|$)/.exec(fromHost);
  if (!m) return undefined;
  const [, host = '', port] = m;
  if (host === '') return 'no host: the URL names no Redis server';
  if (port === undefined || port === '') return undefined;
  // Not echoed: in `redis://user:password` (no @host) the text after the colon is the password.
  if (!/^\d+$/.test(port)) return 'the port must be a number from 1 to 65535 (a password goes before the host: redis://user:password@host:port)';
  // Echoed only as long as a port can be written (5 digits): a longer number may be a numeric
  // password written where the port goes (`redis://user:12345678`).
  if (Number(port) < 1 || Number(port) > 65535) return port.length <= 5 ? `the port ${port} is out of range 1–65535` : 'the port is out of range 1–65535 (a password goes before the host: redis://user:password@host:port)';
  return undefined;
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

/** Redis answered a command with an error: which command (`AUTH`, `SELECT`, `PING`) and its answer as the message. */
export class RedisReplyError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One PING (after AUTH when the URL has a password, and SELECT when it names a database other than
 * 0) over a plain or TLS socket, before BullMQ's clients are made: they retry forever and report a
 * dead address as a stream of errors, where the user needs one line; and ioredis ignores a SELECT
 * that fails (a database the server does not have), going on silently in database 0. Resolves, or
 * rejects with what went wrong (refused, timeout, auth, no such database: a `RedisReplyError`).
 */
export async function pingRedis(o: ConnectionOptions & { host?: string; port?: number; username?: string; password?: string; tls?: object; db?: number }, ms = 5000): Promise<void> {
  const { connect } = await import('node:net');
  const tls = await import('node:tls');
  const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  const names = [...(o.password ? ['AUTH'] : []), ...(o.db ? ['SELECT'] : []), 'PING'];
  const commands = [...(o.password ? [o.username ? resp('AUTH', o.username, o.password) : resp('AUTH', o.password)] : []), ...(o.db ? [resp('SELECT', String(o.db))] : []), resp('PING')];
  await new Promise<void>((resolve, reject) => {
    const socket = o.tls ? tls.connect({ host: o.host, port: o.port, ...o.tls }) : connect({ host: o.host ?? '127.0.0.1', port: o.port ?? 6379 });
    let connected = false;
    let secured = false;
    // rediss:// to a plain Redis port: the server reads the TLS hello as a command that never ends and
    // says nothing, so the handshake waits; said as such, not only as an address that does not answer.
    const timer = setTimeout(
      () => finish(new Error(o.tls && connected && !secured ? `no answer to the TLS handshake within ${ms} ms: rediss:// needs a TLS port (Redis's --tls-port, or a TLS proxy in front of it); a plain Redis port takes redis://` : `no answer within ${ms} ms`)),
      ms,
    );
    let buf = '';
    let answers = 0;
    const finish = (e: Error | null) => {
      clearTimeout(timer);
      socket.destroy();
      if (e) reject(e);
      else resolve();
    };
    socket.once('connect', () => (connected = true));
    socket.once(o.tls ? 'secureConnect' : 'connect', () => {
      secured = true;
      socket.write(commands.join(''));
    });
    socket.on('error', (e) => finish(e));
    socket.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (line.startsWith('-')) return finish(new RedisReplyError(names[answers]!, line.slice(1)));
        // AUTH and SELECT answer +OK and PING +PONG: anything else is not Redis speaking (BullMQ's parser would throw on it later, uncaught).
        const expected = answers === commands.length - 1 ? '+PONG' : '+OK';
        if (line !== expected) return finish(new Error(`not a Redis server: it answered ${JSON.stringify(line.slice(0, 40))} where Redis answers ${expected}`));
        if (++answers === commands.length) return finish(null);
      }
    });
  });
}
