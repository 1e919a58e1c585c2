import { describe, expect, it } from 'vitest';
import { epochToMs, parseTimeText } from '../../src/data/parse-time.ts';

const T = Date.UTC(2024, 0, 1);

describe('time fields', () => {
  it('tells epoch seconds, ms and µs apart by magnitude', () => {
    expect(parseTimeText('1704067200')).toBe(T);
    expect(parseTimeText('1704067200000')).toBe(T);
    expect(parseTimeText('1704067200000000')).toBe(T);
    expect(parseTimeText('1704067200.5')).toBe(T + 500);
    expect(epochToMs(1704067200123456)).toBe(T + 123);
  });

  it('reads ISO-8601 with Z, an offset, or nothing (UTC, never local time)', () => {
    expect(parseTimeText('2024-01-01')).toBe(T);
    expect(parseTimeText('2024-01-01T00:00:00Z')).toBe(T);
    expect(parseTimeText('2024-01-01T00:00Z')).toBe(T);
    expect(parseTimeText('2024-01-01 00:00:00')).toBe(T);
    expect(parseTimeText('2024-01-01T00:00:00.250Z')).toBe(T + 250);
    expect(parseTimeText('2024-01-01T00:00:00.123456789Z')).toBe(T + 123);
    expect(parseTimeText('2024-01-01T02:00:00+02:00')).toBe(T);
    expect(parseTimeText('2023-12-31T19:00:00-0500')).toBe(T);
    expect(parseTimeText('2024-02-29T12:00:00Z')).toBe(Date.UTC(2024, 1, 29, 12));
    expect(parseTimeText('1969-07-20T20:17:00Z')).toBe(Date.UTC(1969, 6, 20, 20, 17));
  });

  it('agrees with Date.parse on random ISO timestamps', () => {
    for (let k = 0; k < 2000; k++) {
      const ms = Math.floor((k * 7919.123 * 86_400_000) % 4e12);
      const iso = new Date(ms).toISOString();
      expect(parseTimeText(iso)).toBe(ms);
    }
  });

  it('rejects what is not a time', () => {
    for (const t of ['', 'abc', '2024-13-01', '2024-02-30', '2023-02-29', '2024-01-01T24:00:00Z', '2024-01-01T00:60', '2024-01-01X', '2024-1-1', '-5', '1e30', '2024-01-01T00:00:00.Z']) {
      expect(parseTimeText(t), t).toBeNaN();
    }
  });
});
