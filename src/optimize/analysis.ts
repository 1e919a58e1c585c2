import type { CandidateResult, Engine, StudyWindow } from './evaluate.ts';
import type { WindowMetrics } from './metrics.ts';
import { DAYS_PER_YEAR } from './metrics.ts';
import { counted } from './describe.ts';
import { score } from './objectives.ts';
import { deflatedSharpe } from './stats/deflated-sharpe.ts';
import { sharpeRatio, skewKurt } from './stats/moments.ts';
import { type PboResult, probabilityOfOverfitting } from './stats/pbo.ts';
import type { Evaluated, StudyOutcome, StudySpec } from './study.ts';
import type { LadderParams } from './space-grid.ts';

const iso = (ms: number) => new Date(ms).toISOString();
/** A DSR at or above this is the paper's 95 % confidence that the Sharpe ratio is not luck. */
export const DSR_CONFIDENCE = 0.95;

export interface RankedCandidate {
  readonly rank: number;
  readonly key: string;
  readonly kind: string;
  readonly params: LadderParams | null;
  /** Objective on the full data; null when disqualified (too few trades). */
  readonly score: number | null;
  readonly metrics: WindowMetrics;
}

export interface FoldReport {
  readonly fold: number;
  readonly train: { readonly from: string; readonly to: string };
  readonly test: { readonly from: string; readonly to: string };
  /** The best ladder of the training window (null: every ladder disqualified there). */
  readonly best: { readonly key: string; readonly params: LadderParams | null } | null;
  readonly in_sample: WindowMetrics | null;
  readonly out_of_sample: WindowMetrics | null;
  readonly in_sample_score: number | null;
  readonly out_of_sample_score: number | null;
  readonly single_out_of_sample: WindowMetrics;
  readonly config_out_of_sample: WindowMetrics;
  readonly single_out_of_sample_score: number | null;
}

export interface OosCurve {
  readonly name: string;
  readonly dayMs: readonly number[];
  readonly equity: readonly number[];
  readonly total_pnl: number;
}

