import {
  DEFAULT_BREAKEVEN_OFFSET_PCT,
  DEFAULT_EMA_FAST,
  DEFAULT_EMA_SLOW,
  DEFAULT_LEVELS,
  DEFAULT_LEVERAGE,
  DEFAULT_STOP_LOSS_PCT,
  MAINTENANCE_MARGIN_PCT,
  defaultMoveStopTo,
  liquidationDistancePct,
} from './defaults.ts';
import { type PathSegment, formatPath, isRecord } from './path.ts';

/** A problem found by a rule, before it is placed in the file. */
export interface RuleIssue {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** Tolerance of the close_pct sum (SPEC R2.4). */
export const CLOSE_PCT_SUM_TOLERANCE = 1e-9;

/**
 * The rules that involve more than one key (SPEC R2). They read the raw file tolerantly: an absent
 * key takes its default, a key of the wrong type just skips the rules that need it (the schema
 * reports it). So they can run next to the structural parse and every problem is reported at once.
 * On a parsed config they find exactly the same problems.
 */
export function crossFieldIssues(raw: unknown): RuleIssue[] {
  if (!isRecord(raw)) return [];
  return [...strategyIssues(raw.strategy), ...symbolIssues(raw.symbols), ...ladderIssues(raw), ...liquidationIssues(raw)];
}

/** A finite number, the default when the key is absent, `undefined` when it holds something else. */
function numberOr(obj: Record<string, unknown>, key: string, fallback: number | undefined): number | undefined {
  const v = obj[key];
  if (v === undefined) return fallback;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Shortest decimal that shows a computed value without float noise (99.99999999999999 → 100). */
export const showNumber = (x: number): string => String(Number(x.toPrecision(12)));

function strategyIssues(strategy: unknown): RuleIssue[] {
  if (!isRecord(strategy) || strategy.name !== 'ema_cross') return [];
  const fast = numberOr(strategy, 'fast', DEFAULT_EMA_FAST);
  const slow = numberOr(strategy, 'slow', DEFAULT_EMA_SLOW);
  if (fast === undefined || slow === undefined || fast < slow) return [];
  return [{ path: ['strategy', 'fast'], message: `must be less than strategy.slow (${slow})` }];
}

function symbolIssues(symbols: unknown): RuleIssue[] {
  if (!Array.isArray(symbols)) return [];
  const firstIndex = new Map<string, number>();
  const issues: RuleIssue[] = [];
  symbols.forEach((s: unknown, i) => {
    if (typeof s !== 'string') return;
    const first = firstIndex.get(s);
    if (first === undefined) firstIndex.set(s, i);
    else issues.push({ path: ['symbols', i], message: `duplicate of symbols[${first}]` });
  });
  return issues;
}

/** R2.4, R2.5, the move_stop_to rules and the breakeven offset. */
function ladderIssues(raw: Record<string, unknown>): RuleIssue[] {
  const levelsRaw: unknown = raw.scaled_tp_levels === undefined ? DEFAULT_LEVELS : raw.scaled_tp_levels;
  if (!Array.isArray(levelsRaw) || levelsRaw.length === 0) return [];
  const levels = levelsRaw.map((l: unknown) => (isRecord(l) ? l : {}));
  const at = (k: number, ...rest: PathSegment[]): PathSegment[] => ['scaled_tp_levels', k, ...rest];
  const profits = levels.map((l) => numberOr(l, 'profit_pct', undefined));
  // A target the schema rejects (≤ 0) would only echo that problem in the rules below.
  const targets = profits.map((p) => (p !== undefined && p > 0 ? p : undefined));
  const issues: RuleIssue[] = [];

  // R2.5: each target beyond the one before it. Comparing neighbours is enough for a strict order.
  for (let k = 1; k < levels.length; k++) {
    const prev = profits[k - 1];
    const cur = profits[k];
    if (prev !== undefined && cur !== undefined && !(cur > prev)) {
      issues.push({ path: at(k, 'profit_pct'), message: `must be greater than the level before it (scaled_tp_levels[${k - 1}].profit_pct: ${prev})` });
    }
  }

  // R2.4: the shares close the whole position, no more and no less.
  const closes = levels.map((l) => numberOr(l, 'close_pct', undefined));
  if (closes.every((c) => c !== undefined)) {
    const sum = closes.reduce((a, c) => a + c, 0);
    if (!(Math.abs(sum - 100) <= CLOSE_PCT_SUM_TOLERANCE)) {
      issues.push({ path: ['scaled_tp_levels'], message: `close_pct values must sum to 100, got ${showNumber(sum)}` });
    }
  }

  levels.forEach((l, k) => {
    const move = l.move_stop_to;
    const own = targets[k];
    if (move === 'previous_tp' && k === 0) {
      issues.push({ path: at(0, 'move_stop_to'), message: '"previous_tp" is not allowed on level 0: there is no previous target' });
    }
    if (isRecord(move)) {
      const x = numberOr(move, 'profit_pct', undefined);
      if (x !== undefined && own !== undefined && !(x < own)) {
        issues.push({
          path: at(k, 'move_stop_to', 'profit_pct'),
          message: `must be less than the level's own profit_pct (${own}): the stop would sit at or past the price just reached`,
        });
      }
    }
  });

  // A breakeven stop at or past the target just filled would close the runner at once.
  const offset = numberOr(raw, 'breakeven_offset_pct', DEFAULT_BREAKEVEN_OFFSET_PCT);
  if (offset !== undefined) {
    const k = levels.findIndex((l, i) => {
      const own = targets[i];
      return (l.move_stop_to ?? defaultMoveStopTo(i)) === 'breakeven' && own !== undefined && !(offset < own);
    });
    if (k >= 0) {
      issues.push({
        path: ['breakeven_offset_pct'],
        message: `must be less than ${formatPath(at(k, 'profit_pct'))} (${profits[k]}), whose stop moves to breakeven`,
      });
    }
  }
  return issues;
}

/** A stop at or past the liquidation price could never fire (SPEC R2). */
function liquidationIssues(raw: Record<string, unknown>): RuleIssue[] {
  const leverage = numberOr(raw, 'leverage', DEFAULT_LEVERAGE);
  const stop = numberOr(raw, 'stop_loss_pct', DEFAULT_STOP_LOSS_PCT);
  if (leverage === undefined || !Number.isInteger(leverage) || leverage < 1 || leverage > 125) return [];
  if (stop === undefined || stop <= 0) return [];
  const distance = liquidationDistancePct(leverage);
  if (stop < distance) return [];
  return [
    {
      path: ['stop_loss_pct'],
      message:
        `${stop}${raw.stop_loss_pct === undefined ? ' (the default)' : ''} is at or beyond the liquidation distance at ${leverage}x leverage ` +
        `(${showNumber(distance)} % = 100/${leverage} − ${MAINTENANCE_MARGIN_PCT} % maintenance margin): the stop could never fire`,
    },
  ];
}
