import { describe, expect, it } from 'vitest';
import { ipAllowed } from '../../../src/web/webhook/guard.ts';

describe('webhook.allow_ips', () => {
  it('an IPv6 address listed in another spelling than the socket gives is the same address (before: refused, 403)', () => {
    // The socket gives the short lower-case form; a config may write it out, in capitals, with leading zeros.
    expect(ipAllowed('2001:db8::1', ['2001:0DB8:0000:0000:0000:0000:0000:0001'])).toBe(true);
    expect(ipAllowed('::1', ['0:0:0:0:0:0:0:1'])).toBe(true);
    expect(ipAllowed('2001:db8::1:0:0:1', ['2001:db8:0:0:1::1'])).toBe(true);
    expect(ipAllowed('2001:db8::2', ['2001:db8::1'])).toBe(false);
  });

  it('an IPv4 peer on a dual-stack socket, in either spelling, is its IPv4 address', () => {
    expect(ipAllowed('::ffff:52.89.214.238', ['52.89.214.238'])).toBe(true);
    expect(ipAllowed('::ffff:3459:d6ee', ['52.89.214.238'])).toBe(true);
    expect(ipAllowed('::ffff:52.89.214.239', ['52.89.214.238'])).toBe(false);
  });
});
