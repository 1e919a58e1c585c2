import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { MarketBook } from '../../../src/web/server/market-book.ts';
import { SOL } from '../../support/market.ts';
import { storeOfClosedTrades } from '../many-trades-store.ts';
import { recordingStore } from '../recording-store.ts';
import { T0, open } from '../store-fixture.ts';

describe('the market book (each symbol’s decimals for the dashboard)', () => {
  it('learns each symbol’s tick and step from one plan per symbol, not by reading every trade: the same as the trades say', () => {
    const real = openStore(storeOfClosedTrades(4000));
    try {
      open(real, 'SOLUSDT-1', 150, T0, SOL);
      const calls: string[] = [];
      const book = new MarketBook(recordingStore(real, calls));
      // What every trade of the history says, the newest entry's last.
      const fromTrades = new Map(real.tradeHistory({ includeOpen: true }).map((t) => [t.symbol, { tickSize: t.tickSize, stepSize: t.stepSize }]));
      expect(book.all().map((s) => [s.symbol, { tickSize: s.tickSize, stepSize: s.stepSize }])).toEqual([...fromTrades].sort());
      expect(book.all().map((s) => [s.symbol, s.priceDecimals, s.qtyDecimals])).toEqual([
        ['BTCUSDT', 1, 3],
        ['SOLUSDT', 2, 0],
      ]);
      expect(calls).not.toContain('tradeHistory');
      expect(calls.filter((c) => c === 'getPosition' || c === 'tradeRecord')).toEqual([]);
    } finally {
      real.close();
    }
  });
});
