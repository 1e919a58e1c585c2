import { describe, expect, it } from 'vitest';
import { type MarketRules, stepsToQty } from '../../src/core/market/market-rules.ts';
import { entryBelowMinimum, entrySteps, maxEntrySteps } from '../../src/core/position-size.ts';
import { asSteps } from '../../src/core/units.ts';
import { BTC } from '../support/market.ts';

// BTCUSDT's real maximums: LOT_SIZE 1000 BTC, MARKET_LOT_SIZE 120 BTC (steps of 0.001).
const BTC_MAX: MarketRules = { ...BTC, maxQtySteps: { limit: asSteps(1_000_000), market: asSteps(120_000) } };

describe('entry size', () => {
  it('is capped at the lower of the market and limit maximum quantities, so every exit fits one order', () => {
    expect(maxEntrySteps(BTC_MAX)).toBe(120_000);
    expect(entrySteps({ mode: 'base', value: 500 }, 60000, 1e9, 2, BTC_MAX)).toBe(120_000);
    expect(stepsToQty(entrySteps({ mode: 'quote', value: 50_000_000 }, 60000, 1e9, 2, BTC_MAX), BTC_MAX)).toBe(120);
    // 10 % of 10^9 at risk with a 1 % stop would be 166,666 BTC.
    expect(entrySteps({ mode: 'risk_pct', value: 10 }, 60000, 1e9, 1, BTC_MAX)).toBe(120_000);
    expect(entrySteps({ mode: 'base', value: 119.9999 }, 60000, 1e9, 2, BTC_MAX)).toBe(119_999);
  });

  it('below the maximum it is the configured size rounded down to the step', () => {
    expect(entrySteps({ mode: 'quote', value: 1000 }, 60000, 10_000, 2, BTC_MAX)).toBe(16);
    expect(entrySteps({ mode: 'base', value: 0 }, 60000, 10_000, 2, BTC_MAX)).toBe(0);
  });

  it('an entry below minQty or MIN_NOTIONAL is refused with the reason', () => {
    expect(entryBelowMinimum(asSteps(0), 60000, BTC)?.why).toBe('below_min_qty');
    expect(entryBelowMinimum(asSteps(1), 60000, BTC)?.why).toBe('below_min_notional'); // 60 USDT < 100
    expect(entryBelowMinimum(asSteps(2), 60000, BTC)).toBeNull();
  });
});
