/**
 * Informal speed measurement (not a test): ema_cross over the real BTCUSDT 1h candles with
 * trading-signals' indicators, against the same EMA recurrence written inline.
 * Run: `npx tsx test/strategy/measure-strategy-speed.ts`.
 */
import { fileURLToPath } from 'node:url';
import { loadCandles } from '../../src/data/load-candles.ts';
import { EmaCrossStrategy } from '../../src/strategy/ema-cross.ts';

const file = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/BTCUSDT-1h.csv', import.meta.url));
const s = await loadCandles(file);

function inlineEmaCross(fast: number, slow: number): number {
  const af = 2 / (fast + 1);
  const as = 2 / (slow + 1);
  let f = s.close[0]!;
  let sl = f;
  let prev = NaN;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.close[i]!;
    f = c * af + f * (1 - af);
    sl = c * as + sl * (1 - as);
    const d = f - sl;
    if (i >= slow && ((prev <= 0 && d > 0) || (prev >= 0 && d < 0))) n++;
    prev = d;
  }
  return n;
}

function strategyRun(params: ConstructorParameters<typeof EmaCrossStrategy>[0]): number {
  const st = new EmaCrossStrategy(params);
  let n = 0;
  for (let i = 0; i < s.length; i++) if (st.onCandle(s, i) !== null) n++;
  return n;
}

function best(label: string, fn: () => number): void {
  let ms = Infinity;
  let n = 0;
  for (let r = 0; r < 30; r++) {
    const t0 = performance.now();
    n = fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  console.log(`${label.padEnd(44)} ${n} signals  best ${ms.toFixed(2)} ms  ${((s.length / ms) * 1000 / 1e6).toFixed(1)} M candles/s`);
}

best('inline EMA recurrence (12/26)', () => inlineEmaCross(12, 26));
best('ema_cross 12/26 (trading-signals EMA)', () => strategyRun({ fast: 12, slow: 26 }));
best('ema_cross 12/26 + ATR(14) stop (WSMA)', () => strategyRun({ fast: 12, slow: 26, atr_stop_mult: 2 }));
best('ema_cross 12/26 + ATR(200) stop (WSMA)', () => strategyRun({ fast: 12, slow: 26, atr_stop_mult: 2, atr_period: 200 }));
