import { describe, expect, it } from 'vitest';
import { redisOptions } from '../../src/optimize/redis-url.ts';

describe('redisOptions: a --queue URL', () => {
  it('reads the password, database and TLS', () => {
    expect(redisOptions('rediss://:p%2Fw@h.example:6380/2', '--queue')).toMatchObject({ host: 'h.example', port: 6380, db: 2, password: 'p/w', tls: { servername: 'h.example' } });
  });

  it('a URL that does not parse (a password with a "/" not encoded) is refused without echoing it', () => {
    const url = 'redis://:s3cr/et@host:6379';
    let message = '';
    try {
      redisOptions(url, '--queue');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^--queue: not a URL/);
    expect(message).not.toContain('s3cr');
  });
});
