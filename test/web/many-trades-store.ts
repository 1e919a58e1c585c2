import { join } from 'node:path';
import type { Position } from '../../src/core/index.ts';
import { openStore } from '../../src/store/index.ts';
import { drive, open } from './store-fixture.ts';
import { tempDir } from '../support/temp-dir.ts';

export const DAY = 86_400_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** 00:00 UTC of the fixture's first day. */
export const DAY0 = Date.UTC(2025, 5, 1);

/** A price rounded to BTCUSDT's 0.1 tick. */
const tick = (x: number) => Math.round(x * 10) / 10;

/**
 * A store with many closed trades over `days` UTC days (`perDay` each, three kinds: the full ladder,
 * TP1 then the breakeven stop, straight to the stop; entry prices vary so the PnLs are not round), one
 * trade each night entered at 23:40 and closed at 00:20 the next day (it counts on the day it closed),
 * and one open position after TP1 on the last day.
 */
export function storeWithManyTrades(o: { readonly days: number; readonly perDay: number }): { dbPath: string; trades: number; crossMidnightIds: string[] } {
  const dbPath = join(tempDir('ladder-many-trades-'), 'ladder.db');
  const store = openStore(dbPath, { synchronous: 'normal' });
  let n = 0;
  const crossMidnightIds: string[] = [];
  const trade = (id: string, entryMs: number, kind: number, stepMs: number) => {
    const e = 60_000 + (n % 47) * 13.7;
    const entry = tick(e);
    const paths = [
      [1.012, 1.022, 1.04],
      [1.012, 0.999],
      [0.979],
    ][kind % 3]!;
    drive(store, open(store, id, entry, entryMs), paths.map((f, i) => ({ price: tick(entry * f), timeMs: entryMs + (i + 1) * stepMs })));
    n++;
  };
  for (let d = 0; d < o.days; d++) {
    const dayMs = DAY0 + d * DAY;
    // Spread over 01:00–23:00, each closed within 30 minutes of its entry.
    for (let j = 0; j < o.perDay; j++) trade(`BTCUSDT-d${d}-${j}`, dayMs + HOUR + Math.floor((j * 22 * 60) / o.perDay) * MINUTE, d + j, 10 * MINUTE);
    if (d < o.days - 1) {
      const id = `BTCUSDT-night${d}`;
      // Entered 23:40, its last exit at 00:20 the next day (two 20-minute steps).
      trade(id, dayMs + DAY - 20 * MINUTE, 1, 20 * MINUTE);
      crossMidnightIds.push(id);
    }
  }
  const lastDay = DAY0 + (o.days - 1) * DAY;
  drive(store, open(store, 'BTCUSDT-open', 60_000, lastDay + 23 * HOUR + 30 * MINUTE), [{ price: 60_720, timeMs: lastDay + 23 * HOUR + 40 * MINUTE }]);
  store.close();
  return { dbPath, trades: n, crossMidnightIds };
}

/**
 * A store of `n` closed trades without candles: the fixture's closed trades saved again under new ids,
 * a minute apart (a few thousand in a second; driving each through the core would take ~2.5 ms a trade).
 */
export function storeOfClosedTrades(n: number): string {
  const fx = storeWithManyTrades({ days: 1, perDay: 12 });
  const s = openStore(fx.dbPath, { synchronous: 'normal' });
  try {
    const models = s
      .tradeHistory({ includeOpen: false })
      .map((r) => s.getPosition(r.positionId))
      .filter((p): p is Position => p !== null);
    s.transaction(() => {
      for (let k = 0; k < n; k++) {
        const m = models[k % models.length]!;
        const shift = (k + 1) * 60_000 + 10 * DAY;
        s.savePosition({
          ...m,
          id: `${m.id}-copy${k}`,
          entryTimeMs: m.entryTimeMs + shift,
          partialExits: m.partialExits.map((e) => ({ ...e, timeMs: e.timeMs + shift })),
          stopMoves: m.stopMoves.map((x) => ({ ...x, timeMs: x.timeMs + shift })),
        });
      }
    });
  } finally {
    s.close();
  }
  return fx.dbPath;
}
