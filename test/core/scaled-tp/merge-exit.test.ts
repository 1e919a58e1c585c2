import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExitReason, PartialExit } from '../../../src/core/model/position.ts';
import { mergeExit } from '../../../src/core/scaled-tp/ladder-rules.ts';
import { asSteps } from '../../../src/core/units.ts';

const exit = (reason: ExitReason, clientOrderId: string, qty: number, price = 100): PartialExit => ({
  reason,
  level: reason.startsWith('tp') && reason !== 'tp' ? Number(reason.slice(2)) : null,
  timeMs: 0,
  price,
  qtySteps: asSteps(qty),
  fee: 0.1,
  pnl: 1,
  clientOrderId,
  orderId: null,
});

/** What mergeExit must do: merge with the exit of the same client id, whatever the reasons. */
function byClientId(exits: readonly PartialExit[], e: PartialExit): number {
  return exits.findIndex((x) => x.clientOrderId === e.clientOrderId);
}

describe('mergeExit', () => {
  it('merges the fills of one order and keeps different orders apart', () => {
    const tp1 = exit('tp1', 'P-7-tp1', 3);
    const tp2 = exit('tp2', 'P-7-tp2', 3);
    expect(mergeExit([tp1], tp2)).toEqual([tp1, tp2]);
    const merged = mergeExit([tp1, tp2], exit('tp1', 'P-7-tp1', 1, 104));
    expect(merged.map((x) => [x.clientOrderId, x.qtySteps, x.price])).toEqual([
      ['P-7-tp1', 4, 101],
      ['P-7-tp2', 3, 100],
    ]);
  });

  it("merges a close's late fill booked under another reason (a close's reason is the position's when it fills)", () => {
    const first = exit('signal', 'P-7-close', 2);
    const late = exit('stop', 'P-7-close', 2, 90);
    const merged = mergeExit([exit('tp1', 'P-7-tp1', 3), first], late);
    expect(merged.map((x) => [x.reason, x.clientOrderId, x.qtySteps, x.price])).toEqual([
      ['tp1', 'P-7-tp1', 3, 100],
      ['signal', 'P-7-close', 4, 95],
    ]);
  });

  it('finds the same exit to merge with as a comparison of client ids alone, for any exits a position can hold', () => {
    // Client ids as the bot makes them: a take-profit's ends in its reason; stop and close ids carry any of stop, signal, end.
    const kinds = fc.oneof(
      fc.constantFrom<ExitReason>('tp', 'tp1', 'tp2', 'tp3').map((r) => [r, `P-7-${r}`] as const),
      fc.tuple(fc.constantFrom<ExitReason>('stop'), fc.nat(3)).map(([r, n]) => [r, `P-7-sl${n}`] as const),
      fc.tuple(fc.constantFrom<ExitReason>('stop', 'signal', 'end'), fc.nat(2)).map(([r, n]) => [r, n === 0 ? 'P-7-close' : `P-7-close${n}`] as const),
    );
    fc.assert(
      fc.property(fc.array(kinds, { maxLength: 8 }), kinds, (held, next) => {
        let exits: PartialExit[] = [];
        for (const [r, id] of held) if (byClientId(exits, exit(r, id, 1)) < 0) exits = mergeExit(exits, exit(r, id, 1));
        const e = exit(next[0], next[1], 1);
        const i = byClientId(exits, e);
        const out = mergeExit(exits, e);
        expect(out.length).toBe(i < 0 ? exits.length + 1 : exits.length);
        if (i >= 0) expect(out[i]!.qtySteps).toBe(exits[i]!.qtySteps + 1);
      }),
    );
  });
});
