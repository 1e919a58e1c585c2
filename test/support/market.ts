import { parseDec } from '../../src/core/decimal.ts';
import type { MarketRules } from '../../src/core/market/market-rules.ts';
import { asSteps } from '../../src/core/units.ts';

/** Hand-built market rules for unit tests (the real snapshot is tested in test/core/market). */
export function marketRules(o: {
  tick: string;
  step: string;
  minQtySteps?: number;
  minNotional?: number;
  notionalBindsReduceOnly?: boolean;
  id?: string;
}): MarketRules {
  const min = asSteps(o.minQtySteps ?? 1);
  return {
    id: o.id ?? 'TESTUSDT',
    symbol: 'TEST/USDT:USDT',
    base: 'TEST',
    quote: 'USDT',
    tickSize: parseDec(o.tick),
    stepSize: parseDec(o.step),
    minQtySteps: { limit: min, market: min },
    maxQtySteps: { limit: asSteps(1e12), market: asSteps(1e12) },
    minNotional: o.minNotional ?? 0,
    minNotionalAppliesToReduceOnly: o.notionalBindsReduceOnly ?? false,
  };
}

/** BTCUSDT-like rules as in the real snapshot: tick 0.1, step 0.001, minQty 0.001, MIN_NOTIONAL 100. */
export const BTC = marketRules({ id: 'BTCUSDT', tick: '0.1', step: '0.001', minQtySteps: 1, minNotional: 100 });
/** SOLUSDT-like: a coarse step of 1 contract. */
export const SOL = marketRules({ id: 'SOLUSDT', tick: '0.01', step: '1', minQtySteps: 1, minNotional: 5 });
