import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCandles } from '../../src/data/load-candles.ts';
import { createStrategy } from '../../src/strategy/create-strategy.ts';
import { EmaCrossStrategy } from '../../src/strategy/ema-cross.ts';
import { checkSignalStops, loadSignalsFile, mapSignalsToCandles, parseSignalsCsv, SignalFileError, toExchangeSymbol, type FileSignal } from '../../src/strategy/signals-file.ts';
import { SignalsStrategy } from '../../src/strategy/signals-strategy.ts';
import { LiveCandles } from '../../src/data/live-candles.ts';
import { entryAtOf } from '../../src/strategy/strategy.ts';
import { FIXTURES } from '../data/paths.ts';
import { closesSeries, H, seriesOf, T0 } from './make-series.ts';
import { tempDir } from '../support/temp-dir.ts';

const SIGNALS_DIR = fileURLToPath(new URL('../fixtures/signals/', import.meta.url));
const SIGNALS = join(SIGNALS_DIR, 'signals.csv');
const D = Date.UTC(2022, 0, 1);
const tmp = tempDir('ladder-signals-');

describe("a signal file's own stops against the leverage", () => {
  it('a stop at or beyond the liquidation distance names its line (SPEC R2); below it passes', () => {
    const csv = 'time,symbol,side,stop_loss_pct\n2024-01-01T00:00:00Z,BTCUSDT,long,2\n2024-01-02T00:00:00Z,BTCUSDT,short,25\n';
    const signals = parseSignalsCsv(csv, 'sig.csv');
    expect(() => checkSignalStops(signals, 'sig.csv', 1)).not.toThrow();
    const e = (() => {
      try {
        checkSignalStops(signals, 'sig.csv', 5);
      } catch (x) {
        return x as SignalFileError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(SignalFileError);
    expect([e!.line, e!.field]).toEqual([3, 'stop_loss_pct']);
    expect(e!.message).toMatch(/25 is at or beyond the liquidation distance at 5x leverage \(19\.50 %\)/);
  });
});

describe('signal files', () => {
  it('loads time,symbol,side[,stop_loss_pct], sorted by time, symbols as exchange ids', () => {
    const s = loadSignalsFile(SIGNALS);
    expect(s).toEqual([
      { timeMs: D + H, symbol: 'BTCUSDT', side: 'short', reason: 'signals.csv:4', line: 4 },
      { timeMs: D + 2.5 * H, symbol: 'BTCUSDT', side: 'long', stopLossPct: 1.5, reason: 'signals.csv:2', line: 2 },
      { timeMs: D + 3 * H, symbol: 'ETHUSDT', side: 'short', reason: 'signals.csv:3', line: 3 },
    ]);
  });

  it("turns ccxt's perpetual symbols into exchange ids; spot and coin-margined symbols are other markets", () => {
    expect(toExchangeSymbol('BTC/USDT:USDT')).toBe('BTCUSDT');
    expect(toExchangeSymbol('eth/usdc:usdc')).toBe('ETHUSDC');
    expect(toExchangeSymbol('btcusdt')).toBe('BTCUSDT');
    expect(toExchangeSymbol('BTC-USDT')).toBeUndefined();
    expect(toExchangeSymbol('ETH/USDC')).toBeUndefined();
    expect(toExchangeSymbol('BTC/USDT:BTC')).toBeUndefined();
  });

  it('turns a USDⓈ-M delivery contract (ccxt BTC/USDT:USDT-241227, Binance BTCUSDT_241227) into its Binance id; a coin-margined one is another market', () => {
    expect(toExchangeSymbol('BTC/USDT:USDT-241227')).toBe('BTCUSDT_241227');
    expect(toExchangeSymbol('btcusdt_241227')).toBe('BTCUSDT_241227');
    expect(toExchangeSymbol('BTC/USD:BTC-241227')).toBeUndefined();
    expect(toExchangeSymbol('BTCUSDT_2412')).toBeUndefined();
    expect(toExchangeSymbol('BTC/USDT-241227')).toBeUndefined();
  });

  it('accepts columns in any order, CRLF, quotes and blank lines; keeps file order for equal times', () => {
    const s = parseSignalsCsv('side,time,symbol\r\n"long",2024-01-01T00:00:00Z,BTCUSDT\r\n\r\nshort,1704067200000,ETHUSDT\r\n', 'x.csv');
    expect(s.map((x) => [x.side, x.timeMs, x.line])).toEqual([
      ['long', T0, 2],
      ['short', T0, 4],
    ]);
  });

  const bad: [string, string][] = [
    ['', 's.csv: file: empty file: expected a header line time,symbol,side[,stop_loss_pct]'],
    ['2024-01-01T00:00:00Z,BTCUSDT,long\n', 's.csv:1: header: a header line is required (time,symbol,side[,stop_loss_pct]), found data: "2024-01-01T00:00:00Z,BTCUSDT,long"'],
    ['time,symbol,side,stop\n', 's.csv:1: header: unknown column "stop" (expected time,symbol,side[,stop_loss_pct])'],
    ['time,symbol\n', 's.csv:1: header: no side column (expected time,symbol,side[,stop_loss_pct])'],
    ['time,symbol,side\n2024-01-01,BTCUSDT,buy\n', 's.csv:2: side: unknown side "buy" (expected long or short)'],
    ['time,symbol,side\n2024-01-01,BTCUSDT,long\nyesterday,BTCUSDT,long\n', 's.csv:3: time: not a time ("yesterday"; expected ISO-8601 or epoch ms)'],
    ['time,symbol,side\n2024-13-01,BTCUSDT,long\n', 's.csv:2: time: not a time ("2024-13-01"; expected ISO-8601 or epoch ms)'],
    // A time outside 2000–2099 is a corrupt field, not a signal "before the first candle".
    ['time,symbol,side\n2026-01-05,BTCUSDT,long\n20260105,BTCUSDT,long\n', 's.csv:3: time: "20260105" reads as epoch seconds 1970-08-23T11:48:25.000Z, outside 2000-01-01 … 2099-12-31 UTC (a corrupt time? expected ISO-8601 or epoch ms)'],
    ['time,symbol,side\n0,BTCUSDT,long\n', 's.csv:2: time: "0" reads as epoch seconds 1970-01-01T00:00:00.000Z, outside 2000-01-01 … 2099-12-31 UTC (a corrupt time? expected ISO-8601 or epoch ms)'],
    ['time,symbol,side\n17041536000000,BTCUSDT,long\n', 's.csv:2: time: "17041536000000" reads as epoch ms 2510-01-10T00:00:00.000Z, outside 2000-01-01 … 2099-12-31 UTC (a corrupt time? expected ISO-8601 or epoch ms)'],
    ['time,symbol,side\n2100-01-01,BTCUSDT,long\n', 's.csv:2: time: "2100-01-01" is outside 2000-01-01 … 2099-12-31 UTC (a corrupt time? expected ISO-8601 or epoch ms)'],
    ['time,symbol,side,stop_loss_pct\n2024-01-01,BTCUSDT,long,-1\n', 's.csv:2: stop_loss_pct: must be a number above 0 and below 100, got "-1"'],
    ['time,symbol,side,stop_loss_pct\n2024-01-01,BTCUSDT,long,two\n', 's.csv:2: stop_loss_pct: must be a number above 0 and below 100, got "two"'],
    ['time,symbol,side\n2024-01-01,BTC-USDT,long\n', 's.csv:2: symbol: not a symbol ("BTC-USDT"; expected BTCUSDT or BTC/USDT:USDT)'],
    ['time,symbol,side\n2024-01-01,BTCUSDT\n', 's.csv:2: columns: 2 columns, expected 3'],
    ['time,symbol,side\n# a comment\n', 's.csv:2: columns: 1 column, expected 3'],
    ['time,symbol,side\n2024-01-01,BTC/USDT:USDT,long\n2024-01-02,BTC/USDT,long\n', 's.csv:3: symbol: "BTC/USDT" is a spot symbol (expected the perpetual BTCUSDT or BTC/USDT:USDT)'],
    // Two signals of one symbol at one time that say different things: which is entered would depend
    // on the order of the lines (the later one), so the file is refused, naming both.
    ['time,symbol,side\n2024-01-01T00:00:00Z,BTCUSDT,long\n1704067200000,BTC/USDT:USDT,short\n', 's.csv:3: side: short for BTCUSDT at 2024-01-01T00:00:00.000Z, and line 2 says long at that same time: which one is meant cannot depend on the order of the lines'],
    ['time,symbol,side,stop_loss_pct\n2024-01-01,BTCUSDT,long,1.5\n2024-01-01,BTCUSDT,long,\n', 's.csv:3: stop_loss_pct: the config\'s for BTCUSDT at 2024-01-01T00:00:00.000Z, and line 2 says 1.5 at that same time: which one is meant cannot depend on the order of the lines'],
    ['time,symbol,side\n2024-01-01,BTC/USDT:BTC,long\n', 's.csv:2: symbol: "BTC/USDT:BTC" settles in BTC (coin-margined), not in USDT (expected the perpetual BTCUSDT or BTC/USDT:USDT)'],
  ];
  for (const [text, message] of bad) {
    it(`rejects: ${message}`, () => {
      const e = (() => {
        try {
          parseSignalsCsv(text, 's.csv');
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(SignalFileError);
      expect((e as Error).message).toBe(message);
    });
  }

  it('a UTF-16 or binary file is "not a text CSV file"; a long bad header is cut, its length said', () => {
    const utf16 = join(tmp, 'utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('time,symbol,side\n2024-01-01,BTCUSDT,long\n', 'utf16le')]));
    expect(() => loadSignalsFile(utf16)).toThrow(`${utf16}: file: not a text CSV file: UTF-16 or binary? (it starts with a UTF-16 byte-order mark FF FE; save it as UTF-8)`);
    const binary = join(tmp, 'binary.csv');
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]));
    expect(() => loadSignalsFile(binary)).toThrow(`${binary}: file: not a text CSV file: UTF-16 or binary? (a NUL byte at offset 7; expected UTF-8 text)`);
    const long = `2024-01-01T00:00:00Z${'x'.repeat(10_000)},BTCUSDT,long`;
    const e = (() => {
      try {
        parseSignalsCsv(`${long}\n`, 's.csv');
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(e?.message).toBe(`s.csv:1: header: unknown column ${JSON.stringify(long.slice(0, 120).toLowerCase())}… (10020 characters) (expected time,symbol,side[,stop_loss_pct])`);
  });

  it('a missing file is a SignalFileError', () => {
    expect(() => loadSignalsFile(join(tmp, 'none.csv'))).toThrow(/none\.csv: file: cannot read \(ENOENT\)/);
  });
});

const sig = (timeMs: number, side: 'long' | 'short' = 'long', symbol = 'BTCUSDT', line = 2): FileSignal => ({ timeMs, side, symbol, line, reason: `s.csv:${line}` });

describe('mapping signals to candles', () => {
  // Hourly candles at 0,1,2 then a gap, then 5,6.
  const s = seriesOf(
    [0, 1, 2, 5, 6].map(() => ({ open: 1, high: 1, low: 1, close: 1 })),
    [0, 1, 2, 5, 6].map((h) => T0 + h * H),
  );

  it('enters at the open of the first candle whose open time ≥ the signal time (a gap: the candle after it)', () => {
    const plan = mapSignalsToCandles([sig(T0 + H), sig(T0 + 1.2 * H), sig(T0 + 3.5 * H), sig(T0 + 5 * H)], s);
    expect(plan.placed.map((p) => p.entryIndex)).toEqual([1, 2, 3, 3]);
  });

  it('drops signals older than one candle before the data (stale) and after the last open', () => {
    const plan = mapSignalsToCandles([sig(T0 - 2 * H), sig(T0 - H), sig(T0 - 0.5 * H), sig(T0), sig(T0 + 6 * H + 1)], s);
    expect(plan.beforeStart.map((x) => x.timeMs)).toEqual([T0 - 2 * H, T0 - H]);
    expect(plan.placed.map((p) => [p.signal.timeMs, p.entryIndex])).toEqual([
      [T0 - 0.5 * H, 0],
      [T0, 0],
    ]);
    expect(plan.afterEnd.map((x) => x.timeMs)).toEqual([T0 + 6 * H + 1]);
  });

  it("keeps only the series' symbol, or all if the series has none and the file names one", () => {
    const signals = [sig(T0 + H), sig(T0 + H, 'short', 'ETHUSDT')];
    expect(mapSignalsToCandles(signals, s).placed).toHaveLength(1);
    const anon = seriesOf([{ open: 1, high: 1, low: 1, close: 1 }, { open: 1, high: 1, low: 1, close: 1 }], undefined, null);
    expect(() => mapSignalsToCandles(signals, anon)).toThrow(/no symbol and the signal file names several \(BTCUSDT, ETHUSDT\)/);
    expect(mapSignalsToCandles([sig(T0 + H)], anon).placed).toHaveLength(1);
  });
});

describe('the signals strategy', () => {
  it('returns each signal on the candle before its entry candle, and the last of several', async () => {
    const candles = await loadCandles(join(FIXTURES, 'BTCUSDT-1h.csv'));
    const st = SignalsStrategy.fromFile(SIGNALS);
    expect(st.warmup).toBe(0);
    const got = Array.from({ length: candles.length }, (_, i) => st.onCandle(candles, i));
    // BTCUSDT short at 01:00 → entry candle 1, returned on candle 0; long at 02:30 → entry 3, on candle 2.
    expect(got.map((x) => x && [x.side, x.reason])).toEqual([['short', 'signals.csv:4'], null, ['long', 'signals.csv:2'], null, null]);
    expect(got[2]!.stopLossPct).toBe(1.5);
    expect(st.beforeFirst(candles)).toBeNull();

    const two = new SignalsStrategy([sig(D + 1.5 * H, 'long', 'BTCUSDT', 2), sig(D + 2 * H, 'short', 'BTCUSDT', 3)]);
    expect(two.onCandle(candles, 1)?.side).toBe('short');
  });

  it('a signal for candle 0 comes from beforeFirst; entryAtOf asks the right question per candle', () => {
    const s = closesSeries([1, 1, 1]);
    const st = new SignalsStrategy([sig(T0 - 0.5 * H, 'short'), sig(T0 + 2 * H, 'long')]);
    const entryAt = entryAtOf(st, s);
    expect([0, 1, 2].map((i) => entryAt(i)?.side ?? null)).toEqual(['short', null, 'long']);
    const ema = new EmaCrossStrategy({ fast: 1, slow: 2 });
    expect(entryAtOf(ema, s)(0)).toBeNull();
  });
});

describe('signals live (fault 9: one candle per poll)', () => {
  it('fires each signal on the newest closed candle before its entry open, as the backtest enters it', () => {
    const bars = Array.from({ length: 8 }, () => ({ open: 100, high: 101, low: 99, close: 100 }));
    const full = seriesOf(bars);
    const signals: FileSignal[] = [
      { timeMs: T0 + 2 * H + 60_000, symbol: 'BTCUSDT', side: 'long', reason: 'a', line: 2 }, // entry at candle 3
      { timeMs: T0 + 5 * H, symbol: 'BTCUSDT', side: 'short', reason: 'b', line: 3 }, // entry at candle 5
      { timeMs: T0 + 5 * H + 1, symbol: 'ETHUSDT', side: 'short', reason: 'c', line: 4 }, // another symbol
    ];
    const backtest = entryAtOf(new SignalsStrategy(signals), full);
    const expected = bars.map((_, i) => backtest(i)?.reason ?? null);
    expect(expected).toEqual([null, null, null, 'a', null, 'b', null, null]);
    // Live: the series grows one closed candle at a time; the answer for candle i is entered at i + 1.
    const live = new LiveCandles('BTCUSDT', H);
    const strategy = new SignalsStrategy(signals);
    const entered: (string | null)[] = [null];
    for (let i = 0; i < bars.length - 1; i++) {
      live.append([{ symbol: 'BTCUSDT', openTimeMs: T0 + i * H, ...bars[i]!, volume: 0 }]);
      entered.push(strategy.onCandle(live.series(), i)?.reason ?? null);
    }
    expect(entered).toEqual(expected);
  });
});

describe('createStrategy', () => {
  it('builds ema_cross from its config', () => {
    const st = createStrategy({ name: 'ema_cross', fast: 12, slow: 26, atr_stop_mult: 2 });
    expect(st).toBeInstanceOf(EmaCrossStrategy);
    expect(st.name).toBe('ema_cross');
    expect((st as EmaCrossStrategy).params).toEqual({ fast: 12, slow: 26, atr_stop_mult: 2 });
  });

  it('builds signals from a file, relative to baseDir when given', () => {
    const st = createStrategy({ name: 'signals', file: 'signals.csv' }, { baseDir: SIGNALS_DIR });
    expect(st).toBeInstanceOf(SignalsStrategy);
    expect((st as SignalsStrategy).signals).toHaveLength(3);
    const abs = join(tmp, 'abs.csv');
    writeFileSync(abs, 'time,symbol,side\n2024-01-01,BTCUSDT,long\n');
    expect((createStrategy({ name: 'signals', file: abs }, { baseDir: '/elsewhere' }) as SignalsStrategy).signals).toHaveLength(1);
  });

  it('refuses an unknown strategy name', () => {
    expect(() => createStrategy({ name: 'rsi' } as never)).toThrow(/unknown strategy "rsi"/);
  });
});
