import { describe, expect, it } from 'vitest';
import { type BacktestOptions, type EntrySignal, runBacktest } from '../../src/backtest/engine.ts';
import type { IntrabarModel } from '../../src/core/candle-path.ts';
import { resultJson } from '../../src/backtest/result-json.ts';
import type { FillModel } from '../../src/core/fill-model.ts';
import type { MarketRules } from '../../src/core/market/market-rules.ts';
import type { ExitSettings } from '../../src/core/scaled-tp/settings.ts';
import type { Side } from '../../src/core/units.ts';
import { HOUR, T0, series } from '../support/candles.ts';
import { BTC, SOL, marketRules } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';

type Row = readonly [number, number, number, number];
const NO_FEES: FillModel = { takerPct: 0, makerPct: 0, slippagePct: 0 };

/** Hand-built candle cases (STYLE §14). Candle 0 carries the signal; the entry is candle 1's open. */
function bt(
  rows: Row[],
  o: {
    side?: Side;
    signals?: Record<number, Side>;
    settings?: Partial<ExitSettings>;
    market?: MarketRules;
    base?: number;
    fills?: FillModel;
    intrabar?: IntrabarModel;
    detail?: Row[];
  } = {},
) {
  const candles = series(rows);
  const signals = o.signals ?? { 1: o.side ?? 'long' };
  const entryAt = (i: number): EntrySignal | null => (signals[i] ? { side: signals[i]!, timeMs: candles.time[i]! } : null);
  const opts: BacktestOptions = {
    settings: { ...DEFAULT_SETTINGS, ...o.settings },
    fills: o.fills ?? NO_FEES,
    intrabar: o.intrabar ?? 'pessimistic',
    startingBalance: 10_000,
    leverage: 10,
    maxOpenPositions: 5,
    positionSize: { mode: 'base', value: o.base ?? 0.01 },
  };
  const detail = o.detail ? series(o.detail, HOUR / 4) : undefined;
  const run = runBacktest([{ symbol: 'BTCUSDT', candles, market: o.market ?? BTC, entryAt, ...(detail ? { detail } : {}) }], opts);
  const json = resultJson(run);
  const exits = json.trades.flatMap((t) => t.exits.map((e) => `${e.reason}@${e.price}x${e.quantity}`));
  return { run, json, exits };
}

