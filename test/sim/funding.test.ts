import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BTC, BTC_1H, REPO, type Harness, harness, waitFor } from './harness.ts';
import { tempDir } from '../support/temp-dir.ts';

const ETH = 'ETH/USDT:USDT';
const MIN = 60_000;
/** Real BTCUSDT funding rates 2022-01 … 2026-04 (README of ../shared/data/binance-usdm-funding). */
const BTC_FUNDING = path.resolve(REPO, '../shared/data/binance-usdm-funding/BTCUSDT-fundingRate.csv');

/** The USDT wallet balance (`balance` of GET /fapi/v2/balance: without unrealised PnL, which the steps move). */
async function wallet(h: Harness): Promise<number> {
  const rows = (await h.ex.fapiPrivateV2GetBalance()) as Array<{ asset: string; balance: string; crossWalletBalance: string }>;
  const usdt = rows.find((r) => r.asset === 'USDT')!;
  expect(usdt.crossWalletBalance).toBe(usdt.balance);
  return Number(usdt.balance);
}

/** The simulator's candle time now. */
async function simNow(h: Harness): Promise<number> {
  return (await h.admin.state()).timeMs;
}

/**
 * Listens to the user stream (ccxt's watchBalance), sets a settlement of 0.0001 on BTCUSDT 10 minutes
 * on, steps one point over it and returns the ACCOUNT_UPDATE with reason FUNDING_FEE it brought.
 */
async function fundingUpdateOfNextSettlement(h: Harness): Promise<{ t0: number; msg: Record<string, unknown> }> {
  const seen: Array<Record<string, unknown>> = [];
  let running = true;
  void (async () => {
    while (running) {
      try {
        seen.push((await h.ex.watchBalance()).info as Record<string, unknown>);
      } catch {
        running = false;
      }
    }
  })();
  await waitFor(async () => (await h.admin.state()).websockets.user === 1);
  // ccxt's positions snapshot (REST) must be done first, else closing the client leaves its future rejected, unhandled
  await waitFor(async () => (await h.admin.call<Array<{ path: string; status: number }>>('GET', 'requests')).some((r) => r.path === '/fapi/v3/positionRisk' && r.status === 200));
  const t0 = await simNow(h);
  await h.admin.call('POST', 'funding', { symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: 0.0001 }] });
  await h.admin.call('POST', 'step', { points: 1 });
  await waitFor(() => seen.some((m) => (m['a'] as { m?: string } | undefined)?.m === 'FUNDING_FEE'));
  running = false;
  return { t0, msg: seen.find((m) => (m['a'] as { m?: string }).m === 'FUNDING_FEE')! };
}

