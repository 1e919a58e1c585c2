import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { exitClientId, stopClientId } from '../../src/core/index.ts';
import { isConserved, openStore } from '../../src/store/index.ts';

/**
 * Everything that must hold in a store file after any crash, as a list of problems (empty = fine):
 * SQLite's own checks, then per position: R4.2 conservation, the fills table and the position's
 * applied trades are the same set (a fill and its position were saved together), the projections match
 * the JSON, every order the position says it sent has its row, and every journaled fill survived.
 */
export function integrityProblems(dbPath: string, journalPath?: string): string[] {
  const problems: string[] = [];
  const raw = new Database(dbPath);
  try {
    const check = raw.pragma('integrity_check', { simple: true });
    if (check !== 'ok') problems.push(`integrity_check: ${String(check)}`);
    const fk = raw.pragma('foreign_key_check');
    if (fk.length > 0) problems.push(`foreign_key_check: ${JSON.stringify(fk)}`);
  } finally {
    raw.close();
  }
  const store = openStore(dbPath);
  try {
    const ids = store.tradeHistory({ includeOpen: true }).map((t) => t.positionId);
    for (const id of ids) {
      const p = store.getPosition(id)!;
      if (!isConserved(p)) problems.push(`${id}: size not conserved`);
      const fills = store.fillsOf(id);
      const exitFills = fills.filter((f) => f.role === 'exit');
      const booked = exitFills.map((f) => f.tradeId).sort();
      const applied = [...p.appliedTradeIds].sort();
      if (JSON.stringify(booked) !== JSON.stringify(applied)) problems.push(`${id}: fills ${booked.join(',')} ≠ applied ${applied.join(',')}`);
      const filled = exitFills.reduce((s, f) => s + f.qtySteps, 0);
      if (filled !== p.originalSteps - p.remainingSteps) problems.push(`${id}: fills sum ${filled} ≠ ${p.originalSteps} - ${p.remainingSteps}`);
      const entry = fills.filter((f) => f.role === 'entry').reduce((s, f) => s + f.qtySteps, 0);
      if (entry !== p.originalSteps) problems.push(`${id}: entry fills ${entry} ≠ original ${p.originalSteps}`);
      p.levels.forEach((st, i) => {
        if (st.status !== 'sent' && st.status !== 'filled') return;
        if (store.getOrder(exitClientId(id, p.plan.levels[i]!.reason)) === null) problems.push(`${id}: level ${i + 1} is ${st.status} with no order row`);
      });
      if (store.getOrder(stopClientId(id, p.stopSeq)) === null) problems.push(`${id}: stop sl${p.stopSeq} has no order row`);
    }
    const projected = new Database(dbPath);
    try {
      for (const id of ids) {
        const p = store.getPosition(id)!;
        const rows = projected.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(qty_steps), 0) AS q FROM exits WHERE position_id = ?').get(id) as { n: number; q: number };
        const q = p.partialExits.reduce((s, e) => s + e.qtySteps, 0);
        if (rows.n !== p.partialExits.length || rows.q !== q) problems.push(`${id}: exits table (${rows.n}, ${rows.q}) ≠ JSON (${p.partialExits.length}, ${q})`);
        const moves = projected.prepare('SELECT COUNT(*) AS n FROM stop_moves WHERE position_id = ?').get(id) as { n: number };
        if (moves.n !== p.stopMoves.length) problems.push(`${id}: stop_moves table ${moves.n} ≠ JSON ${p.stopMoves.length}`);
      }
    } finally {
      projected.close();
    }
    if (journalPath !== undefined) {
      const lines = readFileSync(journalPath, 'utf8').split('\n').filter((l) => l !== '');
      for (const l of lines) {
        const [symbol, tradeId] = l.split(' ');
        if (!store.hasFill(symbol!, tradeId!)) problems.push(`journaled fill ${l} is not in the store`);
      }
    }
  } finally {
    store.close();
  }
  return problems;
}
