import type { BacktestRun, FundingTotals, SkippedSignal } from '../../backtest/engine.ts';
import { levelStats } from '../../core/analytics/level-stats.ts';
import { summarizePnls, summarizeRun } from '../../core/analytics/run-summary.ts';
import type { Position } from '../../core/model/position.ts';
import type { RunFigures } from '../metrics.ts';
import type { SharedState, SymbolReplay } from './symbol-replay.ts';
import { EV_CLOSE, EV_FUNDING, EV_PNL } from './trace.ts';
import type { WindowIndex } from './window-index.ts';

/** What the shared loop produced: the equity curve, and the trades (kept) or their PnL and R multiples. */
interface Loop {
  readonly equity: Float64Array;
  readonly trades: Position[];
  readonly skipped: SkippedSignal[];
  readonly pnls: number[];
  readonly rs: number[];
  /** The funding charged, summed in the engine's order, and how many settlements; null when no symbol models it. */
  readonly funding: FundingTotals | null;
}

/**
 * The engine's shared loop over the symbols' replays (`runBacktest` on the window's candles): steps
 * taken in the order of (time-line point, phase, symbol rank), the running realised PnL summed in that
 * order and each symbol's held margin as its last step left it (so every double is the engine's), each entry decided on that state
 * (slots, margin, sizing), and the equity at each point as S + realised plus each open position's
 * mark in symbol order. `replays[q]` must have been started on `ix.symbols[q]`, all with the same
 * `keep`. Null when a replay cannot stand for the engine (a position left open by an `end` close).
 */
function sharedLoop(ix: WindowIndex, replays: readonly SymbolReplay[], startingBalance: number): Loop | null {
  const M = ix.times.length;
  const S = startingBalance;
  const equity = new Float64Array(M);
  const modelled = ix.symbols.some((s) => s.prep.funding !== null);
  let fundingTotal = 0;
  let settlements = 0;
  const out: Omit<Loop, 'funding'> = { equity, trades: [], skipped: [], pnls: [], rs: [] };
  const n = replays.length;
  const closed = new Int32Array(n);
  const heads = new Float64Array(n);
  for (let q = 0; q < n; q++) heads[q] = replays[q]!.headKey();
  const st: SharedState = { open: 0, realized: 0, held: new Float64Array(n), maxMargin: 0, inPosition: new Uint8Array(n), replays };
  let k = 0;
  for (;;) {
    // The next step: the smallest key, the lowest rank on a tie (replays are in rank order).
    let best = -1;
    let bestKey = Infinity;
    for (let q = 0; q < n; q++) {
      if (heads[q]! < bestKey) {
        bestKey = heads[q]!;
        best = q;
      }
    }
    if (best < 0) break;
    // Every point before this step's is complete: its equity starts as S + realised.
    const pt = Math.floor(bestKey / 4);
    while (k < pt && k < M) equity[k++] = S + st.realized;
    const r = replays[best]!;
    if (r.headIsAttempt()) {
      const refused = r.attempt(st, best);
      if (refused !== null && typeof refused === 'object') out.skipped.push(refused);
    } else {
      const t = r.trace;
      const e = r.cursor++;
      const kind = t.kinds.a[e];
      st.realized += t.values.a[e]!;
      st.held[best] = t.helds.a[e]!;
      if (kind === EV_CLOSE) {
        const c = closed[best]!++;
        if (t.trades.length > c) out.trades.push(t.trades[c]!);
        else {
          out.pnls.push(t.pnls.a[c]!);
          out.rs.push(t.rs.a[c]!);
        }
        st.inPosition[best] = 0;
        st.open--;
      } else if (kind === EV_FUNDING) {
        fundingTotal += t.values.a[e]!;
        settlements++;
      } else if (kind !== EV_PNL) throw new Error(`replay: unknown event kind ${kind}`);
    }
    heads[best] = r.headKey();
  }
  while (k < M) equity[k++] = S + st.realized;
  for (const r of replays) if (r.trace.unclosed) return null;
  // Marks, symbol after symbol: the engine's order of additions.
  for (let q = 0; q < n; q++) {
    const t = replays[q]!.trace;
    const closeAt = ix.symbols[q]!.closeAt;
    for (let g = 0; g < t.segFrom.n; g++) {
      const entry = t.segEntry.a[g]!;
      const qty = t.segQty.a[g]!;
      const feeLeft = t.segFeeLeft.a[g]!;
      const from = t.segFrom.a[g]!;
      const to = Math.min(t.segTo.a[g]!, M);
      if (t.segLong.a[g] === 1) for (let p = from; p < to; p++) equity[p] = equity[p]! + ((closeAt[p]! - entry) * qty - feeLeft);
      else for (let p = from; p < to; p++) equity[p] = equity[p]! + ((entry - closeAt[p]!) * qty - feeLeft);
    }
  }
  // After its loop the engine closes what is still open (`end`) and marks the last point again: flat.
  if (M > 0) equity[M - 1] = S + st.realized;
  return { ...out, funding: modelled ? { total: fundingTotal, settlements } : null };
}

/** The run `runBacktest` returns for the window (replays started with trades kept). */
export function runWindow(ix: WindowIndex, replays: readonly SymbolReplay[], startingBalance: number): BacktestRun | null {
  const l = sharedLoop(ix, replays, startingBalance);
  if (l === null) return null;
  const { trades, equity, skipped, funding } = l;
  return { trades, equityTimeMs: ix.times, equity, skipped, summary: summarizeRun(trades, startingBalance, equity), levels: levelStats(trades), ...(funding ? { funding } : {}) };
}

/** The optimizer's figures of the window's run, without keeping its trades (replays started with `keep` false). */
export function windowFigures(ix: WindowIndex, replays: readonly SymbolReplay[], startingBalance: number): RunFigures | null {
  const l = sharedLoop(ix, replays, startingBalance);
  if (l === null) return null;
  return { summary: summarizePnls(l.pnls, startingBalance, l.equity), rMultiples: l.rs, equityTimeMs: ix.times, equity: l.equity };
}

