import { describe, expect, it } from 'vitest';
import { type CommandName, commandAnswer, levelsText, profitText } from '../../src/notify/command-answers.ts';
import { openStore } from '../../src/store/index.ts';
import { storeOfClosedTrades } from '../web/many-trades-store.ts';
import { recordingStore, turnsDuring } from '../web/recording-store.ts';

/**
 * /profit and /levels are answered in the bot's process: on a long store they read the trades a slice
 * at a time, giving the event loop back (the bot's price polls and order calls run in between), and
 * answer what a read of the whole history at once would.
 */
describe('Telegram /profit and /levels on a long store', () => {
  it('read the trades a slice at a time (never the whole history in one call) and answer the same', async () => {
    const real = openStore(storeOfClosedTrades(4_000));
    try {
      const now = Date.UTC(2025, 6, 1);
      const expected: Record<CommandName, string> = {
        status: 'No open position.',
        profit: profitText(real.tradeHistory({ includeOpen: true }), now),
        levels: levelsText(real.tradeHistory().flatMap((t) => real.getPosition(t.positionId) ?? [])),
      };
      expect(expected.profit).toMatch(/over 40\d\d closed trades/);
      for (const name of ['profit', 'levels'] as const) {
        const calls: string[] = [];
        const { value: text, turns } = await turnsDuring(() => commandAnswer(name, recordingStore(real, calls), now));
        expect(text).toBe(expected[name]);
        // Before: one tradeHistory() call read and parsed every trade in one turn of the loop (~1 s for 10,000).
        expect(calls).not.toContain('tradeHistory');
        expect(turns, name).toBeGreaterThanOrEqual(2);
      }
    } finally {
      real.close();
    }
  }, 60_000);
});
