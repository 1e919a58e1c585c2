import { afterEach, describe, expect, it } from 'vitest';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import type { ExchangePort } from '../../src/exchange/port.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';
import { recordingLogger } from '../support/log-lines.ts';
import { silentLogger } from '../../src/bot/logger.ts';
import { totalPnl } from '../../src/core/index.ts';
import { tradesCsv } from '../../src/store/history.ts';
import { profitPerLevel } from '../../src/web/components/trade-table.ts';
import { tradeView } from '../../src/web/trade-view.ts';

/**
 * Funding booked on the bot's positions: the simulator charges each settlement (its income history,
 * GET /fapi/v1/income through ccxt's fetchFundingHistory) and the bot books what its position paid.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MIN = 60_000;
const simNow = (hh: Harness) => (hh.sim.admin.state() as { timeMs: number }).timeMs;

/** A long 0.01 BTC entered at 60,000 on the simulator by a bot whose log lines are kept and whose funding reads are not spaced. */
async function longAt60000(port: (ex: ExchangePort) => ExchangePort = (ex) => ex, fundingReadGapMs = 0): Promise<{ bot: TradingBot; lines: (Record<string, unknown> & { msg: string })[] }> {
  const config = testConfig();
  h = await startHarness(config, { seed: 3 });
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  const { log, records } = recordingLogger();
  const bot = new TradingBot({ config, exchange: port(h.ex), store: h.store, log, fundingReadGapMs, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
  h.bot = bot;
  await bot.start();
  await bot.traders[0]!.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
  if (bot.traders[0]!.position?.side !== 'long') throw new Error('the long did not enter');
  return { bot, lines: records as (Record<string, unknown> & { msg: string })[] };
}

/**
 * A long 0.01 BTC entered at 60,000 by a bot whose wall clock the test moves (`clock.ms`), whose funding
 * reads are `fundingReadGapMs` apart (default a minute, as live) and whose alerts and log lines are kept.
 */
async function longOnClock(fundingReadGapMs = MIN) {
  const config = testConfig();
  h = await startHarness(config, { seed: 3 });
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  const { log, records } = recordingLogger();
  const lines = records as (Record<string, unknown> & { msg: string })[];
  const clock = { ms: Date.now() };
  const alerts: string[] = [];
  const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, now: () => clock.ms, fundingReadGapMs, onAlert: (_s, _k, m) => alerts.push(m), retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
  h.bot = bot;
  await bot.start();
  const t = bot.traders[0]!;
  await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
  if (t.position?.side !== 'long') throw new Error('the long did not enter');
  return { bot, t, lines, alerts, clock, hs: h };
}

/** A settlement of 0.0001 ten minutes on (charged at the 60,000 held then), then two hours on with the price back on 60,000. */
function settledTwoHoursAgo(): void {
  const t0 = simNow(h!);
  h!.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: 0.0001 }] });
  h!.sim.admin.step({ points: 1 });
  h!.sim.admin.step({ candles: 2 });
  h!.sim.admin.setPrice('BTCUSDT', 60000, true);
}

