import { CcxtExchange } from '../../../src/exchange/ccxt/ccxt-exchange.ts';
import { type BudgetOptions, WeightBudget } from '../../../src/exchange/ccxt/weight-budget.ts';
import type { RequestLogEntry } from '../../../src/sim/admin.ts';
import { ccxtForSimulator } from '../../../src/sim/ccxt-client.ts';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../../src/sim/simulator.ts';
import { asSteps } from '../../../src/core/units.ts';
import type { OrderRequest } from '../../../src/exchange/port.ts';

/** The adapter on real ccxt on the simulator (HTTP), with its own budget so tests do not share one. */
export interface SimAdapter {
  readonly sim: Simulator;
  readonly ex: CcxtExchange;
  readonly budget: WeightBudget;
  /** The simulator's log of every request it answered. */
  requests(): readonly RequestLogEntry[];
  close(): Promise<void>;
}

export async function simAdapter(simOpts: SimulatorOptions = {}, budget: BudgetOptions = {}, timeoutMs = 3000): Promise<SimAdapter> {
  const sim = await startSimulator({ seed: 5, ...simOpts });
  const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret, timeout: timeoutMs });
  // ccxt's own spacing (50 ms a weight unit) off: the budget under test is the only gate.
  client.enableRateLimit = false;
  const b = new WeightBudget(budget);
  const ex = new CcxtExchange(client, { budget: b });
  return {
    sim, ex, budget: b,
    requests: () => sim.admin.requests(),
    close: async () => {
      await ex.close();
      await sim.close();
    },
  };
}

/** A market order of `qty` steps of BTCUSDT (0.001 BTC a step). */
export const marketOrder = (clientOrderId: string, side: 'buy' | 'sell' = 'buy', steps = 2, reduceOnly = false): OrderRequest => ({
  symbol: 'BTCUSDT', side, type: 'market', amountSteps: asSteps(steps), reduceOnly, clientOrderId,
});

/** Resolves to the ExchangeError a promise rejects with (fails the test when it resolves). */
export async function failure(p: Promise<unknown>): Promise<{ code: string; exchangeCode: number | null; retryAfterMs: number | null; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; exchangeCode: number | null; retryAfterMs: number | null; message: string };
  }
  throw new Error('expected a failure, the call succeeded');
}
