import { afterEach, describe, expect, it } from 'vitest';
import { watchReachability } from '../../src/bot/reachability.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { WeightBudget } from '../../src/exchange/ccxt/weight-budget.ts';
import { ExchangeError } from '../../src/exchange/errors.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';

const MIN = 60_000;

describe('exchange reachability ([operate] 5: "exchange unreachable for N minutes")', () => {
  let sim: Simulator | undefined;
  let ex: CcxtExchange | undefined;
  afterEach(async () => {
    await ex?.close();
    await sim?.close();
  });

  async function setup() {
    sim = await startSimulator({ seed: 3 });
    const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret });
    client.enableRateLimit = false;
    ex = new CcxtExchange(client);
    await ex.markets();
    let t = Date.UTC(2026, 0, 1);
    const events: string[] = [];
    const port = watchReachability(ex, {
      afterMs: 5 * MIN,
      now: () => t,
      onDown: (since, error) => events.push(`down since +${(since - Date.UTC(2026, 0, 1)) / MIN} min: ${error.slice(0, 40)}`),
      onUp: (downFor) => events.push(`up after ${downFor / MIN} min`),
    });
    return { sim, port, events, advance: (ms: number) => (t += ms) };
  }

  it('tells once when no call has been answered for the set time, and once when one is answered again', async () => {
    const { sim, port, events, advance } = await setup();
    expect(await port.price('BTCUSDT')).toBeGreaterThan(0);
    sim.admin.setFaults({ kind: 'error5xx', status: 503 }); // every request: no answer worth the name
    await expect(port.price('BTCUSDT')).rejects.toBeInstanceOf(ExchangeError);
    advance(4 * MIN);
    await expect(port.position('BTCUSDT')).rejects.toThrow();
    expect(events).toEqual([]); // 4 minutes: not yet
    advance(MIN);
    await expect(port.price('BTCUSDT')).rejects.toThrow();
    advance(3 * MIN);
    await expect(port.price('BTCUSDT')).rejects.toThrow();
    expect(events).toHaveLength(1); // once per outage, not per failed call
    expect(events[0]).toMatch(/^down since \+0 min: /);
    sim.admin.clearFaults();
    advance(MIN);
    expect(await port.price('BTCUSDT')).toBeGreaterThan(0);
    expect(await port.price('BTCUSDT')).toBeGreaterThan(0);
    expect(events).toEqual([events[0], 'up after 9 min']);
  });

  it("Binance's WAF refusing every call (HTTP 403) is no answer: told once it has lasted the set time, and its end once", async () => {
    const { sim, port, events, advance } = await setup();
    sim.admin.setFaults({ kind: 'reject', status: 403, code: -1003, msg: 'Request blocked by the WAF', retryAfterSec: 1 });
    await expect(port.price('BTCUSDT')).rejects.toMatchObject({ code: 'rateLimited' });
    advance(5 * MIN);
    await expect(port.position('BTCUSDT')).rejects.toMatchObject({ code: 'rateLimited' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^down since \+0 min: /);
    sim.admin.clearFaults();
    advance(MIN);
    expect(await port.price('BTCUSDT')).toBeGreaterThan(0);
    expect(events).toEqual([events[0], 'up after 6 min']);
  });

  it('an answer, even "no such order", ends the outage clock: two short outages say nothing', async () => {
    const { sim, port, events, advance } = await setup();
    sim.admin.setFaults({ kind: 'error5xx', status: 502 });
    await expect(port.price('BTCUSDT')).rejects.toThrow();
    advance(4 * MIN);
    sim.admin.clearFaults();
    // "No such order" (-2013) is the exchange answering.
    expect(await port.fetchOrder('BTCUSDT', 'BTCUSDT-none-tp1', 'order')).toBeNull();
    sim.admin.setFaults({ kind: 'error5xx', status: 502 });
    advance(2 * MIN);
    await expect(port.price('BTCUSDT')).rejects.toThrow();
    advance(4 * MIN); // 6 minutes since the first failure, but only 4 since the last answer
    await expect(port.price('BTCUSDT')).rejects.toThrow();
    expect(events).toEqual([]);
  });

  it('the key refused (-2015) on two signed calls in a row is told once; a public answer does not end it, the next signed answer does; no outage is told; one refusal between answered calls (a permission one endpoint lacks) says nothing', async () => {
    sim = await startSimulator({ seed: 3 });
    const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret });
    client.enableRateLimit = false;
    ex = new CcxtExchange(client);
    await ex.markets();
    const events: string[] = [];
    const port = watchReachability(ex, { afterMs: 0, onDown: () => events.push('down'), onUp: () => events.push('up'), onKeyRefused: (e) => events.push(`key refused: ${/-2015/.test(e)}`), onKeyTaken: () => events.push('key taken') });
    sim.admin.setFaults({ rules: [{ kind: 'reject', status: 401, code: -2015, path: '/fapi/v3/*' }, { kind: 'reject', status: 401, code: -2015, path: '/fapi/v1/openOrders' }] });
    await expect(port.position('BTCUSDT')).rejects.toMatchObject({ code: 'auth' });
    await expect(port.openOrders('BTCUSDT')).rejects.toMatchObject({ code: 'auth' });
    expect(await port.price('BTCUSDT')).toBeGreaterThan(0);
    expect(events).toEqual(['key refused: true']);
    sim.admin.clearFaults();
    expect((await port.position('BTCUSDT')).side).toBeNull();
    await port.position('BTCUSDT');
    expect(events.slice(1)).toEqual(['key taken']);
    // The income history refused (the key lacks "Enable Reading" there), the position answered between.
    sim.admin.setFaults({ rules: [{ kind: 'reject', status: 401, code: -2015, path: '/fapi/v1/income' }] });
    for (let i = 0; i < 3; i++) {
      await expect(port.funding('BTCUSDT', Date.now() - 3_600_000)).rejects.toMatchObject({ code: 'auth' });
      await port.position('BTCUSDT');
    }
    expect(events).toHaveLength(2);
  });

  it('an IP ban (418) is told at once and once, however many calls meet it, and its end once', async () => {
    sim = await startSimulator({ seed: 3, rateLimits: { banSec: 2 } });
    const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret });
    client.enableRateLimit = false;
    ex = new CcxtExchange(client, { budget: new WeightBudget({ maxWaitMs: 500 }) });
    await ex.markets();
    const events: string[] = [];
    const port = watchReachability(ex, { afterMs: 5 * MIN, onDown: () => events.push('down'), onUp: () => events.push('up'), onBanned: (until) => events.push(`banned ${Math.round((until - Date.now()) / 1000)} s`) });
    // Another program on this IP ignores a 429: banned for 2 s.
    sim.admin.setFaults({ rules: [{ kind: 'rateLimit', path: '/fapi/v1/time', retryAfterSec: 30, count: 1 }] });
    await fetch(`${sim.url}/fapi/v1/time`, { headers: { connection: 'close' } });
    await new Promise((r) => setTimeout(r, 1100));
    await fetch(`${sim.url}/fapi/v1/time`, { headers: { connection: 'close' } });
    // Three calls at once meet it, then more during it (refused before they leave).
    const met = await Promise.allSettled([port.price('BTCUSDT'), port.position('BTCUSDT'), port.openOrders('BTCUSDT')]);
    expect(met.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(port.price('BTCUSDT')).rejects.toMatchObject({ code: 'rateLimited', ipBanned: true });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^banned [12] s$/);
    await new Promise((r) => setTimeout(r, 2200));
    expect(await port.price('BTCUSDT')).toBeGreaterThan(0);
    await port.price('BTCUSDT');
    expect(events.slice(1)).toEqual(['up']);
  });
});

