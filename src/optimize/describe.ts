import type { LadderParams } from './space-grid.ts';

/** `1:30 2:30 3.5:40 sl2 be+0` plus what differs from the defaults (stop moves, limit exits); the last level's stop move is not shown: it never happens. */
export function describeLadder(p: LadderParams | null): string {
  if (p === null) return 'single take-profit';
  const moves = p.levels.map((l, k) => {
    const m = l.move_stop_to;
    const dflt = k === 0 ? 'breakeven' : 'previous_tp';
    if (m === dflt || k === p.levels.length - 1) return '';
    return typeof m === 'string' ? `(${m === 'breakeven' ? 'be' : m === 'previous_tp' ? 'prev' : 'none'})` : `(${m.profit_pct}%)`;
  });
  const levels = p.levels.map((l, k) => `${l.profit_pct}:${l.close_pct}${moves[k]}`).join(' ');
  return `${levels} sl${p.stop_loss_pct}${p.breakeven_offset_pct ? ` be+${p.breakeven_offset_pct}` : ''}${p.scaled_tp_execution === 'limit' ? ' limit' : ''}`;
}

/** `1 fold`, `4 folds`: a count with its noun, for the run's messages. */
export const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
