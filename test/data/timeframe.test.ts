import { describe, expect, it } from 'vitest';
import { formatTimeframe, parseTimeframe, TIMEFRAMES } from '../../src/data/timeframe.ts';

describe('timeframes', () => {
  it('parses every Binance interval name to ms', () => {
    expect(parseTimeframe('1m')).toBe(60_000);
    expect(parseTimeframe('15m')).toBe(900_000);
    expect(parseTimeframe('1h')).toBe(3_600_000);
    expect(parseTimeframe('4h')).toBe(14_400_000);
    expect(parseTimeframe('1d')).toBe(86_400_000);
    expect(parseTimeframe('1w')).toBe(604_800_000);
    expect(Object.keys(TIMEFRAMES)).toEqual(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '1w']);
  });

  it('formats ms back to the name, round trip for every name', () => {
    for (const [name, ms] of Object.entries(TIMEFRAMES)) expect(formatTimeframe(ms)).toBe(name);
  });

  it('formats other durations in the largest unit that divides them', () => {
    expect(formatTimeframe(5_400_000)).toBe('90m');
    expect(formatTimeframe(2 * 86_400_000)).toBe('2d');
    expect(formatTimeframe(1500)).toBe('1500ms');
  });

  it('rejects names Binance does not use, listing the valid ones', () => {
    expect(() => parseTimeframe('1M')).toThrow(/unknown timeframe "1M" \(expected one of 1m, 3m/);
    expect(() => parseTimeframe('60m')).toThrow(/unknown timeframe/);
  });
});
