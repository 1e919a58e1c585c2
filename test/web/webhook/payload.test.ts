import { afterEach, describe, expect, it } from 'vitest';
import { parseSignal } from '../../../src/web/webhook/payload.ts';

const rules = { symbols: ['BTC/USDT:USDT'], leverage: 5, maxLagMs: 60_000 };
const T = Date.UTC(2026, 0, 1, 12, 0, 0);
const zone = process.env['TZ'];
afterEach(() => {
  if (zone === undefined) delete process.env['TZ'];
  else process.env['TZ'] = zone;
});

describe('parseSignal: the signal time', () => {
  it('a time without an offset is UTC whatever the host zone (as in the signal files)', () => {
    process.env['TZ'] = 'America/New_York';
    const body = { id: 'a', symbol: 'BTCUSDT', side: 'long' };
    expect(parseSignal({ ...body, time: '2026-01-01T12:00:00' }, rules, T).timeMs).toBe(T);
    expect(parseSignal({ ...body, time: '2026-01-01T07:00:00-05:00' }, rules, T).timeMs).toBe(T);
    expect(parseSignal({ ...body, time: String(T) }, rules, T).timeMs).toBe(T);
    expect(parseSignal({ ...body, time: T }, rules, T).timeMs).toBe(T);
    expect(() => parseSignal({ ...body, time: 'noon' }, rules, T)).toThrow(/time: must be ISO 8601/);
  });

  it('epoch seconds or microseconds are refused as not milliseconds (bad_signal), not called stale or in the future', () => {
    const body = { id: 'a', symbol: 'BTCUSDT', side: 'long' };
    const refusal = (time: unknown) => {
      try {
        parseSignal({ ...body, time }, rules, T);
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('accepted');
    };
    for (const time of [T / 1000, String(T / 1000), T * 1000, String(T * 1000)]) {
      const r = refusal(time);
      expect(r.code).toBe('bad_signal');
      expect(r.message).toMatch(new RegExp(`^time: ${String(time)} as epoch milliseconds is [^ ]+, not a time of 2000 … 2099: send epoch milliseconds or ISO 8601$`));
    }
  });
});

describe('parseSignal: a time outside 2000 … 2099', () => {
  const refusal = (body: Record<string, unknown>) => {
    try {
      parseSignal(body, rules, T);
    } catch (e) {
      return [(e as { code: string }).code, (e as Error).message];
    }
    throw new Error(`accepted ${JSON.stringify(body)}`);
  };
  it('a negative epoch (a sign slipped in a template) is refused as bad_signal naming time, a close too (before: a close dated 1969 accepted, an entry called stale)', () => {
    for (const side of ['close', 'long']) {
      expect(refusal({ id: 'a', symbol: 'BTCUSDT', side, time: -5 }), side).toEqual(['bad_signal', 'time: -5 as epoch milliseconds is 1969-12-31T23:59:59.995Z, not a time of 2000 … 2099: send epoch milliseconds or ISO 8601']);
      expect(refusal({ id: 'a', symbol: 'BTCUSDT', side, time: -T }), side).toEqual(['bad_signal', 'time: -1767268800000 as epoch milliseconds is 1913-12-31T12:00:00.000Z, not a time of 2000 … 2099: send epoch milliseconds or ISO 8601']);
      expect(refusal({ id: 'a', symbol: 'BTCUSDT', side, time: '1970-01-01T00:00:00Z' }), side).toEqual(['bad_signal', 'time: 1970-01-01T00:00:00Z is 1970-01-01T00:00:00.000Z, not a time of 2000 … 2099']);
    }
  });

  it('an epoch beyond what a date can hold is refused as bad_signal, not thrown (before: RangeError, a 500)', () => {
    for (const time of [9e15, '9000000000000000', -9e15]) {
      expect(refusal({ id: 'a', symbol: 'BTCUSDT', side: 'close', time }), String(time)).toEqual(['bad_signal', 'time: must be ISO 8601 (2026-01-01T12:00:00Z) or epoch milliseconds']);
    }
  });
});

describe('parseSignal: the id', () => {
  it('an empty, too long or control-character id says that one problem (an empty one also said "must not contain control characters")', () => {
    const body = { symbol: 'BTCUSDT', side: 'long' };
    const length = "id: must be 1 to 128 characters (the sender's id of this signal)";
    for (const [id, message] of [
      ['', length],
      ['   ', length],
      ['x'.repeat(129), length],
      ['a\nb', 'id: must not contain control characters'],
    ] as const) {
      expect(() => parseSignal({ ...body, id }, rules, T), JSON.stringify(id)).toThrow(new RegExp(`^${message.replace(/[()]/g, '\\$&')}$`));
    }
    expect(parseSignal({ ...body, id: 'x'.repeat(128) }, rules, T).id).toBe('x'.repeat(128));
  });
});

describe('parseSignal: stop_loss_pct', () => {
  it('a stop that is not a number says what it must be, not "Invalid input"', () => {
    const body = { id: 'a', symbol: 'BTCUSDT', side: 'long' };
    for (const stop of ['1,5', null, '1.5%', true, '']) {
      expect(() => parseSignal({ ...body, stop_loss_pct: stop }, rules, T), JSON.stringify(stop)).toThrow(
        /^stop_loss_pct: must be a number of % above 0 \(1\.5 or "1\.5"\)$/,
      );
    }
    expect(parseSignal({ ...body, stop_loss_pct: ' 1.5 ' }, rules, T).stopLossPct).toBe(1.5);
    expect(parseSignal({ ...body, stop_loss_pct: 2 }, rules, T).stopLossPct).toBe(2);
  });
});

describe('parseSignal: a field of the wrong type', () => {
  it('a time, side or symbol that is null, empty or not text says what it must be, not zod\'s "Invalid input" or "Too small: expected string to have >=1 characters"', () => {
    const body = { id: 'a', symbol: 'BTCUSDT', side: 'long' };
    for (const time of [null, '', '  ', true, {}]) {
      expect(() => parseSignal({ ...body, time }, rules, T), JSON.stringify(time)).toThrow(/^time: must be ISO 8601 \(2026-01-01T12:00:00Z\) or epoch milliseconds, or left out \(the arrival\)$/);
    }
    for (const side of [null, 1, '']) {
      expect(() => parseSignal({ ...body, side }, rules, T), JSON.stringify(side)).toThrow(/^side: must be "long", "short" or "close" \("flat" means close\)$/);
    }
    for (const symbol of [null, 5, '', undefined]) {
      expect(() => parseSignal({ ...body, symbol }, rules, T), JSON.stringify(symbol)).toThrow(/^symbol: must be a configured symbol, as "BTCUSDT", "BTC\/USDT:USDT" or TradingView's "BTCUSDT\.P"$/);
    }
  });
});

describe('parseSignal: the symbol', () => {
  it('names a configured symbol in any case, as the signal files take it (btc/usdt:usdt, btcusdt)', () => {
    const body = { id: 'a', side: 'long' };
    for (const symbol of ['BTC/USDT:USDT', 'btc/usdt:usdt', 'Btc/Usdt:Usdt', 'BTCUSDT', 'btcusdt', 'BINANCE:BTCUSDT.P']) {
      expect(parseSignal({ ...body, symbol }, rules, T).symbol, symbol).toBe('BTC/USDT:USDT');
    }
    expect(() => parseSignal({ ...body, symbol: 'eth/usdt:usdt' }, rules, T)).toThrow(/not one of the configured symbols/);
  });
});

describe('parseSignal: a close and the entry-only fields', () => {
  it("a close's stop_loss_pct is not read: 0, NaN, empty or past liquidation (one template for every order) does not refuse the close", () => {
    const flat = { id: 'f', symbol: 'BTCUSDT', side: 'flat' };
    for (const stop of [0, 'NaN', '', 50, '{{plot_0}}']) {
      expect(parseSignal({ ...flat, stop_loss_pct: stop }, rules, T)).toMatchObject({ side: 'close', stopLossPct: null });
    }
    expect(() => parseSignal({ id: 'l', symbol: 'BTCUSDT', side: 'long', stop_loss_pct: 'NaN' }, rules, T)).toThrow(/stop_loss_pct/);
    expect(() => parseSignal({ id: 'l', symbol: 'BTCUSDT', side: 'long', stop_loss_pct: 50 }, rules, T)).toThrow(/liquidation/);
  });
});
