import { describe, expect, it } from 'vitest';
import { commandAnswer } from '../../src/notify/command-answers.ts';
import { openStore } from '../../src/store/index.ts';
import { marketClockStore } from '../web/store-fixture.ts';

/** The Telegram commands' answers, read from the store (command-answers.ts). */
describe('Telegram /profit', () => {
  it('counts "Today (UTC)" on the market clock the risk limits count on: a run replayed on the simulator answers for its market day', async () => {
    // The run beats now while its candles and trades are of March 2026 (the demo, a simulator run).
    const store = openStore(marketClockStore(Date.now(), 'demo'));
    try {
      const text = await commandAnswer('profit', store, Date.now());
      expect(text).toContain('Realised PnL -26.06 over 2 closed trades (0 won, 0.0 %)');
      expect(text).toContain('Today (UTC) -13.03 over 1');
    } finally {
      store.close();
    }
  });

  it('a live run keeps the wall clock: a loss of a past day is not today’s', async () => {
    const store = openStore(marketClockStore(Date.UTC(2026, 2, 5, 12, 0, 30), 'live'));
    try {
      expect(await commandAnswer('profit', store, Date.now())).toContain('Today (UTC) +0.00 over 0');
    } finally {
      store.close();
    }
  });
});
