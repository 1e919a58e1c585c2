import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { MatchingSnapshot } from '../matching/index.ts';
import type { OrderRequest, OrderState, Trade } from '../port.ts';

/**
 * The paper account on disk, one JSON file written after every change (so a restart resumes).
 * Version 2 holds the matching engine's records and the last price seen per symbol; version 1 files
 * (paper mode's own fill code, before the shared engine) are still read and migrated (paper-migrate.ts).
 */
export interface PaperStateV2 {
  readonly version: 2;
  readonly snapshot: MatchingSnapshot;
  /** Last price seen per symbol, in ticks (margin of other symbols' positions until they are polled). */
  readonly marks: Readonly<Record<string, number>>;
  /** When each symbol's price was last read (ms): a restart replays the 1m candles missed since (absent in older files: none). */
  readonly seenAt?: Readonly<Record<string, number>>;
  /** Funding charged (absent in older files: none). */
  readonly funding?: PaperFunding;
}

/** The funding paper mode charged its positions, from its source's settlements. */
export interface PaperFunding {
  /** Per symbol, the time of the last settlement looked at: the next read starts after it. */
  readonly from: Readonly<Record<string, number>>;
  readonly payments: readonly PaperFundingPayment[];
}

export interface PaperFundingPayment {
  readonly symbol: string;
  readonly id: string;
  readonly timeMs: number;
  readonly amount: number;
}

/** The version 1 file, as paper mode wrote it before the shared matching engine. */
export interface PaperStateV1 {
  version: 1;
  wallet: number;
  nextOrderId: number;
  nextTradeId: number;
  /** Signed position in steps per symbol (+ long, − short) and its average entry price. */
  positions: Record<string, { steps: number; entryPrice: number }>;
  leverage: Record<string, number>;
  orders: Array<{ readonly request: OrderRequest; state: OrderState }>;
  trades: Trade[];
}

export type LoadedPaperState = PaperStateV2 | PaperStateV1 | null;

/** The saved state, or null when there is none yet (a new account). */
export function loadPaperState(path: string | null): LoadedPaperState {
  if (!path) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  // A file cut or edited by hand is said with its path: JSON.parse's own words name no file.
  const refuse = (why: string) => new Error(`${path}: not a paper account (${why}); move it away to start a new one, or give another --db`);
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch (e) {
    throw refuse(`malformed JSON: ${(e as Error).message}`);
  }
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw refuse(`expected an object, got ${s === null ? 'null' : Array.isArray(s) ? 'an array' : typeof s}`);
  const version = (s as { version?: unknown }).version;
  if (version !== 1 && version !== 2) throw new Error(`${path}: unknown paper state version ${String(version)}`);
  const missing = missingParts(s as Record<string, unknown>, version);
  if (missing.length) throw refuse(`version ${version} without ${missing.join(', ')}`);
  return s as PaperStateV1 | PaperStateV2;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The parts a version's file must hold, with their kinds, that `s` lacks (a file edited by hand crashed later, naming no file). */
function missingParts(s: Record<string, unknown>, version: 1 | 2): string[] {
  const want: [Record<string, unknown> | undefined, string, 'array' | 'object' | 'number'][] =
    version === 1
      ? [[s, 'wallet', 'number'], [s, 'positions', 'object'], [s, 'leverage', 'object'], [s, 'orders', 'array'], [s, 'trades', 'array']]
      : [[s, 'snapshot', 'object'], [s, 'marks', 'object']];
  if (version === 2 && isObject(s['snapshot'])) {
    const snap = s['snapshot'];
    want.push([snap, 'orders', 'array'], [snap, 'algos', 'array'], [snap, 'fills', 'array'], [snap, 'ledger', 'object'], [snap, 'nextIds', 'object']);
  }
  const has = (x: unknown, kind: 'array' | 'object' | 'number') => (kind === 'array' ? Array.isArray(x) : kind === 'object' ? isObject(x) : typeof x === 'number');
  return want.filter(([o, key, kind]) => !has(o?.[key], kind)).map(([o, key, kind]) => `${o === s ? '' : 'snapshot.'}${key} (${kind === 'number' ? 'a number' : `an ${kind}`})`);
}

/** Write-then-rename: a kill mid-write leaves the previous complete file. */
export function savePaperState(path: string | null, s: PaperStateV2): void {
  if (!path) return;
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, path);
}
