import type { ReportSource } from '../web/report-html.ts';
import type { BacktestArgs, LoadedBacktest } from './backtest-inputs.ts';
import { splitList } from './cli-error.ts';

/** The report header's facts common to `backtest` and `compare`: the config (hashed) and the files read. */
export function reportSource(input: LoadedBacktest, a: BacktestArgs): Omit<ReportSource, 'title' | 'subtitle'> {
  return {
    strategy: input.strategyName,
    config: input.config,
    configFile: a.config,
    dataFiles: splitList(a.data),
    detailFiles: splitList(a.detail),
    fundingFiles: splitList(a.funding),
    markFiles: splitList(a.mark),
    generatedAtMs: Date.now(),
  };
}
