import { describe, expect, it } from 'vitest';
import { ccxtForSimulator } from '../../src/sim/index.ts';

function urlsIn(section: unknown): string[] {
  if (typeof section === 'string') return [section];
  if (!section || typeof section !== 'object') return [];
  return Object.values(section).flatMap(urlsIn);
}

describe('ccxtForSimulator', () => {
  it('points every REST and websocket endpoint of binanceusdm (live, testnet, demo) at the simulator', async () => {
    const ex = ccxtForSimulator('http://127.0.0.1:18999', { apiKey: 'k', secret: 's' });
    const urls = ex.urls as Record<string, unknown>;
    const all = ['api', 'test', 'demo'].flatMap((k) => urlsIn(urls[k]));
    expect(all.length).toBeGreaterThan(20);
    for (const u of all) expect(u).toMatch(/^(http|ws):\/\/127\.0\.0\.1:18999(\/|$)/);
    expect((urls['api'] as { ws: { future: string } }).ws.future).toBe('ws://127.0.0.1:18999/ws');
    expect(ex.has['fetchCurrencies']).toBe(false);
    await ex.close();
  });
});
