import { describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../../src/exchange/ccxt/ccxt-exchange.ts';
import { ccxtForSimulator } from '../../../src/sim/ccxt-client.ts';
import { startSimulator } from '../../../src/sim/simulator.ts';
import { PaperExchange } from '../../../src/exchange/paper/paper-exchange.ts';
import { FixedPriceSource } from './fixed-price-source.ts';
import { type PortUnderTest, describePortContract } from './port-contract.ts';

/** The ccxt adapter on the real simulator over HTTP (as the bot runs live against the simulator). */
async function ccxtOnSimulator(): Promise<PortUnderTest> {
  const sim = await startSimulator({ seed: 11 });
  sim.admin.setPrice('BTCUSDT', 60_000, true);
  const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret });
  client.enableRateLimit = false;
  const port = new CcxtExchange(client);
  return {
    port,
    movePrice: async (p) => void sim.admin.setPrice('BTCUSDT', p, true),
    setFillRatio: async (ratio) => {
      sim.admin.clearFaults();
      if (ratio !== undefined) {
        sim.admin.setFaults({ rules: [
          { kind: 'partialFill', ratio, method: 'POST', path: '/fapi/v1/order' },
          { kind: 'partialFill', on: 'trigger', ratio },
        ] });
      }
    },
    close: async () => {
      await port.close();
      await sim.close();
    },
  };
}

describePortContract('ccxt adapter on the simulator', ccxtOnSimulator);

describe('the ccxt adapter asked for some markets', () => {
  it('turns only those into rules (the bot\'s start: its symbols, not every market of the exchange), and the rest on a full read', async () => {
    const t = await ccxtOnSimulator();
    try {
      const some = await t.port.markets(['BTC/USDT:USDT', 'ETHUSDT']);
      expect([...some.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
      expect((await t.port.markets()).size).toBeGreaterThan(100);
    } finally {
      await t.close();
    }
  });
});

/** Paper mode on an in-process price source (unit speed; the same rules as the simulator's). */
async function paperOnFixedPrices(): Promise<PortUnderTest> {
  const source = new FixedPriceSource({ BTCUSDT: 60_000 });
  let ratio: number | undefined;
  let clock = Date.UTC(2026, 0, 1);
  const port = new PaperExchange({
    source, fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: null,
    now: () => (clock += 1000), fillRatio: () => ratio,
  });
  return {
    port,
    movePrice: async (p) => source.setPrice('BTCUSDT', p),
    setFillRatio: async (r) => {
      ratio = r;
    },
    close: () => port.close(),
  };
}

describePortContract('paper mode on a fixed-price source', paperOnFixedPrices);

/** Paper mode as the CLI runs it: public data (no keys) from the simulator through the ccxt adapter. */
async function paperOnSimulatorPrices(): Promise<PortUnderTest> {
  const sim = await startSimulator({ seed: 12 });
  sim.admin.setPrice('BTCUSDT', 60_000, true);
  const client = ccxtForSimulator(sim.url);
  client.enableRateLimit = false;
  let ratio: number | undefined;
  const port = new PaperExchange({
    source: new CcxtExchange(client), fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: null,
    now: Date.now, fillRatio: () => ratio,
  });
  return {
    port,
    movePrice: async (p) => void sim.admin.setPrice('BTCUSDT', p, true),
    setFillRatio: async (r) => {
      ratio = r;
    },
    close: async () => {
      await port.close();
      await sim.close();
    },
  };
}

describePortContract('paper mode on the simulator\'s public prices', paperOnSimulatorPrices);
