export { type LiveStrategy, type Signal, type Strategy, entryAtOf } from './strategy.ts';
export { EmaCrossStrategy, DEFAULT_ATR_PERIOD, type EmaCrossParams } from './ema-cross.ts';
export {
  type FileSignal,
  type SignalField,
  type SignalPlacement,
  type SignalPlan,
  SignalFileError,
  loadSignalsFile,
  mapSignalsToCandles,
  parseSignalsCsv,
  toExchangeSymbol,
} from './signals-file.ts';
export { SignalsStrategy } from './signals-strategy.ts';
export { createStrategy, loadStrategy, type CreateStrategyOptions, type StrategyConfig } from './create-strategy.ts';
export { loadStrategyModule, type ModuleConfig } from './module-loader.ts';
export { ModuleStrategy, type LoadedModule } from './module-strategy.ts';
export { ModuleThread, ThreadedModuleStrategy } from './module-thread.ts';
export { StrategyModuleError } from './module-error.ts';
export type { CandleStrategy, EntrySignal, StrategyModule } from './api.ts';