describe('backtest worked examples (hand-computed exits)', () => {
  it('long: the full default ladder, stop to breakeven then to TP1', () => {
    const { json, exits } = bt([
      [59900, 60000, 59800, 60000], // signal candle
      [60000, 60700, 59950, 60650], // entry at 60000; low first, then high 60700 ≥ TP1 60600
      [60650, 61300, 60620, 61250], // low 60620 stays above breakeven; high ≥ TP2 61200
      [61250, 62200, 61210, 62150], // high ≥ TP3 62100: closed
    ]);
    expect(exits).toEqual(['tp1@60600x0.003', 'tp2@61200x0.003', 'tp3@62100x0.004']);
    const t = json.trades[0]!;
    expect(t.pnl).toBeCloseTo(600 * 0.003 + 1200 * 0.003 + 2100 * 0.004, 9);
    expect(t.stop_moves.map((m) => [m.from, m.to, m.reason])).toEqual([
      [58800, 60000, 'breakeven'],
      [60000, 60600, 'previous_tp'],
    ]);
    expect(t.exits.map((e) => e.time)).toEqual([1, 2, 3].map((i) => new Date(T0 + i * HOUR).toISOString()));
    expect(t.avg_exit_price).toBeCloseTo((60600 * 3 + 61200 * 3 + 62100 * 4) / 10, 6);
  });

  it('short: the full ladder mirrored, the stop moving down', () => {
    const { json, exits } = bt(
      [
        [60100, 60200, 60000, 60000], // signal candle
        [60000, 60050, 59300, 59350], // short: high first (60050 < stop 61200), then low ≤ TP1 59400
        [59350, 59380, 58700, 58750], // high 59380 < breakeven 60000; low ≤ TP2 58800
        [58750, 58790, 57800, 57850], // low ≤ TP3 57900
      ],
      { side: 'short' },
    );
    expect(exits).toEqual(['tp1@59400x0.003', 'tp2@58800x0.003', 'tp3@57900x0.004']);
    expect(json.trades[0]!.stop_moves.map((m) => m.to)).toEqual([60000, 59400]);
  });

  it('a gap through two levels fills both at the open; the stop goes to TP1 target, not the gap', () => {
    const { json, exits } = bt([
      [59900, 60000, 59800, 60000], // signal
      [60000, 60100, 59900, 60050], // entry, nothing reached
      [61500, 61600, 61400, 61550], // opens above TP1 and TP2: both fill at 61500
      [61550, 61560, 60500, 60550], // low ≤ stop 60600 (TP1's target)
    ]);
    expect(exits).toEqual(['tp1@61500x0.003', 'tp2@61500x0.003', 'stop@60600x0.004']);
    expect(json.trades[0]!.stop_moves.map((m) => m.to)).toEqual([60000, 60600]);
  });

  it('one candle touching TP1 and the stop: the pessimistic path takes the stop first', () => {
    const { exits } = bt([
      [59900, 60000, 59800, 60000], // signal
      [60000, 60700, 58700, 59000], // long: low 58700 ≤ stop 58800 before high 60700
    ]);
    expect(exits).toEqual(['stop@58800x0.01']);
  });

  it('the same candle under ohlc (a down candle: high first) takes TP1, then breakeven on the way down', () => {
    const { exits } = bt(
      [
        [59900, 60000, 59800, 60000], // signal
        [60000, 60700, 58700, 59000], // down candle: open→high (TP1 60600) → low (breakeven 60000)
      ],
      { intrabar: 'ohlc' },
    );
    expect(exits).toEqual(['tp1@60600x0.003', 'stop@60000x0.007']);
  });

  it('TP1 moves the stop to breakeven and the same candle comes back through it', () => {
    const { exits } = bt([
      [59900, 60000, 59800, 60000], // signal
      [60000, 60700, 59900, 59900], // low 59900 > 58800; high TP1; close 59900 ≤ breakeven
    ]);
    expect(exits).toEqual(['tp1@60600x0.003', 'stop@60000x0.007']);
  });

  it('ohlc on an up candle walks low before high: a short takes TP1 before its stop', () => {
    const rows: Row[] = [
      [60100, 60200, 60000, 60000], // signal
      [60000, 61300, 59300, 60500], // up candle: open→low 59300 (TP1 59400) → high 61300
    ];
    expect(bt(rows, { side: 'short', intrabar: 'ohlc' }).exits).toEqual(['tp1@59400x0.003', 'stop@60000x0.007']);
    // Pessimistic for a short: high first, the stop at 61200 takes the whole position.
    expect(bt(rows, { side: 'short' }).exits).toEqual(['stop@61200x0.01']);
  });

  it('a level below the minimum on a coarse-step symbol is skipped and rolls into the next', () => {
    const { json, exits } = bt(
      [
        [149, 150, 148, 150], // signal
        [150, 151, 149.5, 150.5], // entry 150; 5 SOL; TP1 151.5 gets floor(1.5)=1 < min 2 → skipped
        [150.5, 153.2, 150.4, 153], // TP2 153: 1 + 1 rolled in = 2 SOL; stop → TP1's target 151.5
        [153, 155.3, 152, 155], // TP3 155.25: 3 SOL
      ],
      { market: SOL, base: 5, settings: { minOrderNotional: 200 } },
    );
    expect(exits).toEqual(['tp2@153x2', 'tp3@155.25x3']);
    expect(json.trades[0]!.stop_moves.map((m) => [m.to, m.reason])).toEqual([[151.5, 'previous_tp']]);
    expect(json.levels.map((l) => [l.level, l.hits])).toEqual([
      [2, 1],
      [3, 1],
    ]);
  });

  it('a remainder below the minimum is closed whole at the level that would leave it', () => {
    const m = marketRules({ id: 'BTCUSDT', tick: '0.1', step: '0.001', minQtySteps: 2 });
    const { exits } = bt(
      [
        [59900, 60000, 59800, 60000], // signal
        [60000, 61300, 59900, 61250], // TP1 (50 % = 5) and TP2 (40 % = 4, would leave 1 < 2 → takes 5)
      ],
      { market: m, settings: { levels: [{ profitPct: 1, closePct: 50 }, { profitPct: 2, closePct: 40 }, { profitPct: 3, closePct: 10 }] } },
    );
    expect(exits).toEqual(['tp1@60600x0.005', 'tp2@61200x0.005']);
  });

  it('a position too small to split falls back to the single take-profit', () => {
    const { exits } = bt(
      [
        [149, 150, 148, 150], // signal
        [150, 155, 149.5, 154.8], // 3 SOL cannot be split (every partial rounds to 0) → single TP 3 % at 154.5
      ],
      { market: SOL, base: 3 },
    );
    expect(exits).toEqual(['tp@154.5x3']);
  });

  it('books taker fees on entry and market exits, pro rata entry fee per exit, and none with fees 0', () => {
    const rows: Row[] = [
      [59900, 60000, 59800, 60000], // signal
      [60000, 60700, 59900, 59900], // TP1, then breakeven stop
    ];
    const fees = { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 };
    const { json } = bt(rows, { fills: fees });
    const [tp1, stop] = json.trades[0]!.exits;
    const entryFee = 60000 * 0.01 * 0.0005;
    expect(tp1!.fee).toBeCloseTo(60600 * 0.003 * 0.0005, 12);
    expect(stop!.fee).toBeCloseTo(60000 * 0.007 * 0.0005, 12);
    expect(tp1!.pnl).toBeCloseTo(1.8 - tp1!.fee - entryFee * 0.3, 12);
    expect(json.trades[0]!.pnl).toBeCloseTo(1.8 - tp1!.fee - stop!.fee - entryFee, 12);
    expect(tp1!.pnl + stop!.pnl).toBeCloseTo(json.trades[0]!.pnl, 12);
    const free = bt(rows).json.trades[0]!;
    expect(free.exits.map((e) => e.fee)).toEqual([0, 0]);
    expect(free.pnl).toBeCloseTo(1.8, 12);
  });

  it('limit TPs: maker fee and no slippage at their own price, a gap past one fills at the open; the entry and the stop are taker orders, slipped', () => {
    const fills = { takerPct: 0.05, makerPct: 0.02, slippagePct: 0.1 };
    const { json } = bt(
      [
        [59900, 60000, 59800, 60000], // signal
        [60000, 60700, 59950, 60650], // entry 60000 × 1.001 = 60060; TP1 60060 × 1.01 = 60660.6 rests and fills (3); stop → breakeven 60060
        [61500, 61600, 61400, 61550], // opens past TP2 (61261.2): its resting limit fills at the open 61500 (3); stop → TP1's 60660.6
        [61550, 61560, 60500, 60550], // low ≤ 60660.6: the stop, a market order, sells 4 at 60660.6 × 0.999 = 60599.9394
      ],
      { settings: { execution: 'limit' }, fills },
    );
    const t = json.trades[0]!;
    expect(t.entry_price).toBe(60060);
    expect(t.exits.map((e) => [e.reason, e.price, e.quantity])).toEqual([
      ['tp1', 60660.6, 0.003],
      ['tp2', 61500, 0.003],
      ['stop', 60599.9394, 0.004],
    ]);
    expect(t.stop_moves.map((m) => [m.from, m.to, m.reason])).toEqual([
      [58858.8, 60060, 'breakeven'],
      [60060, 60660.6, 'previous_tp'],
    ]);
    // fee = price × quantity × pct / 100; each exit carries its share of the entry's taker fee (60060 × 0.01 × 0.05 % = 0.3003).
    const entryFee = 0.3003;
    const fees = [60660.6 * 0.003 * 0.0002, 61500 * 0.003 * 0.0002, 60599.9394 * 0.004 * 0.0005];
    const gross = [(60660.6 - 60060) * 0.003, (61500 - 60060) * 0.003, (60599.9394 - 60060) * 0.004];
    const shares = [entryFee * 0.3, entryFee * 0.3, entryFee * 0.4];
    t.exits.forEach((e, k) => {
      expect(e.fee).toBeCloseTo(fees[k]!, 12);
      expect(e.pnl).toBeCloseTo(gross[k]! - fees[k]! - shares[k]!, 10);
    });
    expect(t.pnl).toBeCloseTo(gross[0]! + gross[1]! + gross[2]! - fees[0]! - fees[1]! - fees[2]! - entryFee, 10);
  });

  it('move_stop_to overrides: none keeps the stop, profit_pct sets it, a worse move is refused', () => {
    const { json } = bt(
      [
        [59900, 60000, 59800, 60000], // signal
        [60000, 60700, 59900, 60650], // TP1 with move_stop_to none: the stop stays at 58800
        [60650, 61300, 60500, 61250], // TP2 with profit_pct 0.5: stop → 60300
        [61250, 61400, 60250, 60300], // low ≤ 60300: stopped
      ],
      {
        settings: {
          levels: [
            { profitPct: 1, closePct: 30, moveStopTo: 'none' },
            { profitPct: 2, closePct: 30, moveStopTo: { profitPct: 0.5 } },
            { profitPct: 3.5, closePct: 40 },
          ],
        },
      },
    );
    const t = json.trades[0]!;
    expect(t.stop_moves.map((m) => [m.from, m.to, m.reason])).toEqual([[58800, 60300, 'profit_pct']]);
    expect(t.exits.map((e) => `${e.reason}@${e.price}`)).toEqual(['tp1@60600', 'tp2@61200', 'stop@60300']);
  });

  it('closes an open remainder at the end of the data at the last close (reason end)', () => {
    const { json, exits } = bt([
      [59900, 60000, 59800, 60000], // signal
      [60000, 60700, 59900, 60650], // TP1
      [60650, 60900, 60400, 60800], // nothing; data ends: remainder closes at 60800
    ]);
    expect(exits).toEqual(['tp1@60600x0.003', 'end@60800x0.007']);
    // SPEC "Times": an `end` exit is at the last candle's close (02:00 + 1h), not at its open.
    expect(json.trades[0]!.exits[1]!.time).toBe(new Date(T0 + 3 * HOUR).toISOString());
  });

  it('a 15m detail path replaces the modelled 1h path and changes the result', () => {
    const rows: Row[] = [
      [59900, 60000, 59800, 60000], // signal
      [60000, 60700, 58700, 60100], // 1h alone (pessimistic): the stop 58800 comes first
    ];
    expect(bt(rows).exits).toEqual(['stop@58800x0.01']);
    const detail: Row[] = [
      [59900, 60000, 59800, 60000], // 15m under the signal candle…
      [60000, 60000, 59900, 59950],
      [59950, 60000, 59850, 59900],
      [59900, 60000, 59800, 60000],
      [60000, 60700, 59950, 60650], // 15m: TP1 60600 first; stop → breakeven 60000
      [60650, 60680, 60100, 60200],
      [60200, 60300, 58700, 58800], // down through breakeven: stopped at 60000, never at 58800
      [58800, 60100, 58750, 60100],
    ];
    const { json, exits } = bt(rows, { detail });
    expect(exits).toEqual(['tp1@60600x0.003', 'stop@60000x0.007']);
    expect(json.trades[0]!.exits[1]!.time).toBe(new Date(T0 + HOUR + 2 * (HOUR / 4)).toISOString());
  });

  it('a candle with only part of its 15m detail is walked on its own modelled path: its low may lie in the missing part', () => {
    const rows: Row[] = [
      [59900, 60000, 59800, 60000], // signal
      [60000, 60700, 58700, 60100], // the hour's low 58700 is below the stop 58800
    ];
    const under = (n: number): Row[] => [
      [59900, 60000, 59800, 60000], // the signal candle's four quarters, whole
      [60000, 60000, 59900, 59950],
      [59950, 60000, 59850, 59900],
      [59900, 60000, 59800, 60000],
      ...([
        [60000, 60100, 59950, 60050], // the entry hour's quarters, none near a trigger…
        [60050, 60150, 60000, 60100],
        [60100, 60150, 60050, 60100],
        [60100, 60150, 60050, 60100],
      ] as Row[]).slice(0, n),
    ];
    // Two or three quarters of the hour: the stop in its missing part is not skipped (the 1h path, pessimistic).
    expect(bt(rows, { detail: under(2) }).exits).toEqual(['stop@58800x0.01']);
    expect(bt(rows, { detail: under(3) }).exits).toEqual(['stop@58800x0.01']);
    // All four: the detail replaces the path (it never reached the stop; the position ends at the last close).
    expect(bt(rows, { detail: under(4) }).exits).toEqual(['end@60100x0.01']);
  });

  it('a stop moved onto the very price where the level filled is not touched there: only the path after the fill can reach it', () => {
    // Breakeven + 0.9999 % rounds up onto TP1's target (60600): after TP1 the stop is at the fill point.
    const settings = { breakevenOffsetPct: 0.9999 };
    const rows: Row[] = [
      [59900, 60000, 59800, 60000], // signal
      [60000, 60900, 59950, 60900], // TP1 at 60600 on the way up, then up to 60900: the stop at 60600 is not reached
      [60900, 60950, 60850, 60900],
    ];
    const up = bt(rows, { settings });
    expect(up.exits).toEqual(['tp1@60600x0.003', 'end@60900x0.007']);
    expect(up.json.trades[0]!.stop_moves.map((m) => m.to)).toEqual([60600]);
    // Reaching TP2 on the same way up is the same case: both fill, the stop is not touched in between (as before).
    expect(bt([rows[0]!, [60000, 61300, 59950, 61300], rows[2]!], { settings }).exits).toEqual(['tp1@60600x0.003', 'tp2@61200x0.003', 'end@60900x0.004']);
    // The path after the fill comes back down to it: then the stop is reached, at its own price.
    expect(bt([rows[0]!, [60000, 60900, 59950, 60900], [60900, 60950, 60500, 60700]], { settings }).exits).toEqual(['tp1@60600x0.003', 'stop@60600x0.007']);
  });

  it('an opposite signal closes the remainder at the open (reason signal) and opens the other side', () => {
    const { json } = bt(
      [
        [59900, 60000, 59800, 60000], // long signal
        [60000, 60100, 59900, 60050], // long entry
        [60050, 60100, 59950, 60000], // short signal known at this close
        [60000, 60100, 59900, 59950], // long closes at 60000 (signal), short opens at 60000
      ],
      { signals: { 1: 'long', 3: 'short' } },
    );
    expect(json.trades.map((t) => [t.side, t.exits.map((e) => `${e.reason}@${e.price}`).join(',')])).toEqual([
      ['long', 'signal@60000'],
      ['short', 'end@59950'],
    ]);
  });

  it('a signal for the side already held is ignored', () => {
    const { json } = bt(
      [
        [59900, 60000, 59800, 60000],
        [60000, 60100, 59900, 60050],
        [60050, 60100, 59950, 60000],
      ],
      { signals: { 1: 'long', 2: 'long' } },
    );
    expect(json.trades).toHaveLength(1);
    expect(json.trades[0]!.exits.map((e) => e.reason)).toEqual(['end']);
  });

  it('keeps size conservation exactly: original quantity equals the sum of exit quantities in steps', () => {
    const { run } = bt([
      [59900, 60000, 59800, 60000],
      [60000, 60700, 59950, 60650],
      [60650, 61300, 60620, 61250],
    ]);
    for (const t of run.trades) expect(t.partialExits.reduce((s, e) => s + e.qtySteps, 0)).toBe(t.originalSteps);
  });
});
