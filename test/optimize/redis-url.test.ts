import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { reachable } from '../../src/optimize/queue.ts';
import { redisOptions } from '../../src/optimize/redis-url.ts';
import { startRedis } from '../support/queue-run.ts';

/** The message `redisOptions` refuses `url` with ('' when it takes it). */
function refusal(url: string): string {
  try {
    redisOptions(url, '--queue');
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('redisOptions: a --queue URL', () => {
  it('reads the password, database and TLS', () => {
    expect(redisOptions('rediss://:p%2Fw@h.example:6380/2', '--queue')).toMatchObject({ host: 'h.example', port: 6380, db: 2, password: 'p/w', tls: { servername: 'h.example' } });
  });

  it('rediss:// to an IP address sends no TLS server name (SNI takes host names only; Node warned on stderr)', () => {
    expect(redisOptions('rediss://127.0.0.1:6380', '--queue')).toMatchObject({ host: '127.0.0.1', tls: {} });
    expect((redisOptions('rediss://127.0.0.1:6380', '--queue') as { tls: object }).tls).not.toHaveProperty('servername');
    expect((redisOptions('rediss://[::1]:6380', '--queue') as { tls: object }).tls).not.toHaveProperty('servername');
  });

  it('a Redis that refuses the login is said to refuse it (it answered), not to be unreachable; the password is never echoed', async () => {
    const redis = await startRedis(undefined, 'right-pw');
    try {
      const url = (auth: string) => `redis://${auth}127.0.0.1:${redis.port}`;
      const why = async (u: string) => reachable(redisOptions(u, '--queue'), u).then(() => 'ok', (e: Error) => e.message);
      expect(await why(url(':right-pw@'))).toBe('ok');
      const wrong = await why(url(':wr0ng@'));
      expect(wrong).toMatch(/^--queue: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? refused the login \(WRONGPASS .*\): check the user and password in the URL$/);
      expect(wrong).not.toContain('wr0ng');
      expect(await why(url(''))).toMatch(/refused the login \(NOAUTH .*\)/);
      // With a database, SELECT is the first command a protected Redis refuses: still the login, not a database it lacks.
      expect(await why(`${url('')}/2`)).toMatch(/^--queue: Redis at redis:\/\/127\.0\.0\.1:\d+\/2 refused the login \(NOAUTH .*\): check the user and password in the URL$/);
      // A user whose ACL denies SELECT (or PING): refused to that user, not a database the server lacks, nor unreachable.
      const admin = new Redis({ host: '127.0.0.1', port: redis.port, password: 'right-pw', lazyConnect: true });
      await admin.connect();
      await admin.call('ACL', 'SETUSER', 'runner', 'on', '>runner-pw', '~*', '+@all', '-select');
      await admin.call('ACL', 'SETUSER', 'mute', 'on', '>mute-pw', '~*', '+@all', '-ping');
      await admin.quit();
      expect(await why(`${url('runner:runner-pw@')}/2`)).toMatch(/^--queue: Redis at redis:\/\/runner:\*\*\*@127\.0\.0\.1:\d+\/2 refuses SELECT to this user \(NOPERM .*\): check the user's ACL$/);
      expect(await why(url('mute:mute-pw@'))).toMatch(/^--queue: Redis at redis:\/\/mute:\*\*\*@127\.0\.0\.1:\d+\/? refuses PING to this user \(NOPERM .*\): check the user's ACL$/);
    } finally {
      await redis.kill();
    }
  });

  it('rediss:// (TLS) to a plain Redis port is said to get no answer to the TLS handshake, with what each scheme needs, not only "no answer"', async () => {
    const redis = await startRedis();
    try {
      const u = `rediss://127.0.0.1:${redis.port}`;
      const why = await reachable(redisOptions(u, '--queue'), u).then(() => 'ok', (e: Error) => e.message);
      expect(why).toBe(`--queue: cannot reach Redis at ${u} (no answer to the TLS handshake within 5000 ms: rediss:// needs a TLS port (Redis's --tls-port, or a TLS proxy in front of it); a plain Redis port takes redis://)`);
    } finally {
      await redis.kill();
    }
  }, 15_000);

  it('a database the server does not have (/16 of 0–15) is one clear error: ioredis would ignore the failed SELECT and use database 0', async () => {
    const redis = await startRedis();
    try {
      const why = async (u: string) => reachable(redisOptions(u, '--queue'), u).then(() => 'ok', (e: Error) => e.message);
      expect(await why(`${redis.url}/15`)).toBe('ok');
      expect(await why(`${redis.url}/16`)).toBe(`--queue: Redis at ${redis.url} has no database 16 (ERR DB index is out of range): databases are numbered from 0 to the server's \`databases\` setting less one`);
    } finally {
      await redis.kill();
    }
  });

  it('a port out of 1–65535 or not a number, or no host, is said as such (not "not a URL"), without echoing the password', () => {
    const why = (u: string) => {
      try {
        redisOptions(u, '--queue');
        return 'ok';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(why('redis://:s3cr/et@host:70000')).toBe('--queue: the port 70000 is out of range 1–65535 (expected redis://host:port, or rediss://host:port for TLS)');
    expect(why('rediss://:pw@[::1]:0')).toBe('--queue: the port 0 is out of range 1–65535 (expected redis://host:port, or rediss://host:port for TLS)');
    expect(why('redis://:s3cret@:6379/2')).toBe('--queue: no host: the URL names no Redis server (expected redis://host:port, or rediss://host:port for TLS)');
    expect(why('redis://h:65535')).toBe('ok');
    expect(why('redis://h')).toBe('ok');
    expect(why('REDIS://h:1/0')).toBe('ok');
  });

  it('spaces or a line feed around the URL (a pasted or $(cat)-ed value) are ignored, as the URL parser did before the port was checked', () => {
    for (const url of [' redis://h:6379', 'redis://h:6379 ', 'redis://h:6379\n', '\trediss://:pw@h:6380/2 ']) {
      expect(redisOptions(url, '--queue'), JSON.stringify(url)).toMatchObject({ host: 'h', port: url.includes('6380') ? 6380 : 6379 });
    }
  });

  it('user:password with no @host after it is refused without echoing the password (read as host:port, the "port" is the password)', () => {
    for (const secret of ['MyS3cretPass', 'pw-0f-mine']) {
      const message = refusal(`redis://default:${secret}`);
      expect(message).toBe('--queue: the port must be a number from 1 to 65535 (a password goes before the host: redis://user:password@host:port) (expected redis://host:port, or rediss://host:port for TLS)');
      expect(message).not.toContain(secret);
    }
  });

  it('a numeric password with no @host after it (read as a port out of range) is not echoed either; a port of up to 5 digits is', () => {
    for (const secret of ['123456', '90210314159']) {
      const message = refusal(`redis://default:${secret}`);
      expect(message).toBe('--queue: the port is out of range 1–65535 (a password goes before the host: redis://user:password@host:port) (expected redis://host:port, or rediss://host:port for TLS)');
      expect(message).not.toContain(secret);
    }
    expect(refusal('redis://h:99999')).toContain('the port 99999 is out of range 1–65535');
  });

  it("a query or a fragment (?db=2, ?password=…: other clients' forms) is refused without echoing it, not ignored (the database would silently be 0)", () => {
    for (const url of ['redis://h:6379?db=2', 'redis://h:6379/?password=s3cret', 'redis://h:6379/2#x']) {
      const message = refusal(url);
      expect(message, url).toBe('--queue: a URL with a query (?…) or a fragment (#…) is not read: give the database as its path (redis://host:port/2) and the password before the host (redis://:password@host:port)');
    }
    expect(redisOptions('redis://h:6379/2', '--queue')).toMatchObject({ host: 'h', port: 6379, db: 2 });
  });

  it('an IPv6 address without brackets is said to need them (not "no host", not a port problem); in brackets it is read', () => {
    for (const url of ['redis://::1:6379', 'redis://::1', 'rediss://:pw@fe80::1:6380/2', 'redis://2001:db8::7']) {
      const message = refusal(url);
      expect(message, url).toBe('--queue: an IPv6 address goes in brackets, as in redis://[::1]:6379 (expected redis://host:port, or rediss://host:port for TLS)');
    }
    expect(redisOptions('redis://[2001:db8::7]:6380', '--queue')).toMatchObject({ host: '2001:db8::7', port: 6380 });
  });

  it('a password with an unencoded "/" after a number (default:12/s3cret@host) is "not a URL", not a database number that echoes the rest of the password', () => {
    const message = refusal('redis://default:12/s3cretpw@redis.example:6379');
    expect(message).toBe('--queue: not a URL (expected redis://host:port, redis://:password@host:port or rediss://host:port for TLS; percent-encode "/", "?", "#", "@" or ":" in a password: %2F, %3F, %23, %40, %3A)');
    expect(message).not.toContain('s3cretpw');
  });

  it('a password with an unencoded "#" or "?" (a fragment or a query to the URL parser) is "not a URL" with the advice to encode them, not only "/", "@" and ":"; encoded, it is read', () => {
    for (const url of ['redis://:zq#xv@h:6379', 'redis://:zq?xv@h:6379', 'redis://ops:97?xv@h:6379']) {
      const message = refusal(url);
      expect(message, url).toBe('--queue: not a URL (expected redis://host:port, redis://:password@host:port or rediss://host:port for TLS; percent-encode "/", "?", "#", "@" or ":" in a password: %2F, %3F, %23, %40, %3A)');
      expect(message, url).not.toMatch(/zq|xv|97/);
    }
    expect(redisOptions('redis://:pa%23s%3Fs@h:6379', '--queue')).toMatchObject({ host: 'h', port: 6379, password: 'pa#s?s' });
  });

  it('a user name without a password (redis://ladder@host) is refused, not dropped: Redis has no login by user name alone, and the connection would be made as the default user', () => {
    expect(() => redisOptions('redis://ladder@10.0.0.5:6379', '--queue')).toThrow('--queue: a user name (ladder) without a password: Redis logs a user in with both (redis://user:password@host:port), or give neither to connect as the default user');
    expect(() => redisOptions('redis://ladder:@10.0.0.5:6379', '--queue')).toThrow('without a password');
    expect(redisOptions('redis://ladder:s3cret@10.0.0.5:6379', '--queue')).toMatchObject({ username: 'ladder', password: 's3cret' });
    expect(redisOptions('redis://:s3cret@10.0.0.5:6379', '--queue')).toMatchObject({ password: 's3cret' });
  });

  it('a raw "%" in the password or user name (not followed by two hex digits) is said naming --queue, not as a bare "URI malformed"; the password is not echoed', () => {
    expect(refusal('redis://:50%off@h:6379')).toBe('--queue: the password in the URL has a "%" that is not followed by two hex digits: percent-encode "%" itself as %25');
    expect(refusal('redis://ops%zz:pw@h:6379')).toBe('--queue: the user name in the URL has a "%" that is not followed by two hex digits: percent-encode "%" itself as %25');
    expect(redisOptions('redis://:50%25off@h:6379', '--queue')).toMatchObject({ password: '50%off' });
  });

  it('a URL that does not parse (a password with a "/" not encoded) is refused without echoing it', () => {
    const url = 'redis://:s3cr/et@host:6379';
    const message = refusal(url);
    expect(message).toMatch(/^--queue: not a URL/);
    expect(message).not.toContain('s3cr');
  });

  it('a password with an unencoded "/" and the @host left out (default:12/s3cretpw) is not echoed as a database (nor any database that is no number)', () => {
    for (const [url, secret] of [['redis://default:12/s3cretpw', 's3cretpw'], ['redis://default:12/s3cret%40pw', 's3cret'], ['redis://u:1/2/3', '2/3']] as const) {
      const message = refusal(url);
      expect(message, url).toBe('--queue: the database (the path after host:port) must be a whole number, as in redis://host:port/2 (a password goes before the host, "/" in it percent-encoded as %2F: redis://user:password@host:port)');
      expect(message, url).not.toContain(secret);
    }
    expect(redisOptions('redis://h:6379/2', '--queue')).toMatchObject({ host: 'h', port: 6379, db: 2 });
  });
});
