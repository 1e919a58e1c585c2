/**
 * One trade as the benchmark compares it across engines: side, entry, and each exit (reason, time,
 * price, and steps where the engine knows them). Reasons use the ladder's words: `tp1`…`tpN` or `tp`
 * for targets, `stop`, `signal` (opposite signal or exit rule), `end` (end of data).
 */
import type { Position } from '../src/core/model/position.ts';
import type { Side } from '../src/core/units.ts';

export interface ExitRecord {
  readonly reason: string;
  readonly timeMs: number;
  readonly price: number;
  /** Quantity in steps; undefined for an engine that trades no sizes (grademark). */
  readonly qtySteps?: number;
}

export interface TradeRecord {
  readonly side: Side;
  readonly entryTimeMs: number;
  readonly entryPrice: number;
  readonly exits: readonly ExitRecord[];
}

export interface TradeMismatch {
  readonly entryTimeMs: number;
  /** The trade entered at that time on each side; null when that engine has none. */
  readonly ladder: TradeRecord | null;
  readonly other: TradeRecord | null;
}

export interface TradeMatch {
  readonly match: boolean;
  readonly ladderTrades: number;
  readonly otherTrades: number;
  /** Entry times where the two disagree: a trade only one engine made, or the same entry exited differently. */
  readonly mismatches: number;
  readonly first: TradeMismatch | null;
  /** Every mismatch, by entry time. */
  readonly list: readonly TradeMismatch[];
}

/** The engine's closed positions as records (in the order they closed). */
export function recordsOfPositions(trades: readonly Position[]): TradeRecord[] {
  return trades.map((p) => ({
    side: p.side,
    entryTimeMs: p.entryTimeMs,
    entryPrice: p.entryPrice,
    exits: p.partialExits.map((e) => ({ reason: e.reason, timeMs: e.timeMs, price: e.price, qtySteps: e.qtySteps })),
  }));
}

function sameExit(a: ExitRecord, b: ExitRecord): boolean {
  if (a.reason !== b.reason || a.timeMs !== b.timeMs || a.price !== b.price) return false;
  return a.qtySteps === undefined || b.qtySteps === undefined || a.qtySteps === b.qtySteps;
}

/** Exactly the same trade: prices are compared as doubles, without tolerance. */
export function sameTrade(a: TradeRecord, b: TradeRecord): boolean {
  if (a.side !== b.side || a.entryTimeMs !== b.entryTimeMs || a.entryPrice !== b.entryPrice || a.exits.length !== b.exits.length) return false;
  return a.exits.every((e, k) => sameExit(e, b.exits[k] as ExitRecord));
}

/**
 * Compares two engines' trades, paired by entry time (each engine holds at most one position, so an
 * entry time names one trade). A trade only one engine made counts once, as does a pair that differs.
 */
export function matchTrades(ladder: readonly TradeRecord[], other: readonly TradeRecord[]): TradeMatch {
  const byEntry = (xs: readonly TradeRecord[]) => [...xs].sort((a, b) => a.entryTimeMs - b.entryTimeMs);
  const a = byEntry(ladder);
  const b = byEntry(other);
  let i = 0;
  let j = 0;
  const list: TradeMismatch[] = [];
  const note = (m: TradeMismatch) => {
    list.push(m);
  };
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x !== undefined && (y === undefined || x.entryTimeMs < y.entryTimeMs)) {
      note({ entryTimeMs: x.entryTimeMs, ladder: x, other: null });
      i++;
    } else if (y !== undefined && (x === undefined || y.entryTimeMs < x.entryTimeMs)) {
      note({ entryTimeMs: y.entryTimeMs, ladder: null, other: y });
      j++;
    } else if (x !== undefined && y !== undefined) {
      if (!sameTrade(x, y)) note({ entryTimeMs: x.entryTimeMs, ladder: x, other: y });
      i++;
      j++;
    }
  }
  return { match: list.length === 0, ladderTrades: a.length, otherTrades: b.length, mismatches: list.length, first: list[0] ?? null, list };
}

/** Sums the matches of several series (one per symbol); `first` is the first series' first mismatch. */
export function combineMatches(ms: readonly TradeMatch[]): TradeMatch {
  return {
    match: ms.every((m) => m.match),
    ladderTrades: ms.reduce((n, m) => n + m.ladderTrades, 0),
    otherTrades: ms.reduce((n, m) => n + m.otherTrades, 0),
    mismatches: ms.reduce((n, m) => n + m.mismatches, 0),
    first: ms.find((m) => m.first !== null)?.first ?? null,
    list: ms.flatMap((m) => m.list),
  };
}

/** What made two engines disagree on one entry, by its first difference (see `mismatchKind`). */
export type MismatchKind = 'only_engine' | 'only_other' | 'side' | 'entry_price' | 'exit_count' | 'exit_reason' | 'exit_time' | 'exit_price' | 'exit_qty';

/** The first field in which the two trades of a mismatch differ (entry, then exit by exit). */
export function mismatchKind(m: TradeMismatch): MismatchKind {
  const a = m.ladder;
  const b = m.other;
  if (b === null) return 'only_engine';
  if (a === null) return 'only_other';
  if (a.side !== b.side) return 'side';
  if (a.entryPrice !== b.entryPrice) return 'entry_price';
  for (let k = 0; k < Math.min(a.exits.length, b.exits.length); k++) {
    const x = a.exits[k]!;
    const y = b.exits[k]!;
    if (x.reason !== y.reason) return 'exit_reason';
    if (x.timeMs !== y.timeMs) return 'exit_time';
    if (x.price !== y.price) return 'exit_price';
    if (x.qtySteps !== undefined && y.qtySteps !== undefined && x.qtySteps !== y.qtySteps) return 'exit_qty';
  }
  return 'exit_count';
}

/** Mismatches counted by kind (only the kinds that occur). */
export function countKinds(list: readonly TradeMismatch[]): Partial<Record<MismatchKind, number>> {
  const out: Partial<Record<MismatchKind, number>> = {};
  for (const m of list) {
    const k = mismatchKind(m);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