describe('funding on the bot\'s positions (the simulator charges, the bot reads its income history)', () => {
  it('a long pays 0.01 × 60,000 × 0.0001 = 0.06 at a settlement: booked on the open position at the next hour, kept when it closes; the trade\'s PnL is its exits\' plus it (before: never booked)', async () => {
    const { bot, lines } = await longAt60000();
    const t = bot.traders[0]!;
    const id = t.position!.id;
    const t0 = simNow(h!);
    // A settlement 10 minutes on, inside the walk's first point: charged at the 60,000 held then.
    h!.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: 0.0001 }] });
    h!.sim.admin.step({ points: 1 });
    const income = await h!.ex.funding('BTCUSDT', t0);
    expect(income.map((f) => [f.timeMs, f.amount])).toEqual([[t0 + 10 * MIN, -0.06]]);
    // Two hours on (the bot reads once past the entry's hour), the price put back on 60,000.
    h!.sim.admin.step({ candles: 2 });
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await bot.step();
    expect(t.position?.id).toBe(id);
    expect(t.position?.status).toBe('open');
    expect(t.position?.funding).toBe(-0.06);
    expect(h!.store.getPosition(id)?.funding).toBe(-0.06);
    // Read again later: the same total, nothing added twice.
    await bot.step();
    expect(h!.store.getPosition(id)?.funding).toBe(-0.06);
    expect(lines.filter((l) => l.msg === 'position.funding').map((l) => [l['positionId'], l['funding'], l['settlements'], l['status']])).toEqual([[id, -0.06, 1, 'open']]);
    // Dated at the settlement (market time), as fills are, not when the bot read it: a replay's lines read in order.
    expect(lines.filter((l) => l.msg === 'position.funding').map((l) => l['eventTime'])).toEqual([new Date(Math.floor((t0 + 10 * MIN) / MIN) * MIN).toISOString()]);
    // The stop (58,800) closes it: its funding stays, and its PnL counts it.
    h!.sim.admin.setPrice('BTCUSDT', 58000, true);
    for (let i = 0; i < 5 && h!.store.getPosition(id)?.status !== 'closed'; i++) await bot.step();
    const closed = h!.store.getPosition(id)!;
    expect(closed.status).toBe('closed');
    expect(closed.funding).toBe(-0.06);
    const exits = closed.partialExits.reduce((s, e) => s + e.pnl, 0);
    // The history (dashboard, `ladder history`, its CSV) shows it beside the trade's PnL.
    const rec = h!.store.tradeHistory().find((r) => r.positionId === id)!;
    expect(rec.funding).toBe(-0.06);
    expect(rec.pnl).toBe(exits - 0.06);
    const [head, row] = tradesCsv([rec]).split('\n');
    expect(row!.split(',')[head!.split(',').indexOf('trade_funding')]).toBe('-0.06');
    expect(lines.some((l) => l.msg === 'funding.read_failed')).toBe(false);
    expect(totalPnl(closed)).toBe(exits - 0.06);
    // The dashboard's History shows it in the trade's PnL per level.
    expect(profitPerLevel(tradeView(closed))).toContain('FUNDING −0.06');
  }, 20_000);

  it('a settlement after the last hourly read is booked by the read made once the position closes; one before the entry is not its own', async () => {
    const { bot } = await longAt60000();
    const t = bot.traders[0]!;
    const id = t.position!.id;
    const t0 = simNow(h!);
    h!.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: -0.0002 }] });
    h!.sim.admin.step({ points: 1 }); // charged: the long receives 0.01 × 60,000 × 0.0002 = 0.12
    // Closed within the entry's hour (no hourly read yet): the read after the close books it.
    h!.sim.admin.setPrice('BTCUSDT', 58000, true);
    for (let i = 0; i < 5 && h!.store.getPosition(id)?.status !== 'closed'; i++) await bot.step();
    expect(h!.store.getPosition(id)?.status).toBe('closed');
    expect(h!.store.getPosition(id)?.funding).toBe(0.12);
    // A new long after it: the settlement before its entry is not its own.
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 2), reason: 'test' });
    const next = t.position!;
    expect(next.id).not.toBe(id);
    h!.sim.admin.step({ candles: 2 });
    h!.sim.admin.setPrice('BTCUSDT', 58000, true);
    await bot.step();
    expect(t.position?.id).toBe(next.id);
    expect(t.position?.funding).toBeUndefined();
  }, 20_000);

  it('a restart between a close and its last read: the restarted bot makes that read, and the settlement is booked (before: never)', async () => {
    const config = testConfig();
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    // Reads spaced by 10 minutes of wall time: the read owed after the close is not made before the restart.
    const first = new TradingBot({ config, exchange: h.ex, store: h.store, log: silentLogger(), fundingReadGapMs: 600_000, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    h.bot = first;
    await first.start();
    const t = first.traders[0]!;
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
    const id = t.position!.id;
    const t0 = simNow(h);
    h.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: 0.0001 }] });
    h.sim.admin.step({ points: 1 }); // the long pays 0.06
    h.sim.admin.setPrice('BTCUSDT', 58000, true); // the stop closes it, inside the entry's hour
    for (let i = 0; i < 5 && h.store.getPosition(id)?.status !== 'closed'; i++) await first.step();
    expect(h.store.getPosition(id)?.status).toBe('closed');
    expect(h.store.getPosition(id)?.funding).toBeUndefined();
    first.stop();
    const again = new TradingBot({ config, exchange: h.ex, store: h.store, log: silentLogger(), fundingReadGapMs: 0, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    h.bot = again;
    await again.start();
    await again.step();
    expect(h.store.getPosition(id)?.funding).toBe(-0.06);
    expect(h.store.tradeHistory().find((r) => r.positionId === id)?.funding).toBe(-0.06);
  }, 20_000);

  it('quantity added by hand to the position: the settlement charges both in one record, the position books its own share (before: the whole record)', async () => {
    const { bot } = await longAt60000();
    const t = bot.traders[0]!;
    const id = t.position!.id;
    // 0.09 bought by hand: the exchange holds 0.1, Ladder's position 0.01.
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 90 as never, reduceOnly: false, clientOrderId: 'web_hand_add' });
    const t0 = simNow(h!);
    h!.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: 0.0001 }] });
    h!.sim.admin.step({ points: 1 });
    expect((await h!.ex.funding('BTCUSDT', t0)).map((f) => f.amount)).toEqual([-0.6]); // 0.1 × 60,000 × 0.0001
    h!.sim.admin.step({ candles: 2 });
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await bot.step();
    expect(t.position?.id).toBe(id);
    expect(t.position?.originalSteps).toBe(10);
    expect(t.position?.funding).toBeCloseTo(-0.06, 12);
  }, 20_000);

  it('quantity added by hand, the rate history dating a settlement a few ms apart from its income record (Binance: fundingTime 1791273600001): the position still books its own share (before: the whole record)', async () => {
    // Binance's rate record is dated a few ms off its income record: here 3 ms before it.
    const apart = (ex: ExchangePort): ExchangePort =>
      new Proxy(ex, {
        get: (t, k, r) => (k === 'fundingRates' ? async (sym: string, since: number) => (await t.fundingRates!(sym, since + 3)).map((x) => ({ ...x, timeMs: x.timeMs - 3 })) : (Reflect.get(t, k, r) as unknown)),
      });
    const { bot } = await longAt60000(apart);
    const t = bot.traders[0]!;
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 90 as never, reduceOnly: false, clientOrderId: 'web_hand_add' });
    settledTwoHoursAgo();
    await bot.step();
    expect(t.position?.funding).toBeCloseTo(-0.06, 12);
  }, 20_000);

  it('a read that finds no settlement after the one booked asks nothing of the rate history (before: the booked one, read again from the cursor, made it ask at every read)', async () => {
    const { bot } = await longAt60000();
    const t = bot.traders[0]!;
    settledTwoHoursAgo();
    await bot.step();
    expect(t.position?.funding).toBe(-0.06);
    const count = (path: string) => h!.sim.admin.requests().filter((q) => q.path === path).length;
    const [income, rates] = [count('/fapi/v1/income'), count('/fapi/v1/fundingRate')];
    // The next hour's read: no new settlement.
    h!.sim.admin.step({ candles: 1 });
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await bot.step();
    expect(count('/fapi/v1/income')).toBe(income + 1);
    expect(count('/fapi/v1/fundingRate')).toBe(rates);
    expect(t.position?.funding).toBe(-0.06);
  }, 20_000);

  it('more settlements than a page (1,000): the income and the rate history are read page after page, each settlement once', async () => {
    await longAt60000();
    const t0 = simNow(h!);
    // 1,001 settlements half a second apart, all inside the walk's first step.
    const rates = Array.from({ length: 1001 }, (_, k) => ({ timeMs: t0 + (k + 1) * 500, rate: 0.0001 }));
    h!.sim.admin.setFunding({ symbol: 'BTCUSDT', rates });
    h!.sim.admin.step({ points: 1 });
    const income = await h!.ex.funding('BTCUSDT', t0);
    expect(income.map((f) => f.timeMs)).toEqual(rates.map((r) => r.timeMs));
    expect(new Set(income.map((f) => f.id)).size).toBe(1001);
    expect(income.every((f) => f.amount === -0.06)).toBe(true);
    const history = await h!.ex.fundingRates!('BTCUSDT', t0);
    expect(history.map((r) => [r.timeMs, r.rate, r.markPrice])).toEqual(rates.map((r) => [r.timeMs, 0.0001, 60000]));
  }, 20_000);

  it('the income read failing: said once, the position managed as before, booked once the read answers', async () => {
    const { bot, lines } = await longAt60000();
    const t = bot.traders[0]!;
    settledTwoHoursAgo();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/income', count: 2 }] });
    await bot.step();
    await bot.step();
    expect(t.position?.status).toBe('open');
    expect(t.position?.funding).toBeUndefined();
    expect(lines.filter((l) => l.msg === 'funding.read_failed')).toHaveLength(1);
    expect(h!.state().openAlgoOrders).toHaveLength(1); // its stop still rests
    await bot.step();
    expect(t.position?.funding).toBe(-0.06);
  }, 20_000);

  it('the income read refused outright (-2015: the key may not read the account): one alert, asked again an hour later, not at every read gap; booked once it answers (before: a warning, re-asked every minute for ever)', async () => {
    const { bot, t, lines, alerts, clock, hs } = await longOnClock();
    settledTwoHoursAgo();
    hs.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 401, code: -2015, method: 'GET', path: '/fapi/v1/income' }] });
    const reads = () => h!.sim.admin.requests().filter((q) => q.path === '/fapi/v1/income').length;
    await bot.step();
    expect(reads()).toBe(1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/BTCUSDT: the exchange refuses the funding .*-2015|BTCUSDT: the exchange refuses the funding .*permissions/);
    // A key problem (-2015 is 'auth'): what to check on the key.
    expect(alerts[0]).toContain('Enable Reading');
    expect(lines.filter((l) => l.msg === 'funding.read_refused').map((l) => l['positionId'])).toEqual([t.position!.id]);
    // Two and thirty minutes on (read gap 1 min): not asked again, no second alert.
    for (const gap of [2 * MIN, 28 * MIN]) {
      clock.ms += gap;
      await bot.step();
    }
    expect(reads()).toBe(1);
    expect(alerts).toHaveLength(1);
    expect(t.position?.status).toBe('open');
    expect(hs.state().openAlgoOrders).toHaveLength(1); // its stop still rests
    // The permission given: an hour after the refusal the read answers and the settlement is booked.
    hs.sim.admin.clearFaults();
    clock.ms += 31 * MIN;
    await bot.step();
    expect(reads()).toBe(2);
    expect(t.position?.funding).toBe(-0.06);
    expect(lines.filter((l) => l.msg === 'funding.read_answers')).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'funding.read_failed')).toBe(false);
  }, 20_000);

  it('a read refused again after it answered is alerted again (before: the first alert\'s key was kept, so a second refusal was neither alerted nor logged)', async () => {
    const { bot, t, lines, alerts, clock, hs } = await longOnClock();
    settledTwoHoursAgo();
    const refuse = () => h!.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 401, code: -2015, method: 'GET', path: '/fapi/v1/income' }] });
    const reads = () => h!.sim.admin.requests().filter((q) => q.path === '/fapi/v1/income').length;
    refuse();
    await bot.step();
    expect(alerts).toHaveLength(1);
    hs.sim.admin.clearFaults();
    clock.ms += 61 * MIN;
    await bot.step();
    expect(t.position?.funding).toBe(-0.06);
    // The permission taken away again (a new key): the next hour's read is refused, and said again.
    refuse();
    hs.sim.admin.step({ candles: 1 });
    hs.sim.admin.setPrice('BTCUSDT', 60000, true);
    clock.ms += 2 * MIN;
    await bot.step();
    expect(reads()).toBe(3);
    expect(lines.filter((l) => l.msg === 'funding.read_refused')).toHaveLength(2);
    expect(alerts).toHaveLength(2);
  }, 20_000);

  it('after a refusal the next read waits an hour or the read gap, whichever is longer (before: an hour, so a 2 h gap read more often once refused)', async () => {
    const { bot, alerts, clock, hs } = await longOnClock(2 * 60 * MIN);
    settledTwoHoursAgo();
    hs.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 401, code: -2015, method: 'GET', path: '/fapi/v1/income' }] });
    const reads = () => hs.sim.admin.requests().filter((q) => q.path === '/fapi/v1/income').length;
    await bot.step();
    expect([reads(), alerts.length]).toEqual([1, 1]);
    clock.ms += 61 * MIN;
    await bot.step();
    expect(reads()).toBe(1);
    clock.ms += 60 * MIN;
    await bot.step();
    expect(reads()).toBe(2);
  }, 20_000);

  it('the public rate history refused (a 400, not a key\'s permission) is said as such: the alert names that read and does not send the user to the API key\'s permissions (before: "refuses the funding (income history) read … Enable Reading")', async () => {
    const { bot, alerts, hs } = await longOnClock();
    settledTwoHoursAgo();
    hs.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 400, code: -1100, method: 'GET', path: '/fapi/v1/fundingRate' }] });
    await bot.step();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/funding rate history/);
    expect(alerts[0]).not.toMatch(/income history|Enable Reading/);
  }, 20_000);

  it('a settlement booked and later forgotten by the exchange (Binance keeps 3 months of income) stays booked; each is added once (before: the total re-read from the entry dropped it)', async () => {
    // The exchange's income history, forgetting what is older than `forgetBefore` (the simulator keeps everything).
    let forgetBefore = -Infinity;
    const forgetful = (ex: ExchangePort): ExchangePort =>
      new Proxy(ex, {
        get: (t, k, r) => (k === 'funding' ? async (sym: string, since: number) => (await t.funding(sym, since)).filter((f) => f.timeMs >= forgetBefore) : (Reflect.get(t, k, r) as unknown)),
      });
    const { bot } = await longAt60000(forgetful);
    const t = bot.traders[0]!;
    const t0 = simNow(h!);
    h!.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: 0.0001 }, { timeMs: t0 + 130 * MIN, rate: 0.0001 }] });
    h!.sim.admin.step({ points: 1 });
    h!.sim.admin.step({ candles: 2 });
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await bot.step();
    expect(t.position?.funding).toBe(-0.06);
    // The second settlement (at the walk's price then), then the first forgotten.
    h!.sim.admin.step({ candles: 2 });
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    const income = await h!.ex.funding('BTCUSDT', t0);
    expect(income.map((f) => f.amount)).toHaveLength(2);
    forgetBefore = t0 + 60 * MIN;
    await bot.step();
    await bot.step();
    expect(t.position?.funding).toBeCloseTo(income.reduce((a, f) => a + f.amount, 0), 12);
    expect(t.position?.fundingThroughMs).toBe(income[1]!.timeMs);
  }, 20_000);

  it('a settlement posted after the read that follows the close (Binance posts a few seconds late) is booked by the one more read made later (before: lost)', async () => {
    // The income history hides the newest settlement from the first read after the close.
    let hideAfter = Infinity;
    const late = (ex: ExchangePort): ExchangePort =>
      new Proxy(ex, {
        get: (t, k, r) => (k === 'funding' ? async (sym: string, since: number) => (await t.funding(sym, since)).filter((f) => f.timeMs <= hideAfter) : (Reflect.get(t, k, r) as unknown)),
      });
    // Reads 20 ms apart: the one more read comes 200 ms after the first.
    const { bot } = await longAt60000(late, 20);
    const t = bot.traders[0]!;
    const id = t.position!.id;
    const t0 = simNow(h!);
    h!.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * MIN, rate: 0.0001 }] });
    h!.sim.admin.step({ points: 1 });
    hideAfter = t0; // not posted yet
    h!.sim.admin.setPrice('BTCUSDT', 58000, true);
    for (let i = 0; i < 5 && h!.store.getPosition(id)?.status !== 'closed'; i++) await bot.step();
    expect(h!.store.getPosition(id)?.status).toBe('closed');
    expect(h!.store.getPosition(id)?.funding).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    await bot.step();
    expect(h!.store.getPosition(id)?.funding).toBeUndefined(); // its first read, still without it
    hideAfter = Infinity; // posted
    await new Promise((r) => setTimeout(r, 250));
    await bot.step();
    expect(h!.store.getPosition(id)?.funding).toBe(-0.06);
    // No read after that one: the trade is done with.
    const reads = h!.sim.admin.requests().filter((q) => q.path === '/fapi/v1/income').length;
    await new Promise((r) => setTimeout(r, 250));
    await bot.step();
    await bot.step();
    expect(h!.sim.admin.requests().filter((q) => q.path === '/fapi/v1/income').length).toBe(reads);
  }, 20_000);

  it('a record Binance dates a second after its settlement (when it posts it), at a reversal just after the settlement: the closed long\'s, not the new short\'s (before: booked on the short)', async () => {
    const posted = (ex: ExchangePort): ExchangePort =>
      new Proxy(ex, {
        get: (t, k, r) => (k === 'funding' ? async (sym: string, since: number) => (await t.funding(sym, Math.max(0, since - 1000))).map((f) => ({ ...f, timeMs: f.timeMs + 1000 })).filter((f) => f.timeMs >= since) : (Reflect.get(t, k, r) as unknown)),
      });
    const { bot } = await longAt60000(posted);
    const t = bot.traders[0]!;
    const long = t.position!.id;
    const t0 = simNow(h!);
    // Settled half a second before the walk's next point (t0 + 20 min), where the long is reversed.
    h!.sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 20 * MIN - 500, rate: 0.0001 }] });
    h!.sim.admin.step({ points: 1 });
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await t.onSignal({ side: 'short', timeMs: Date.UTC(2026, 0, 1, 1), reason: 'test' });
    const short = t.position!;
    expect(short.side).toBe('short');
    expect(h!.store.getPosition(long)?.status).toBe('closed');
    // The record is dated 0.5 s after the short's entry.
    const [rec] = await h!.ex.funding('BTCUSDT', t0);
    expect(rec!.timeMs).toBe(t0 + 20 * MIN - 500);
    expect(rec!.timeMs + 1000).toBeGreaterThan(short.entryTimeMs);
    for (let i = 0; i < 3; i++) await bot.step();
    expect(h!.store.getPosition(long)?.funding).toBe(rec!.amount);
    expect(h!.store.getPosition(short.id)?.funding).toBeUndefined();
  }, 20_000);
});
