import { describe, expect, it } from 'vitest';
import { ClearanceFees } from '../../src/bot/clearance-fees.ts';
import { silentLogger } from '../../src/bot/logger.ts';
import type { Position } from '../../src/core/model/position.ts';
import { applyExternalExit } from '../../src/core/scaled-tp/exit-manager.ts';
import { asSteps } from '../../src/core/units.ts';
import type { ExchangePort, FundingPayment } from '../../src/exchange/port.ts';
import { open } from '../support/ladder.ts';
import { BTC } from '../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../support/settings.ts';

/** A liquidation of `qty` steps at `timeMs` (58900, commission 0.1 a step) on `p`. */
function liquidate(p: Position, qty: number, timeMs: number): Position {
  const r = applyExternalExit(p, { reason: 'liquidation', tradeId: `t${timeMs}`, orderId: String(timeMs), clientOrderId: `autoclose-${timeMs}`, timeMs, qtySteps: asSteps(qty), price: 58900, fee: 0.1 * qty });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.position;
}

describe('ClearanceFees: the clearance fees of liquidations, read at once and a minute later', () => {
  it('a second liquidation of the position while the first is still owed a read gets its own reads: its fee posted 40 s late is booked', async () => {
    // Liquidated 4 at 0 s (fee posted at once), then 6 at 50 s, whose fee Binance posts 40 s late (at 90 s).
    let now = 0;
    let p = liquidate(open({ entry: '60000', qty: 10, market: BTC, settings: S }).position, 4, 0);
    const posted: (FundingPayment & { postedMs: number })[] = [
      { id: 'c1', timeMs: 0, amount: -2.945, postedMs: 0 },
      { id: 'c2', timeMs: 50_000, amount: -4.4175, postedMs: 90_000 },
    ];
    const ex = { clearanceFees: async (_s: string, sinceMs: number) => posted.filter((c) => c.postedMs <= now && c.timeMs >= sinceMs) } as unknown as ExchangePort;
    const fees = new ClearanceFees({ ex, symbol: 'BTCUSDT', log: silentLogger(), now: () => now, position: () => p, apply: (_id, r) => (p = r.position), alert: () => {} });
    fees.owe(p.id, 0);
    await fees.book();
    expect(p.partialExits.map((e) => e.fee)).toEqual([0.4 + 2.945]);
    now = 50_000;
    p = liquidate(p, 6, 50_000);
    fees.owe(p.id, 50_000);
    for (now = 50_000; now <= 200_000; now += 1_000) await fees.book();
    // Before: the second liquidation shared the first's reads (0 s and 60 s): its fee, posted at 90 s, never read.
    expect(p.status).toBe('closed');
    expect(p.partialExits.map((e) => e.fee)).toEqual([0.4 + 2.945, 0.6000000000000001 + 4.4175]);
  });
});
