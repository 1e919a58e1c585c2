import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareExits } from '../../src/backtest/compare.ts';
import { runBacktest } from '../../src/backtest/engine.ts';
import { type LoadedBacktest, loadBacktestInputs } from '../../src/cli/backtest-inputs.ts';
import { exitSettingsFromConfig } from '../../src/core/scaled-tp/from-config.ts';
import { ColumnReader, ColumnWriter, readCandles, readEquity, readTrades, writeCandles, writeEquity, writeTrades } from '../../src/web/components/report-columns.ts';
import type { TradeView } from '../../src/web/components/view-model.ts';
import { profitPerLevel } from '../../src/web/components/trade-table.ts';
import { tradeView } from '../../src/web/trade-view.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DATA = resolve(ROOT, '../shared/data/binance-spot-klines');
const MARKETS = resolve(ROOT, '../shared/data/binance-usdm-exchange-info.json');
const dir = tempDir('ladder-report-columns-');

/** Writes and reads back a run's trades through the blob's bytes, as the page does. */
function roundTrip(trades: readonly TradeView[], input: LoadedBacktest, scales: (s: string) => { priceScale: number; qtyScale: number }): TradeView[] {
  const symbols = input.symbols.map((s) => ({ symbol: s.symbol, ...scales(s.symbol) }));
  const w = new ColumnWriter();
  const { codes } = writeTrades(w, trades, symbols);
  const blob = w.finish('trades-0');
  return readTrades(new ColumnReader(blob.bytes, blob.ref), codes, symbols);
}

/** Fees are kept to 0.0001 and PnL to 0.000001 on purpose; everything else must come back as it was. */
function expectSameTrades(got: readonly TradeView[], want: readonly TradeView[]): void {
  const byId = new Map(got.map((t) => [t.id, t]));
  expect(got.length).toBe(want.length);
  for (const w of want) {
    const g = byId.get(w.id)!;
    expect(g, w.id).toBeDefined();
    const strip = (t: TradeView) => ({ ...t, pnl: 0, avgExitPrice: 0, exits: t.exits.map((e) => ({ ...e, fee: 0, pnl: 0 })), ...(t.funding === undefined ? {} : { funding: 0 }) });
    expect(strip(g)).toEqual(strip(w));
    if (w.funding !== undefined) expect(Math.abs(g.funding! - w.funding)).toBeLessThanOrEqual(0.5e-6 + 1e-9);
    g.exits.forEach((e, k) => {
      expect(Math.abs(e.fee - w.exits[k]!.fee)).toBeLessThanOrEqual(0.5e-4 + 1e-12);
      expect(Math.abs(e.pnl - w.exits[k]!.pnl)).toBeLessThanOrEqual(0.5e-6 + 1e-9);
    });
    expect(Math.abs(g.pnl - w.pnl)).toBeLessThan(1e-5);
    expect(g.avgExitPrice).toBeCloseTo(w.avgExitPrice!, 6);
  }
}

