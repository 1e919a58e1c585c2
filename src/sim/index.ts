/** Binance USDⓈ-M compatible exchange simulator: public surface. */
export { startSimulator, DEFAULT_API_KEY, DEFAULT_API_SECRET } from './simulator.ts';
export type { Simulator, SimulatorOptions } from './simulator.ts';
export type { SimAdmin, RequestLogEntry } from './admin.ts';
export { ccxtForSimulator } from './ccxt-client.ts';
export type { SimExchange, SimClientOptions } from './ccxt-client.ts';
export { FaultFileSchema, FaultRuleSchema } from './faults.ts';
export type { FaultFile, FaultRule } from './faults.ts';
export { sign } from './auth.ts';
