import type { CandleSeries } from '../data/index.ts';
import { lowerBound } from './tape.ts';
import { type SymbolRules, nearestTicks, priceNum } from './markets.ts';
import { createRng, deriveSeed } from './random.ts';
import type { CandleSource, TickCandle } from './tape.ts';

/**
 * A replayed candle series (loaded by src/data, as the backtest reads it), prices rounded to the
 * futures symbol's tick (spot data has finer ticks). Binance quote volume is approximated by
 * volume × close; trade counts and taker volumes are not in the loaded series and are served as 0.
 */
export function fileSource(series: CandleSeries, rules: SymbolRules): CandleSource & { all: (toMs: number) => TickCandle[] } {
  const times = Array.from(series.time);
  const at = (i: number): TickCandle => {
    const v = series.volume[i]!;
    return {
      t: times[i]!,
      o: nearestTicks(series.open[i]!, rules),
      h: nearestTicks(series.high[i]!, rules),
      l: nearestTicks(series.low[i]!, rules),
      c: nearestTicks(series.close[i]!, rules),
      v,
      q: v * series.close[i]!,
      n: 0,
      tb: 0,
      tq: 0,
    };
  };
  return {
    candleAt(t) {
      const i = lowerBound(times, t);
      return times[i] === t ? at(i) : undefined;
    },
    endedAt(t) {
      return lowerBound(times, t) >= times.length;
    },
    /** Candles opening before `toMs` (the history a replay starts with). */
    all(toMs) {
      const out: TickCandle[] = [];
      const end = lowerBound(times, toMs);
      for (let i = 0; i < end; i++) out.push(at(i));
      return out;
    },
  };
}

/** Rough prices of the snapshot's day (2024-10-20) for the symbols Ladder trades; others start at 100. */
const START_PRICES: Record<string, number> = {
  BTCUSDT: 68000, ETHUSDT: 2650, BNBUSDT: 590, SOLUSDT: 165, XRPUSDT: 0.54,
  ADAUSDT: 0.36, DOGEUSDT: 0.14, AVAXUSDT: 27, LINKUSDT: 11.5, DOTUSDT: 4.4,
};

/**
 * A seeded random walk on a fixed grid from `originMs`: candle k depends only on the seed, the symbol
 * and k, so the same seed gives the same prices whenever the symbol is first used.
 * Volatility: 0.5 % per hour, scaled by √(interval / 1 h).
 */
export function randomWalkSource(
  rules: SymbolRules,
  seed: number,
  originMs: number,
  intervalMs: number,
  startPrice = START_PRICES[rules.symbol] ?? 100,
): CandleSource & { all: (toMs: number) => TickCandle[] } {
  const rng = createRng(deriveSeed(seed, rules.symbol));
  const sigma = 0.005 * Math.sqrt(intervalMs / 3_600_000);
  const candles: TickCandle[] = [];
  let close = nearestTicks(startPrice, rules);
  const extendTo = (k: number): void => {
    while (candles.length <= k) {
      const o = close;
      const c = Math.max(1, Math.round(o * Math.exp(sigma * rng.normal())));
      const h = Math.max(o, c, Math.round(Math.max(o, c) * Math.exp(Math.abs(rng.normal()) * sigma * 0.5)));
      const l = Math.max(1, Math.min(o, c, Math.round(Math.min(o, c) * Math.exp(-Math.abs(rng.normal()) * sigma * 0.5))));
      const v = Math.round((50 + rng.next() * 100) * 1000) / 1000;
      const mid = priceNum(Math.round((o + c) / 2), rules);
      candles.push({ t: originMs + candles.length * intervalMs, o, h, l, c, v, q: v * mid, n: Math.round(v * 10), tb: v / 2, tq: (v * mid) / 2 });
      close = c;
    }
  };
  return {
    candleAt(t) {
      if (t < originMs || (t - originMs) % intervalMs !== 0) return undefined;
      const k = (t - originMs) / intervalMs;
      extendTo(k);
      return candles[k];
    },
    endedAt: () => false,
    all(toMs) {
      if (toMs <= originMs) return [];
      const k = Math.ceil((toMs - originMs) / intervalMs) - 1;
      extendTo(k);
      return candles.slice(0, k + 1);
    },
  };
}