describe('funding in the simulator (ccxt over HTTP and the user stream)', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('charges a long and receives for a short at a settlement: −qty × mark × rate, in the balance and the income history', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '40000');
    await h.admin.setPrice('ETHUSDT', '2500');
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    await h.ex.createOrder(ETH, 'market', 'sell', 0.1);
    const t0 = await simNow(h); // 2024-01-01T00:00 (the random walk's start), a candle open: point 0
    const settlement = t0 + 10 * MIN; // inside the first step (the next point is at +20 min)
    await h.admin.call('POST', 'funding', { symbol: 'BTCUSDT', rates: [{ timeMs: settlement, rate: 0.0001 }] });
    await h.admin.call('POST', 'funding', { symbol: 'ETHUSDT', rates: [{ timeMs: settlement, rate: 0.0002 }] });
    const before = await wallet(h);

    await h.admin.call('POST', 'step', { points: 1 });

    // Charged at the prices held at +10 min (set above: the step's own move comes after):
    // long 0.01 BTC: −(0.01 × 40000 × 0.0001) = −0.04; short 0.1 ETH: −(−0.1 × 2500 × 0.0002) = +0.05.
    const btc = await h.ex.fetchFundingHistory(BTC, t0);
    expect(btc.map((x) => ({ symbol: x.symbol, amount: x.amount, timestamp: x.timestamp, code: x.code }))).toEqual([{ symbol: BTC, amount: -0.04, timestamp: settlement, code: 'USDT' }]);
    expect(btc[0]!.info).toMatchObject({ symbol: 'BTCUSDT', incomeType: 'FUNDING_FEE', income: '-0.04000000', asset: 'USDT', info: 'FUNDING_FEE', time: settlement, tradeId: '' });
    expect(typeof btc[0]!.info['tranId']).toBe('number');
    const eth = await h.ex.fetchFundingHistory(ETH, t0);
    expect(eth.map((x) => [x.amount, x.timestamp])).toEqual([[0.05, settlement]]);
    expect((await h.ex.fetchFundingHistory(undefined, t0)).map((x) => x.symbol).sort()).toEqual([BTC, ETH]);
    // The wallet moved by their sum: −0.04 + 0.05 = +0.01.
    expect(await wallet(h)).toBeCloseTo(before + 0.01, 8);
    const account = (await h.ex.fapiPrivateV3GetAccount()) as { assets: Array<{ asset: string; walletBalance: string; crossWalletBalance: string }> };
    const usdt = account.assets.find((a) => a.asset === 'USDT')!;
    expect(Number(usdt.walletBalance)).toBeCloseTo(before + 0.01, 8);
    expect(usdt.crossWalletBalance).toBe(usdt.walletBalance);
    // The rate history (public): the settlement with the mark price it was charged at.
    const rates = await h.ex.fetchFundingRateHistory(BTC, t0);
    expect(rates.map((r) => [r.fundingRate, r.timestamp, r.info['markPrice']])).toEqual([[0.0001, settlement, '40000']]);
  });

  it('charges nothing to a flat account, though the rate is in the history', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '40000');
    const t0 = await simNow(h);
    await h.admin.call('POST', 'funding', { symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: 0.0001 }] });
    const before = await wallet(h);
    await h.admin.call('POST', 'step', { candles: 2 });
    expect(await h.ex.fetchFundingHistory(BTC, t0)).toEqual([]);
    expect(await wallet(h)).toBe(before);
    expect((await h.ex.fetchFundingRateHistory(BTC, t0)).map((r) => r.fundingRate)).toEqual([0.0001]);
  });

  it('charges each settlement the clock jumps over, once, and not again when the price is set at the same time', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '40000');
    await h.ex.createOrder(BTC, 'market', 'sell', 0.02);
    const t0 = await simNow(h);
    // Two settlements inside one step (+5 and +10 min), one at the next point's own time (+20 min).
    const times = [t0 + 5 * MIN, t0 + 10 * MIN, t0 + 20 * MIN];
    await h.admin.call('POST', 'funding', { symbol: 'BTCUSDT', rates: [{ timeMs: times[0], rate: 0.0001 }, { timeMs: times[1], rate: -0.0003 }, { timeMs: times[2], rate: 0.0005 }] });
    const before = await wallet(h);

    await h.admin.call('POST', 'step', { points: 1 }); // to t0 + 20 min: all three are due
    const price = Number((await h.admin.state()).prices['BTCUSDT']); // the point's price: the one at +20 min
    await h.admin.setPrice('BTCUSDT', '41000'); // the same time again: nothing more to charge
    await h.admin.setPrice('BTCUSDT', '39000');
    await h.admin.call('POST', 'step', { candles: 3 });

    // Short 0.02: +5 min at the held 40000: −(−0.02 × 40000 × 0.0001) = +0.08; +10 min: −(−0.02 × 40000 × −0.0003) = −0.24;
    // +20 min at the point's price p: 0.02 × p × 0.0005 = 0.00001 × p.
    const paid = await h.ex.fetchFundingHistory(BTC, t0);
    expect(paid.map((x) => x.timestamp)).toEqual(times);
    expect(paid[0]!.amount).toBe(0.08);
    expect(paid[1]!.amount).toBe(-0.24);
    expect(paid[2]!.amount).toBeCloseTo(0.00001 * price, 8);
    expect(await wallet(h)).toBeCloseTo(before + 0.08 - 0.24 + 0.00001 * price, 8);
    expect((await h.ex.fetchFundingRateHistory(BTC, t0)).map((r) => [r.timestamp, r.fundingRate])).toEqual([[times[0], 0.0001], [times[1], -0.0003], [times[2], 0.0005]]);
  });

  it('pushes ACCOUNT_UPDATE with reason FUNDING_FEE, the new wallet balance and the amount (watchBalance)', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '40000');
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    const { t0, msg } = await fundingUpdateOfNextSettlement(h);
    const wb = (await h.admin.state()).balance.wallet;
    // Binance: a cross position's funding brings the balance only (bc = the funding), no position.
    expect(msg).toMatchObject({ e: 'ACCOUNT_UPDATE', E: t0 + 10 * MIN, a: { m: 'FUNDING_FEE', B: [{ a: 'USDT', wb: wb.toFixed(8), cw: wb.toFixed(8), bc: '-0.04000000' }], P: [] } });
  });

  it('{ symbol, rate }: that rate every 8 h at 00/08/16 UTC from now, shown by premiumIndex (fetchFundingRate)', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '40000');
    const t0 = await simNow(h); // 2024-01-01T00:00
    expect(t0).toBe(Date.UTC(2024, 0, 1));
    const set = await h.admin.call('POST', 'funding', { symbol: 'BTCUSDT', rate: 0.0002 });
    expect(set['next']).toEqual([{ timeMs: Date.UTC(2024, 0, 1, 8), rate: 0.0002 }, { timeMs: Date.UTC(2024, 0, 1, 16), rate: 0.0002 }, { timeMs: Date.UTC(2024, 0, 2), rate: 0.0002 }]);
    const f = await h.ex.fetchFundingRate(BTC);
    expect([f.fundingRate, f.fundingTimestamp]).toEqual([0.0002, Date.UTC(2024, 0, 1, 8)]);
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    await h.admin.call('POST', 'step', { candles: 9 }); // to 08:59:59.999: the 08:00 open charged at its price
    const paid = await h.ex.fetchFundingHistory(BTC, t0);
    expect(paid.map((x) => x.timestamp)).toEqual([Date.UTC(2024, 0, 1, 8)]);
    const g = await h.ex.fetchFundingRate(BTC);
    expect([g.fundingRate, g.fundingTimestamp]).toEqual([0.0002, Date.UTC(2024, 0, 1, 16)]);
  });

  it('refuses a bad admin body with one line naming the field (HTTP 400, and sim.admin.setFunding throws)', async () => {
    h = await harness();
    const t0 = await simNow(h);
    const bad = async (body: unknown): Promise<string> => {
      const res = await fetch(`${h.sim.url}/_sim/funding`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: string }).error;
    };
    expect(await bad({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + MIN, rate: 2 }] })).toMatch(/^funding: rates\[0\]\.rate: .*\|rate\| < 1/);
    expect(await bad({ symbol: 'BTCUSDT', rates: [{ timeMs: 'soon', rate: 0.0001 }] })).toMatch(/^funding: rates\[0\]\.timeMs: /);
    expect(await bad({ symbol: 'BTCUSDT', rates: [{ timeMs: t0, rate: 0.0001 }] })).toMatch(/^funding: rates\[0\]\.timeMs: .* is not after the simulator's time/);
    expect(await bad({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 2 * MIN, rate: 0.0001 }, { timeMs: t0 + MIN, rate: 0.0001 }] })).toMatch(/^funding: rates\[1\]\.timeMs: .* ascending/);
    expect(await bad({ symbol: 'BTCUSDT' })).toMatch(/^funding: rate: /);
    expect(await bad({ symbol: 'NOPEUSDT', rate: 0.0001 })).toBe('funding: symbol: "NOPEUSDT" is not in the simulator\'s exchange information (a Binance id such as BTCUSDT)');
    expect(() => h.sim.admin.setFunding({ symbol: 'BTCUSDT', rate: '0.01' })).toThrow(/^funding: rate: /);
    expect(h.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + MIN, rate: 0.0001 }] })).toMatchObject({ symbol: 'BTCUSDT', settlements: 1 });
  });

  it('fundingFiles (--funding) with real rates: history before the start, and the replay charges the 00:00 settlement at that candle open', async () => {
    h = await harness({ dataFiles: [BTC_1H], fundingFiles: [BTC_FUNDING] });
    await h.ex.loadMarkets();
    const t0 = await simNow(h);
    expect(t0).toBe(Date.UTC(2022, 0, 21, 20)); // the 501st candle: 500 of history
    // BTCUSDT-fundingRate.csv: 2022-01-21 08:00 0.00004523, 16:00 0.00008226, 2022-01-22 00:00 −0.00001051.
    const f = await h.ex.fetchFundingRate(BTC);
    expect([f.fundingRate, f.fundingTimestamp]).toEqual([0.00008226, Date.UTC(2022, 0, 22)]);
    const history = await h.ex.fetchFundingRateHistory(BTC, Date.UTC(2022, 0, 21, 8));
    // Never a settlement after the simulator's time; the mark is the candle open at each (BTCUSDT-1h.csv).
    expect(history.map((r) => [r.timestamp, r.fundingRate])).toEqual([[Date.UTC(2022, 0, 21, 8), 0.00004523], [Date.UTC(2022, 0, 21, 16), 0.00008226]]);
    await h.ex.createOrder(BTC, 'market', 'buy', 0.1);
    await h.admin.call('POST', 'step', { candles: 4 }); // to 23:59:59.999: not yet
    expect(await h.ex.fetchFundingHistory(BTC, t0)).toEqual([]);
    await h.admin.call('POST', 'step', { points: 1 }); // the 2022-01-22 00:00 candle opens at 36445.31 (36445.3 at the 0.1 tick)
    // Long 0.1 BTC at a negative rate receives: −(0.1 × 36445.3 × −0.00001051) = 0.0383040103 → 0.03830401.
    const paid = await h.ex.fetchFundingHistory(BTC, t0);
    expect(paid.map((x) => [x.timestamp, x.amount])).toEqual([[Date.UTC(2022, 0, 22), 0.03830401]]);
    const last = await h.ex.fetchFundingRateHistory(BTC, Date.UTC(2022, 0, 22));
    expect(last.map((r) => [r.fundingRate, r.info['markPrice']])).toEqual([[-0.00001051, '36445.3']]);
  });
  it('a settlement in a gap of the data is charged at the next candle open, as the backtest does', async () => {
    // BTCUSDT 1h candles from 2024-01-01 00:00, open 40000 + 100 × hour; 07:00 and 08:00 missing (the gap).
    const dir = tempDir('ladder-sim-gap-');
    const file = path.join(dir, 'BTCUSDT-1h.csv');
    const rows: string[] = [];
    for (let i = 0; i < 12; i++) {
      if (i === 7 || i === 8) continue;
      const t = Date.UTC(2024, 0, 1, i);
      const o = 40_000 + 100 * i;
      rows.push([t, o, o + 50, o - 50, o + 20, 10, t + 3_599_999, 400_000, 100, 5, 200_000, 0].join(','));
    }
    writeFileSync(file, `${rows.join('\n')}\n`);
    h = await harness({ dataFiles: [file], warmupCandles: 2 });
    await h.ex.loadMarkets();
    expect(await simNow(h)).toBe(Date.UTC(2024, 0, 1, 2));
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    await h.admin.call('POST', 'funding', { symbol: 'BTCUSDT', rates: [{ timeMs: Date.UTC(2024, 0, 1, 8), rate: 0.0001 }] });
    await h.admin.call('POST', 'step', { candles: 7 }); // to 08:59:59.999, inside the gap: nothing played since 06:59
    expect(await h.ex.fetchFundingHistory(BTC, Date.UTC(2024, 0, 1))).toEqual([]);
    await h.admin.call('POST', 'step', { points: 1 }); // the 09:00 candle opens at 40900
    // −(0.01 × 40900 × 0.0001) = −0.0409 (not the 06:00 close held through the gap, 40620: −0.04062).
    const paid = await h.ex.fetchFundingHistory(BTC, Date.UTC(2024, 0, 1));
    expect(paid.map((x) => [x.timestamp, x.amount])).toEqual([[Date.UTC(2024, 0, 1, 8), -0.0409]]);
  });

  it('GET /fapi/v1/income also lists the fills\' REALIZED_PNL and COMMISSION, and filters by incomeType', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    const t0 = await simNow(h);
    await h.admin.setPrice('BTCUSDT', '40000');
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    await h.admin.setPrice('BTCUSDT', '41000');
    await h.ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
    const [entry, exit] = (await h.admin.state()).fills as unknown as Array<{ tradeId: number }>;
    const rows = (await h.ex.fapiPrivateGetIncome({ startTime: t0 })) as Array<Record<string, unknown>>;
    // Taker 0.05 %: entry 0.01 × 40000 × 0.0005 = 0.2, exit 0.01 × 41000 × 0.0005 = 0.205; PnL (41000 − 40000) × 0.01 = 10.
    expect(rows.map((r) => [r['incomeType'], r['income'], r['tradeId'], r['symbol'], r['asset']])).toEqual([
      ['COMMISSION', '-0.20000000', String(entry!.tradeId), 'BTCUSDT', 'USDT'],
      ['REALIZED_PNL', '10.00000000', String(exit!.tradeId), 'BTCUSDT', 'USDT'],
      ['COMMISSION', '-0.20500000', String(exit!.tradeId), 'BTCUSDT', 'USDT'],
    ]);
    expect(new Set(rows.map((r) => r['tranId'])).size).toBe(3);
    const pnl = (await h.ex.fapiPrivateGetIncome({ startTime: t0, incomeType: 'REALIZED_PNL' })) as Array<Record<string, unknown>>;
    expect(pnl.map((r) => r['income'])).toEqual(['10.00000000']);
    expect(await h.ex.fapiPrivateGetIncome({ startTime: t0, incomeType: 'FUNDING_FEE' })).toEqual([]);
  });
  it('with the clock running (--speed), each settlement passed is charged once, at its own time', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '40000');
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    const t0 = await simNow(h);
    const times = Array.from({ length: 12 }, (_, k) => t0 + (k + 1) * 3_600_000 + 7 * MIN); // hourly, off the path points
    await h.admin.call('POST', 'funding', { symbol: 'BTCUSDT', rates: times.map((timeMs) => ({ timeMs, rate: 0.0001 })) });
    const before = await wallet(h);
    await h.admin.call('POST', 'speed', { speed: 50 }); // 50 candles a second
    await waitFor(async () => (await simNow(h)) > times[times.length - 1]! + 3_600_000, 10_000);
    await h.admin.call('POST', 'speed', { speed: 0 });
    const paid = await h.ex.fetchFundingHistory(BTC, t0);
    expect(paid.map((x) => x.timestamp)).toEqual(times);
    expect(paid.every((x) => x.amount! < 0)).toBe(true); // a long at a positive rate pays
    expect(await wallet(h)).toBeCloseTo(before + paid.reduce((a, x) => a + x.amount!, 0), 8);
  });

  it('an isolated position\'s FUNDING_FEE update carries the position too (Binance)', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.ex.setMarginMode('isolated', BTC);
    await h.admin.setPrice('BTCUSDT', '40000');
    await h.ex.createOrder(BTC, 'market', 'sell', 0.01);
    const { msg } = await fundingUpdateOfNextSettlement(h);
    // Short 0.01 at 40000, rate 0.0001: receives 0.04.
    expect(msg).toMatchObject({ a: { m: 'FUNDING_FEE', B: [{ a: 'USDT', bc: '0.04000000' }], P: [{ s: 'BTCUSDT', pa: '-0.01', mt: 'isolated', ps: 'BOTH' }] } });
  });
});
