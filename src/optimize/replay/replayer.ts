import type { BacktestOptions, BacktestRun } from '../../backtest/engine.ts';
import { LadderPlanner } from '../../core/scaled-tp/ladder-plan.ts';
import type { ExitSettings } from '../../core/scaled-tp/settings.ts';
import { type Dataset, fundingInsideDetail } from '../dataset.ts';
import { EntryCache } from './entry-cache.ts';
import { FirstExitMemo, TargetPrices } from './first-exit-memo.ts';
import type { RunFigures } from '../metrics.ts';
import { PositionMemo } from './position-memo.ts';
import { runWindow, windowFigures } from './run-window.ts';
import { type FirstExits, type ReplayOptions, SymbolReplay } from './symbol-replay.ts';
import { type SymbolPrep, type WindowIndex, indexWindow, prepareSymbol } from './window-index.ts';

/**
 * The per-entry replay of one dataset, kept by a worker for the whole study: the symbols' bands,
 * signal indices and entry sizes, and each window's time line, are built once; each candidate then
 * replays only its positions (symbol-replay.ts) in the engine's shared order (run-window.ts).
 */
export class Replayer {
  private readonly preps: readonly SymbolPrep[];
  private readonly caches: ReadonlyMap<SymbolPrep, EntryCache>;
  private readonly windows = new Map<string, WindowIndex>();
  private readonly replays: SymbolReplay[] = [];
  private readonly path = new Float64Array(4);
  private planners: { settings: ExitSettings; list: Map<SymbolPrep, LadderPlanner>; firstExits: Map<SymbolPrep, FirstExits | null> | null } | null = null;
  /** Per symbol, the current candidate's positions kept across windows (figures only); none when sizes follow the equity. */
  private readonly memos: ReadonlyMap<SymbolPrep, PositionMemo> | null;
  /** Per symbol, trades closed before any target and the targets planned, shared by every candidate (figures only; same condition). */
  private readonly shared: ReadonlyMap<SymbolPrep, { memo: FirstExitMemo; targets: TargetPrices }> | null;
  private readonly options: Omit<BacktestOptions, 'settings'>;
  /** A symbol pays funding inside its --detail candles (charged at the detail candle opening at it): not replayed, run in full. */
  private readonly unreplayable: boolean;

  /** `options`: the run's backtest options without the exit settings (`sizingBalance` included). */
  constructor(ds: Dataset, options: Omit<BacktestOptions, 'settings'>) {
    this.options = options;
    this.unreplayable = fundingInsideDetail(ds);
    this.preps = ds.symbols.map(prepareSymbol);
    this.caches = new Map(this.preps.map((p) => [p, new EntryCache(p.sym.candles.open, p.signalAt, p.sym.market, options)]));
    const varies = options.positionSize.mode === 'risk_pct' && options.sizingBalance !== 'starting';
    this.memos = varies ? null : new Map(this.preps.map((p) => [p, new PositionMemo(p.sym.candles.length)]));
    this.shared = varies ? null : new Map(this.preps.map((p) => [p, { memo: new FirstExitMemo(p.signalAt.length), targets: new TargetPrices(p.signalAt.length) }]));
  }

  /** Positions read back from an earlier window instead of replayed, so far. */
  get recalled(): number {
    let n = 0;
    for (const m of this.memos?.values() ?? []) n += m.hits;
    return n;
  }

  /** Trades read back from another candidate's (first-exit-memo.ts) instead of replayed, so far. */
  get firstExitsRecalled(): number {
    let n = 0;
    for (const x of this.shared?.values() ?? []) n += x.memo.hits;
    return n;
  }

  /** What `runBacktest(windowInputs(ds, fromMs, toMs), { ...options, settings })` returns, or null when only the engine can say. */
  run(settings: ExitSettings, fromMs: number, toMs: number): BacktestRun | null {
    if (this.unreplayable) return null;
    const ix = this.start(settings, fromMs, toMs, true, false);
    return runWindow(ix, this.replays.slice(0, ix.symbols.length), this.options.startingBalance);
  }

  /**
   * `figuresOfRun` of that run, without keeping its trades (each trade's PnL and R multiple are read
   * when it closes): what the optimizer scores, at a fraction of the garbage collector's work.
   * Positions kept by earlier windows of the same settings are read back; `remember`: keep this
   * window's for the windows that follow (false for a candidate's last window).
   */
  figures(settings: ExitSettings, fromMs: number, toMs: number, remember = true): RunFigures | null {
    if (this.unreplayable) return null;
    const ix = this.start(settings, fromMs, toMs, false, remember);
    return windowFigures(ix, this.replays.slice(0, ix.symbols.length), this.options.startingBalance);
  }

  private start(settings: ExitSettings, fromMs: number, toMs: number, keep: boolean, remember: boolean): WindowIndex {
    const id = `${fromMs},${toMs}`;
    let ix = this.windows.get(id);
    if (ix === undefined) this.windows.set(id, (ix = indexWindow(this.preps, fromMs, toMs)));
    if (this.planners?.settings !== settings) {
      const shared = this.shared;
      this.planners = {
        settings,
        list: new Map(this.preps.map((p) => [p, new LadderPlanner(p.sym.market, settings)])),
        firstExits: shared === null ? null : new Map(this.preps.map((p) => [p, firstExitsOf(settings, shared.get(p)!)])),
      };
      for (const m of this.memos?.values() ?? []) m.reset();
    }
    const o: ReplayOptions = { ...this.options, settings };
    for (let q = 0; q < ix.symbols.length; q++) {
      const ws = ix.symbols[q]!;
      (this.replays[q] ??= new SymbolReplay()).start(ws, this.planners.list.get(ws.prep)!, this.caches.get(ws.prep)!, o, this.path, keep, this.memos?.get(ws.prep) ?? null, remember, this.planners.firstExits?.get(ws.prep) ?? null);
    }
    return ix;
  }
}

/**
 * One candidate's view of a symbol's shared trades: the memo's index of its stop and execution and the
 * target columns of its percentages (see FirstExits); null when the memo keeps no more of them (its
 * caps: the candidate then replays every trade of the symbol, as without the memo).
 */
function firstExitsOf(settings: ExitSettings, x: { memo: FirstExitMemo; targets: TargetPrices }): FirstExits | null {
  const pcts = settings.scaled ? settings.levels.map((l) => l.profitPct) : [];
  // LadderPlanner: the single take-profit when scaled TP is off, or as the fallback of a ladder of two or more levels.
  if (!settings.scaled || (settings.fallbackToSingle && settings.levels.length > 1)) pcts.push(settings.takeProfitPct);
  const levels = settings.levels.map((l) => x.targets.column(l.profitPct));
  const single = x.targets.column(settings.takeProfitPct);
  const nearest = x.targets.column(Math.min(...pcts));
  const farthest = x.targets.column(Math.max(...pcts));
  const index = x.memo.index(settings.stopLossPct, settings.execution === 'limit');
  if (index === null || single === null || nearest === null || farthest === null || levels.some((c) => c === null)) return null;
  return { memo: x.memo, index, levels: levels as Float64Array[], single, nearest, farthest };
}
