import { afterEach, describe, expect, it } from 'vitest';
import { BTC, type Harness, harness, waitFor } from './harness.ts';

type LogEntry = { path: string; status: number; faults?: string[]; clientOrderId?: string };

describe('fault injection, seen through ccxt', () => {
  let h: Harness;
  afterEach(async () => h.close());

  async function ready(opts: Parameters<typeof harness>[0] = {}): Promise<void> {
    h = await harness(opts);
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '60000');
  }

  it('answers 429 with Retry-After when the request weight per minute is used up', async () => {
    await ready({ rateLimits: { weightPerMinute: 5 } });
    let error: unknown;
    for (let i = 0; i < 12 && !error; i++) await h.ex.fetchTime().catch((e: unknown) => (error = e));
    expect(String(error)).toMatch(/429[\s\S]*-1003/);
    const retryAfter = Number((h.ex.last_response_headers ?? {})['Retry-After']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('answers 418 (banned) when the client ignores Retry-After, and serves again after the ban', async () => {
    await ready({ rateLimits: { banSec: 1 } });
    await h.admin.faults({ kind: 'rateLimit', path: '/fapi/v1/time', retryAfterSec: 5, count: 1 });
    await expect(h.ex.fetchTime()).rejects.toThrow(/429/);
    expect((h.ex.last_response_headers ?? {})['Retry-After']).toBe('5');
    await expect(h.ex.fetchTime()).rejects.toThrow(/418/);
    expect(Number((h.ex.last_response_headers ?? {})['Retry-After'])).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1100));
    await expect(h.ex.fetchTime()).resolves.toBeGreaterThan(0);
  });

  it('"accepted but response lost": the client sees a network error, exactly one order exists and fetchOrder by client id finds it (R6.3)', async () => {
    await ready();
    await h.admin.faults({ kind: 'lostResponse', method: 'POST', path: '/fapi/v1/order', count: 1 });
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'lost-entry' })).rejects.toThrow(/NetworkError|fetch failed|closed/i);
    const found = await h.ex.fetchOrder(undefined as unknown as string, BTC, { clientOrderId: 'lost-entry' });
    expect(found).toMatchObject({ clientOrderId: 'lost-entry', status: 'closed', filled: 0.002 });
    const s = await h.admin.state();
    expect(s.orders.filter((o) => o['clientOrderId'] === 'lost-entry')).toHaveLength(1);
    expect(s.fills.filter((f) => f.clientOrderId === 'lost-entry')).toHaveLength(1);
  });

  it('"accepted but response lost" on a resting order: the client times out, and a blind retry gets -4116 (F4)', async () => {
    await ready();
    const impatient = h.client({ timeout: 500 });
    await impatient.loadMarkets();
    await h.admin.faults({ kind: 'lostResponse', mode: 'hang', method: 'POST', path: '/fapi/v1/order', count: 1 });
    await expect(impatient.createOrder(BTC, 'limit', 'buy', 0.002, 59000, { clientOrderId: 'lost-limit' })).rejects.toThrow(/timed out/i);
    await expect(impatient.createOrder(BTC, 'limit', 'buy', 0.002, 59000, { clientOrderId: 'lost-limit' })).rejects.toThrow(/-4116/);
    const found = await impatient.fetchOrder(undefined as unknown as string, BTC, { clientOrderId: 'lost-limit' });
    expect(found.status).toBe('open');
    expect((await h.admin.state()).orders.filter((o) => o['clientOrderId'] === 'lost-limit')).toHaveLength(1);
  });

  it('partialFill: a market order fills only its share and the rest expires, as when the book runs out', async () => {
    await ready();
    await h.admin.faults({ kind: 'partialFill', ratio: 0.4, method: 'POST', path: '/fapi/v1/order', count: 1 });
    const o = await h.ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'thin-1' });
    expect(o).toMatchObject({ status: 'expired', filled: 0.004, amount: 0.01 });
    const next = await h.ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'thin-2' });
    expect(next).toMatchObject({ status: 'closed', filled: 0.01 });
    const s = await h.admin.state();
    expect(s.fills.filter((f) => f.clientOrderId === 'thin-1').map((f) => f.qty)).toEqual(['0.004']);
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.014');
  });

  it('partialFill on: "trigger": a triggered stop fills only its share; the rest of the position stays, with no stop', async () => {
    await ready();
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'pt-entry' });
    await h.ex.createOrder(BTC, 'market', 'sell', undefined as unknown as number, undefined, { stopLossPrice: 59000, closePosition: true, clientOrderId: 'pt-sl' });
    await h.admin.faults({ kind: 'partialFill', on: 'trigger', ratio: 0.3, count: 1 });
    await h.admin.setPrice('BTCUSDT', '58500');
    const s = await h.admin.state();
    expect(s.fills.filter((f) => f.clientOrderId === 'pt-sl').map((f) => f.qty)).toEqual(['0.003']);
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.007');
    expect(s.openAlgoOrders).toEqual([]);
    // A request-side partialFill rule does not touch triggers, and a trigger rule does not touch requests.
    const o = await h.ex.createOrder(BTC, 'market', 'sell', 0.007, undefined, { reduceOnly: true, clientOrderId: 'pt-close' });
    expect(o).toMatchObject({ status: 'closed', filled: 0.007 });
  });

  it('stuckTrigger: a triggered stop stays TRIGGERING (read open by ccxt, its order not placed) while the rule is listed; cleared, the next price match places it', async () => {
    await ready();
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'st-entry' });
    await h.ex.createOrder(BTC, 'market', 'sell', undefined as unknown as number, undefined, { stopLossPrice: 59000, closePosition: true, clientOrderId: 'st-sl' });
    await h.admin.faults({ kind: 'stuckTrigger', count: 1 });
    await h.admin.setPrice('BTCUSDT', '58500');
    await h.admin.setPrice('BTCUSDT', '58400');
    const stuck = await h.ex.fetchOrder(undefined as unknown as string, BTC, { clientOrderId: 'st-sl', stop: true });
    expect([stuck.status, (stuck.info as Record<string, unknown>)['algoStatus'], stuck.filled]).toEqual(['open', 'TRIGGERING', 0]);
    let s = await h.admin.state();
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.01');
    await h.admin.call('DELETE', 'faults');
    await h.admin.setPrice('BTCUSDT', '58300');
    s = await h.admin.state();
    expect(s.fills.filter((f) => f.clientOrderId === 'st-sl').map((f) => [f.qty, f.price])).toEqual([['0.01', '58300']]);
  });

  it('stuckTrigger: a stop stuck in TRIGGERING cannot be cancelled (DELETE /fapi/v1/algoOrder answers -2011 "Unknown order sent.", as Binance did), stays TRIGGERING and listed; a cancel-all passes over it and cancels the others', async () => {
    await ready();
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'sc-entry' });
    await h.ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { stopLossPrice: 59000, reduceOnly: true, clientOrderId: 'sc-sl' });
    await h.ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { stopLossPrice: 57000, reduceOnly: true, clientOrderId: 'sc-sl-low' });
    await h.admin.faults({ kind: 'stuckTrigger' });
    await h.admin.setPrice('BTCUSDT', '58500');
    await expect(h.ex.cancelOrder(undefined as unknown as string, BTC, { clientOrderId: 'sc-sl', trigger: true })).rejects.toThrow(/-2011.*Unknown order sent/);
    const stuck = await h.ex.fetchOrder(undefined as unknown as string, BTC, { clientOrderId: 'sc-sl', stop: true });
    expect([stuck.status, (stuck.info as Record<string, unknown>)['algoStatus']]).toEqual(['open', 'TRIGGERING']);
    await h.ex.cancelAllOrders(BTC, { trigger: true });
    const open = await h.ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true });
    expect(open.map((o) => [o.clientOrderId, (o.info as Record<string, unknown>)['algoStatus']])).toEqual([['sc-sl', 'TRIGGERING']]);
    expect((await h.admin.state()).positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.01');
  });

  it('partialFill on: "rest": a resting limit the price reaches fills only its share and the rest keeps resting; its cancel answers CANCELED with what filled', async () => {
    await ready();
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01, undefined, { clientOrderId: 'pr-entry' });
    await h.ex.createOrder(BTC, 'limit', 'sell', 0.003, 60600, { reduceOnly: true, clientOrderId: 'pr-tp1' });
    await h.admin.faults({ kind: 'partialFill', on: 'rest', ratio: 0.34, count: 1 });
    await h.admin.setPrice('BTCUSDT', '60700', true);
    const s = await h.admin.state();
    expect(s.fills.filter((f) => f.clientOrderId === 'pr-tp1').map((f) => f.qty)).toEqual(['0.001']);
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.009');
    const resting = await h.ex.fetchOrder(undefined as unknown as string, BTC, { clientOrderId: 'pr-tp1' });
    expect(resting).toMatchObject({ status: 'open', filled: 0.001, remaining: 0.002 });
    const canceled = await h.ex.cancelOrder(undefined as unknown as string, BTC, { clientOrderId: 'pr-tp1' });
    expect(canceled).toMatchObject({ status: 'canceled', filled: 0.001 });
  });

  it('drops a connection before handling: no order is created', async () => {
    await ready();
    await h.admin.faults({ kind: 'drop', method: 'POST', path: '/fapi/v1/order', count: 1 });
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'dropped' })).rejects.toThrow();
    expect((await h.admin.state()).orders).toHaveLength(0);
  });

  it('answers 5xx without handling, or after handling when `processed` (outcome unknown to the client)', async () => {
    await ready();
    await h.admin.faults([
      { kind: 'error5xx', status: 503, method: 'POST', path: '/fapi/v1/order', count: 1 },
      { kind: 'error5xx', status: 502, processed: true, method: 'POST', path: '/fapi/v1/order', after: 1, count: 1 },
    ]);
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'e503' })).rejects.toThrow(/-1008|503/);
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'e502' })).rejects.toThrow(/502|Bad Gateway/);
    const ids = (await h.admin.state()).orders.map((o) => o['clientOrderId']);
    expect(ids).toEqual(['e502']);
  });

  it('badBody: handles the request, then answers 200 with a body that is not its answer (an HTML page by default, or the given text)', async () => {
    await ready();
    await h.admin.faults([
      { kind: 'badBody', method: 'POST', path: '/fapi/v1/order', count: 1 },
      { kind: 'badBody', body: '{}', method: 'GET', path: '/fapi/v3/positionRisk', count: 1 },
    ]);
    // ccxt hands a 200 body it cannot parse on as the answer, and fails reading an order in it.
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'bb1' })).rejects.toThrow(/<html>/);
    expect((await h.admin.state()).orders.map((x) => x['clientOrderId'])).toEqual(['bb1']); // handled
    expect(await h.ex.fetchPositions([BTC])).toEqual([]); // '{}' read as no position at all
    expect((await h.ex.fetchPositions([BTC])).map((p) => p.contracts)).toEqual([0.002]); // spent: the real answer
    const log = await h.admin.call<LogEntry[]>('GET', 'requests');
    expect(log.filter((r) => r.faults?.includes('badBody')).map((r) => [r.path, r.status])).toEqual([['/fapi/v1/order', 200], ['/fapi/v3/positionRisk', 200]]);
  });

  it('refuses a request outright with a Binance code (reject): a 4xx ccxt maps by its code, nothing created', async () => {
    await ready();
    await h.admin.faults([
      { kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 },
      { kind: 'reject', code: -1013, status: 400, msg: 'Filter failure: PRICE_FILTER', method: 'POST', path: '/fapi/v1/order', after: 1, count: 1 },
    ]);
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'r1' })).rejects.toThrow(/-4131.*PERCENT_PRICE/);
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'r2' })).rejects.toThrow(/-1013.*PRICE_FILTER/);
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'r3' });
    expect((await h.admin.state()).orders.map((o) => o['clientOrderId'])).toEqual(['r3']);
    const log = await h.admin.call<LogEntry[]>('GET', 'requests');
    expect(log.filter((e) => e.path === '/fapi/v1/order').map((e) => [e.clientOrderId, e.status, e.faults])).toEqual([
      ['r1', 400, ['reject']],
      ['r2', 400, ['reject']],
      ['r3', 200, []],
    ]);
  });

  it('adds latency to matching requests', async () => {
    await ready();
    await h.admin.faults({ kind: 'latency', ms: 300, path: '/fapi/v1/ticker/*', count: 1 });
    const t0 = Date.now();
    await h.ex.fetchTicker(BTC);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('draws probabilistic faults from the seed: the same seed and requests give the same faults', async () => {
    const pattern = async (seed: number): Promise<boolean[]> => {
      await ready({ faults: { seed, rules: [{ kind: 'latency', ms: 1, path: '/fapi/v1/time', probability: 0.5 }] } });
      for (let i = 0; i < 16; i++) await h.ex.fetchTime();
      const log = await h.admin.call<LogEntry[]>('GET', 'requests');
      await h.close();
      return log.filter((r) => r.path === '/fapi/v1/time').map((r) => (r.faults ?? []).length > 0);
    };
    const a = await pattern(11);
    const b = await pattern(11);
    expect(b).toEqual(a);
    expect(a.some(Boolean) && !a.every(Boolean)).toBe(true);
    h = await harness(); // for afterEach
  });

  it('drops websocket connections after a number of messages (wsDisconnect)', async () => {
    await ready();
    await h.admin.faults({ kind: 'wsDisconnect', target: 'market', after: 2, count: 1 });
    const ticks: number[] = [];
    const watching = (async () => {
      for (;;) ticks.push((await h.ex.watchTicker(BTC)).last ?? 0);
    })().catch((e: unknown) => e);
    await waitFor(async () => (await h.admin.state()).websockets.market === 1);
    for (const p of ['60001', '60002', '60003', '60004']) await h.admin.setPrice('BTCUSDT', p);
    expect(String(await watching)).toMatch(/closed|1006/);
    expect(ticks).toEqual([60001, 60002]);
  });

  it('POST /_sim/faults refuses a rule or a fault file with a key its kind does not have (a misspelt probabilty fired on every request), naming each, and adds nothing', async () => {
    await ready();
    await expect(h.admin.faults({ kind: 'error5xx', path: '/fapi/v1/order', probabilty: 0.1 })).rejects.toThrow('400 {"error":"rules[0].probabilty: unknown key"}');
    await expect(h.admin.faults([{ kind: 'latency', ms: 5 }, { kind: 'drop', mode: 'reset', status: 500 }])).rejects.toThrow('400 {"error":"rules[1].status: unknown key"}');
    await expect(h.admin.call('POST', 'faults', { rule: [{ kind: 'drop' }], seed: 3 })).rejects.toThrow('400 {"error":"rule: unknown key"}');
    await expect(h.admin.faults({ kind: 'latency', ms: -1 })).rejects.toThrow(/400 \{"error":"rules\[0\]\.ms: [^"]+"\}/);
    expect((await h.admin.call<{ rules: unknown[] }>('GET', 'faults')).rules).toEqual([]);
    // Good rules are still taken, one or several, and a whole fault file replaces them.
    expect((await h.admin.call<{ rules: unknown[] }>('POST', 'faults', { kind: 'latency', ms: 1, count: 1 })).rules).toHaveLength(1);
    expect((await h.admin.call<{ rules: unknown[] }>('POST', 'faults', { seed: 4, rules: [{ kind: 'drop', count: 1 }] })).rules).toEqual([{ kind: 'drop', count: 1, seen: 0, fired: 0 }]);
  });
});