describe('report columns (real Binance candles and backtests)', () => {
  const scaleFor = (trades: readonly TradeView[], input: LoadedBacktest) => (symbol: string) => {
    // The scale the report would use: the smallest exact one over every price and quantity.
    const s = input.symbols.find((x) => x.symbol === symbol)!;
    const mine = trades.filter((t) => t.symbol === symbol);
    const prices = [...s.candles.open, ...mine.flatMap((t) => [t.entryPrice, t.initialStop, ...t.targets.map((x) => x.price), ...t.exits.map((e) => e.price)])];
    const qtys = mine.flatMap((t) => [t.originalQuantity, ...t.exits.map((e) => e.quantity)]);
    const dec = (xs: number[]) => Math.max(0, ...xs.map((x) => (String(x).split('.')[1] ?? '').length));
    return { priceScale: dec(prices), qtyScale: dec(qtys) };
  };
  let plain: LoadedBacktest;
  let slipped: LoadedBacktest;
  beforeAll(async () => {
    const data = `${DATA}/ETHUSDT-1h.csv,${DATA}/SOLUSDT-1h.csv`;
    plain = await loadBacktestInputs({ config: join(ROOT, 'examples/scaled.config.json'), data, markets: MARKETS, from: '2025-01-01', to: '2025-07-01' });
    // Slippage makes prices off the tick; limit take-profits pay the maker fee: other codes and rates.
    const cfg = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    const file = join(dir, 'slipped.json');
    writeFileSync(file, JSON.stringify({ ...cfg, $schema: undefined, slippage_pct: 0.07, scaled_tp_execution: 'limit' }));
    slipped = await loadBacktestInputs({ config: file, data, markets: MARKETS, from: '2025-01-01', to: '2025-07-01' });
  }, 60_000);

  it('gives back every trade of a scaled run: prices, quantities, times, targets, stop moves and exits', () => {
    const trades = runBacktest(plain.symbols, plain.options).trades.map(tradeView);
    expect(trades.length).toBeGreaterThan(100);
    expectSameTrades(roundTrip(trades, plain, scaleFor(trades, plain)), trades);
  });

  it('gives back trades with slippage (prices off the tick) and limit take-profits (maker fee)', () => {
    const trades = runBacktest(slipped.symbols, slipped.options).trades.map(tradeView);
    expect(trades.some((t) => t.exits.some((e) => (String(e.price).split('.')[1] ?? '').length > 2))).toBe(true);
    expectSameTrades(roundTrip(trades, slipped, scaleFor(trades, slipped)), trades);
  });

  it('gives back the single take-profit run of a compare (reason tp, level null)', () => {
    const cfg = plain.config;
    const cmp = compareExits(plain.symbols, plain.options, [{ name: 'single', settings: exitSettingsFromConfig({ ...cfg, enable_scaled_take_profit: false }) }]);
    const trades = cmp.runs[0]!.run.trades.map(tradeView);
    expect(trades.some((t) => t.exits.some((e) => e.reason === 'tp' && e.level === null))).toBe(true);
    expectSameTrades(roundTrip(trades, plain, scaleFor(trades, plain)), trades);
  });

  it('gives back each trade\'s funding (a run with --funding for ETHUSDT only), and its PnL with it; the per-level line shows it', async () => {
    const funded = await loadBacktestInputs({
      config: join(ROOT, 'examples/scaled.config.json'),
      data: `${DATA}/ETHUSDT-1h.csv,${DATA}/SOLUSDT-1h.csv`,
      markets: MARKETS,
      from: '2025-01-01',
      to: '2025-07-01',
      funding: resolve(ROOT, '../shared/data/binance-usdm-funding/ETHUSDT-fundingRate.csv'),
    });
    const trades = runBacktest(funded.symbols, funded.options).trades.map(tradeView);
    expect(trades.filter((t) => t.symbol === 'ETHUSDT').every((t) => t.funding !== undefined)).toBe(true);
    expect(trades.filter((t) => t.symbol === 'SOLUSDT').every((t) => t.funding === undefined)).toBe(true);
    expect(trades.some((t) => (t.funding ?? 0) !== 0)).toBe(true);
    const got = roundTrip(trades, funded, scaleFor(trades, funded));
    expectSameTrades(got, trades);
    const t = got.find((x) => (x.funding ?? 0) < 0)!;
    expect(profitPerLevel(t)).toMatch(/ · FUNDING −\d+\.\d\d$/);
  });

  it('stores a trade of a real run in a few bytes (compressed), not as an object', () => {
    const trades = runBacktest(plain.symbols, plain.options).trades.map(tradeView);
    const w = new ColumnWriter();
    writeTrades(w, trades, plain.symbols.map((s) => ({ symbol: s.symbol, ...scaleFor(trades, plain)(s.symbol) })));
    const packed = deflateRawSync(w.finish('t').bytes, { level: 9 }).length;
    const json = JSON.stringify(trades).length;
    // ~3 exits and ~2 stop moves a trade; JSON objects take ~1 kB.
    expect(packed / trades.length).toBeLessThan(20);
    expect(json / packed).toBeGreaterThan(30);
  });

  it('keeps text ids that are not <symbol>-<n>, open trades and trades without exits', () => {
    const base: TradeView = { id: 'manual x', symbol: 'ETHUSDT', side: 'short', entryTimeMs: Date.UTC(2025, 0, 2), entryPrice: 3300.5, originalQuantity: 0.25, avgExitPrice: null, pnl: 0, initialStop: 3366.51, targets: [{ level: 1, reason: 'tp1', price: 3267.49, skipped: false }, { level: 2, reason: 'tp2', price: 3234.49, skipped: true }], exits: [], stopMoves: [], open: true };
    const withExit: TradeView = { ...base, id: 'ETHUSDT-007', open: undefined, exits: [{ timeMs: base.entryTimeMs + 3_600_000, price: 3290, quantity: 0.25, reason: 'signal', level: null, fee: 0.41125, pnl: 2.21 }] } as never;
    const got = roundTrip([base, withExit], plain, () => ({ priceScale: 2, qtyScale: 2 }));
    expect(got.map((t) => t.id).sort()).toEqual(['ETHUSDT-007', 'manual x']);
    const open = got.find((t) => t.id === 'manual x')!;
    expect(open).toEqual(base);
    expect(got.find((t) => t.id === 'ETHUSDT-007')!.exits[0]!.price).toBe(3290);
  });

  it('gives back candles exactly and equity to the cent', () => {
    const s = plain.symbols[0]!;
    const c = s.candles;
    const w = new ColumnWriter();
    writeCandles(w, { t: c.time, o: c.open, h: c.high, l: c.low, c: c.close }, 2);
    const blob = w.finish('c');
    const got = readCandles(new ColumnReader(blob.bytes, blob.ref), 2);
    expect(got).toEqual({ t: Array.from(c.time), o: Array.from(c.open), h: Array.from(c.high), l: Array.from(c.low), c: Array.from(c.close) });

    const run = runBacktest(plain.symbols, plain.options);
    const ew = new ColumnWriter();
    writeEquity(ew, run.equityTimeMs, run.equity);
    const eb = ew.finish('e');
    const eq = readEquity(new ColumnReader(eb.bytes, eb.ref), 'x');
    expect(eq.t).toEqual(Array.from(run.equityTimeMs));
    eq.v.forEach((v, i) => expect(Math.abs(v - run.equity[i]!)).toBeLessThanOrEqual(0.005 + 1e-9));
  });
});