export interface StudyReport {
  readonly run_id: string;
  /** What the run was made of: the config file and each input file with its SHA-256. */
  readonly inputs: StudySpec['inputs'];
  readonly method: string;
  readonly objective: string;
  readonly min_trades: number;
  readonly seed: number;
  readonly ladders_evaluated: number;
  readonly invalid: Record<string, number>;
  readonly windows: readonly { readonly role: string; readonly fold: number | null; readonly from: string; readonly to: string }[];
  readonly ranking: readonly RankedCandidate[];
  readonly references: { readonly single: RankedCandidate; readonly config: RankedCandidate };
  readonly folds: readonly FoldReport[];
  readonly out_of_sample: readonly OosCurve[];
  readonly deflated_sharpe: {
    readonly key: string;
    readonly sharpe_annualised: number;
    readonly dsr: number;
    /** The expected best Sharpe of this many trials by luck alone, annualised. */
    readonly expected_max_sharpe_annualised: number;
    readonly trials: number;
    readonly observations: number;
    readonly skew: number;
    readonly kurtosis: number;
  } | null;
  readonly pbo: (Omit<PboResult, 'logits'> & { readonly logits: readonly number[] }) | null;
  readonly verdict: readonly string[];
  /**
   * How the results were computed: `replay` (each taken entry's position replayed through the core,
   * the engine's run rebuilt from them) or `full` (`runBacktest` on every window); windows counts
   * every (candidate, window) evaluated, `windows_run_in_full` those that went through `runBacktest`.
   */
  readonly evaluation: { readonly engine: Engine; readonly windows: number; readonly windows_run_in_full: number };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Everything the CLI prints, `--json` holds and the report shows, from a study's results. */
export function analyzeStudy(runId: string, spec: StudySpec, outcome: StudyOutcome): StudyReport {
  const sc = (r: CandidateResult, w: number) => score(r.windows[w]!.metrics, spec.objective, spec.minTrades);
  const ladders = outcome.evaluated.filter((e) => e.candidate.kind === 'ladder');
  // Equal scores (an unbounded ratio: no loss, no drawdown) are ordered by PnL, then by draw order.
  const pnlOf = (r: CandidateResult, w: number) => r.windows[w]!.metrics.total_pnl;
  const better = (a: Evaluated, b: Evaluated, w: number): number => sc(b.result, w) - sc(a.result, w) || pnlOf(b.result, w) - pnlOf(a.result, w) || a.seq - b.seq;
  const ranked = (list: readonly Evaluated[]): RankedCandidate[] =>
    [...list]
      .sort((a, b) => better(a, b, 0))
      .map((e, k) => ({ rank: k + 1, key: e.candidate.key, kind: e.candidate.kind, params: e.candidate.params, score: finite(sc(e.result, 0)), metrics: e.result.windows[0]!.metrics }));
  const ranking = ranked(ladders);
  const ref = (kind: string) => {
    const e = outcome.evaluated.find((x) => x.candidate.kind === kind)!;
    return { rank: 0, key: e.candidate.key, kind, params: e.candidate.params, score: finite(sc(e.result, 0)), metrics: e.result.windows[0]!.metrics };
  };
  const single = outcome.evaluated.find((x) => x.candidate.kind === 'single')!;
  const own = outcome.evaluated.find((x) => x.candidate.kind === 'config')!;

  const folds: FoldReport[] = [];
  const K = spec.folds?.folds ?? 0;
  for (let k = 0; k < K; k++) {
    const tr = 1 + 2 * k;
    const te = 2 + 2 * k;
    // Fold k chooses only among ladders chosen without results or by its own model (search.ts).
    const eligible = ladders.filter((e) => e.origin === 'prior' || e.origin === String(k + 1));
    let best: Evaluated | null = null;
    for (const e of eligible) if (sc(e.result, tr) > -Infinity && (best === null || better(e, best, tr) < 0)) best = e;
    const w = spec.windows;
    folds.push({
      fold: k,
      train: { from: iso(w[tr]!.fromMs), to: iso(w[tr]!.toMs) },
      test: { from: iso(w[te]!.fromMs), to: iso(w[te]!.toMs) },
      best: best ? { key: best.candidate.key, params: best.candidate.params } : null,
      in_sample: best ? best.result.windows[tr]!.metrics : null,
      out_of_sample: best ? best.result.windows[te]!.metrics : null,
      in_sample_score: best ? finite(sc(best.result, tr)) : null,
      out_of_sample_score: best ? finite(sc(best.result, te)) : null,
      single_out_of_sample: single.result.windows[te]!.metrics,
      config_out_of_sample: own.result.windows[te]!.metrics,
      single_out_of_sample_score: finite(sc(single.result, te)),
    });
  }

  const start = spec.config.backtest.starting_balance;
  /**
   * The test windows one after the other. Each window's run starts from the starting balance and sizes
   * its entries from it, so the folds' PnLs add up (compounding them would not be the trades that were
   * run): each window's own curve, shifted by the PnL of the windows before it. Its total is the sum of
   * the folds' PnLs in the table.
   */
  const curve = (name: string, pick: (k: number) => CandidateResult | null): OosCurve => {
    const dayMs: number[] = [];
    const equity: number[] = [];
    let before = 0;
    for (let k = 0; k < K; k++) {
      const r = pick(k);
      const w = r?.windows[2 + 2 * k];
      // A fold without a qualified ladder stays flat (no trades taken).
      const days = w?.daily ?? single.result.windows[2 + 2 * k]!.daily!;
      let e = start;
      for (let i = 0; i < days.returns.length; i++) {
        if (w) e *= 1 + days.returns[i]!;
        dayMs.push(days.firstDayMs + i * 86_400_000);
        equity.push(before + e);
      }
      before += w ? w.metrics.total_pnl : 0;
    }
    return { name, dayMs, equity, total_pnl: before };
  };
  const bestOf = (k: number) => {
    const key = folds[k]!.best?.key;
    return key ? (ladders.find((e) => e.candidate.key === key)?.result ?? null) : null;
  };
  const oos = K > 0 ? [curve('walk-forward winner', bestOf), curve('single TP', () => single.result), curve("config's ladder", () => own.result)] : [];

  // Deflated Sharpe of the full-data winner, against the number of ladders tried (daily, per-period units).
  let dsr: StudyReport['deflated_sharpe'] = null;
  const winner = ranking[0] && ranking[0].score !== null ? ladders.find((e) => e.candidate.key === ranking[0]!.key)! : null;
  if (winner) {
    const daily = (e: Evaluated) => e.result.windows[0]!.daily!.returns;
    const srs = ladders.map((e) => sharpeRatio(daily(e)));
    const m = srs.reduce((a, b) => a + b, 0) / srs.length;
    const variance = srs.length > 1 ? srs.reduce((a, b) => a + (b - m) ** 2, 0) / (srs.length - 1) : 0;
    const r = daily(winner);
    const sr = sharpeRatio(r);
    const { skew, kurt } = skewKurt(r);
    const d = deflatedSharpe({ sharpe: sr, observations: r.length, skew, kurt, trials: ladders.length, sharpeVariance: variance });
    dsr = {
      key: winner.candidate.key,
      sharpe_annualised: sr * Math.sqrt(DAYS_PER_YEAR),
      dsr: d.dsr,
      expected_max_sharpe_annualised: d.benchmark * Math.sqrt(DAYS_PER_YEAR),
      trials: ladders.length,
      observations: r.length,
      skew,
      kurtosis: kurt,
    };
  }

  // Over the ladders that qualify on all the data: a disqualified one (too few trades) is no candidate to overfit with.
  let pbo: StudyReport['pbo'] = null;
  const qualified = ladders.filter((e) => sc(e.result, 0) > -Infinity);
  if (qualified.length >= 2) {
    const days = qualified[0]!.result.windows[0]!.daily!.returns.length;
    let blocks = 16;
    while (blocks > 2 && days / blocks < 10) blocks -= 2;
    if (days / blocks >= 2) pbo = probabilityOfOverfitting(qualified.map((e) => e.result.windows[0]!.daily!.returns), blocks);
  }

  const report: Omit<StudyReport, 'verdict'> = {
    run_id: runId,
    inputs: spec.inputs,
    method: spec.method,
    objective: spec.objective,
    min_trades: spec.minTrades,
    seed: spec.seed,
    ladders_evaluated: ladders.length,
    invalid: Object.fromEntries(outcome.invalid),
    windows: spec.windows.map((w: StudyWindow) => ({ role: w.role, fold: w.fold, from: iso(w.fromMs), to: iso(w.toMs) })),
    ranking,
    references: { single: ref('single'), config: ref('config') },
    folds,
    out_of_sample: oos,
    deflated_sharpe: dsr,
    pbo,
    evaluation: evaluationOf(spec, outcome),
  };
  return { ...report, verdict: verdict(report) };
}

/** Which engine computed the study's results, from the results themselves (a resumed run may mix). */
function evaluationOf(spec: StudySpec, outcome: StudyOutcome): StudyReport['evaluation'] {
  const engine = spec.engine ?? 'replay';
  const per = spec.windows.length;
  let full = 0;
  for (const e of outcome.evaluated) full += e.result.fullRuns ?? (engine === 'full' ? per : 0);
  return { engine, windows: outcome.evaluated.length * per, windows_run_in_full: full };
}

const money = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/** The findings in plain words, the doubtful ones first. */
export function verdict(r: Omit<StudyReport, 'verdict'>): string[] {
  const out: string[] = [];
  const chosen = r.folds.filter((f) => f.best !== null).length;
  if (r.folds.length === 0) out.push('No walk-forward folds were run: the ranking is in-sample only and says nothing about the future (use --folds).');
  else if (chosen === 0) {
    out.push(
      `No ladder qualified on ${r.folds.length === 1 ? 'the training window' : `any of the ${r.folds.length} training windows`} (${r.ladders_evaluated === 0 ? 'no ladder of the space was evaluated' : `each had fewer than ${r.min_trades} trades there`}): nothing was chosen, so nothing was tested out of sample, and this run says nothing for or against a ladder.`,
    );
  } else {
    const [winner, single, own] = r.out_of_sample as [OosCurve, OosCurve, OosCurve];
    if (chosen < r.folds.length) out.push(`In ${r.folds.length - chosen} of ${counted(r.folds.length, 'fold')} no ladder qualified on the training window: those test windows count as no trades (0 PnL) below.`);
    // Only a fold where both were scored compares them: a test window with too few trades scores neither.
    const scored = r.folds.filter((f) => f.out_of_sample_score !== null && f.single_out_of_sample_score !== null);
    const won = scored.filter((f) => f.out_of_sample_score! > f.single_out_of_sample_score!).length;
    const unscored = r.folds.length - scored.length;
    const beat = winner.total_pnl > single.total_pnl;
    out.push(
      `Out of sample (${counted(r.folds.length, 'test window')}), the ladders chosen on each training window made ${money(winner.total_pnl)} against ${money(single.total_pnl)} for the single take-profit and ${money(own.total_pnl)} for the config's ladder; ` +
        (scored.length === 0
          ? `no test window had ${r.min_trades} trades for both, so their ${r.objective} was compared in none.`
          : `they beat the single take-profit's ${r.objective} in ${won} of the ${counted(scored.length, 'fold')} where both were scored${unscored ? ` (${unscored} test window${unscored === 1 ? '' : 's'} had fewer than ${r.min_trades} trades)` : ''}.`),
    );
    out.push(beat ? 'The optimized ladder did better than the single take-profit out of sample.' : 'The optimized ladder did NOT survive out of sample: it did no better than the single take-profit on data it was not chosen on.');
  }
  if (r.deflated_sharpe) {
    const d = r.deflated_sharpe;
    out.push(
      d.dsr >= DSR_CONFIDENCE
        ? `Deflated Sharpe ratio of the in-sample winner: ${d.dsr.toFixed(3)} (≥ ${DSR_CONFIDENCE}): its Sharpe ratio of ${d.sharpe_annualised.toFixed(2)} is unlikely to be luck after ${counted(d.trials, 'trial')}.`
        : `Deflated Sharpe ratio of the in-sample winner: ${d.dsr.toFixed(3)} (< ${DSR_CONFIDENCE}): its Sharpe ratio of ${d.sharpe_annualised.toFixed(2)} is not significant once ${counted(d.trials, 'trial')} ${d.trials === 1 ? 'is' : 'are'} accounted for (the best of that many by luck alone: about ${d.expected_max_sharpe_annualised.toFixed(2)}).`,
    );
  } else if (r.ladders_evaluated === 0) {
    out.push('No ladder of the space was evaluated: none of those drawn was a valid config (the reasons are counted above), so there is nothing to rank; only the references ran.');
  } else out.push(`No ladder had ${r.min_trades} trades or more on all the data: none is ranked, and there is no deflated Sharpe ratio or probability of overfitting.`);
  if (r.pbo) {
    out.push(
      r.pbo.pbo > 0.5
        ? `Probability of backtest overfitting: ${r.pbo.pbo.toFixed(2)}: in most of the ${r.pbo.splits} CSCV splits the best in-sample ladder ranked at or below the median on the other half — the ranking is overfit.`
        : r.pbo.pbo === 0.5
          ? `Probability of backtest overfitting: 0.50 over ${r.pbo.splits} CSCV splits: the best in-sample ladder ranked at or below the median on the other half as often as above it: no better than a ladder drawn at random.`
          : `Probability of backtest overfitting: ${r.pbo.pbo.toFixed(2)} over ${r.pbo.splits} CSCV splits: the best in-sample ladder usually stays above the median on the other half.`,
    );
  } else if (r.deflated_sharpe) {
    // Ranked ladders, and no PBO: say why (none ranked is said above).
    const qualified = r.ranking.filter((c) => c.score !== null).length;
    out.push(
      qualified < 2
        ? `No probability of backtest overfitting: it compares the ladders of a run with one another, and only ${qualified} ladder had ${r.min_trades} trades or more on all the data.`
        : `No probability of backtest overfitting: the data has too few days (${r.ranking[0]!.metrics.days}) to cut into blocks.`,
    );
  }
  return out;
}
