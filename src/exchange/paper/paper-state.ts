import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { OrderRequest, OrderState, Trade } from '../port.ts';

/** What the paper exchange knows, saved as one JSON file after every change (so a restart resumes). */
export interface PaperState {
  version: 1;
  wallet: number;
  nextOrderId: number;
  nextTradeId: number;
  /** Signed position in steps per symbol (+ long, − short) and its average entry price. */
  positions: Record<string, { steps: number; entryPrice: number }>;
  leverage: Record<string, number>;
  orders: PaperOrder[];
  trades: Trade[];
}

export interface PaperOrder {
  readonly request: OrderRequest;
  state: OrderState;
}

export const emptyPaperState = (wallet: number): PaperState => ({ version: 1, wallet, nextOrderId: 1, nextTradeId: 1, positions: {}, leverage: {}, orders: [], trades: [] });

export function loadPaperState(path: string | null, wallet: number): PaperState {
  if (!path) return emptyPaperState(wallet);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyPaperState(wallet);
    throw e;
  }
  const s = JSON.parse(text) as PaperState;
  if (s.version !== 1) throw new Error(`${path}: unknown paper state version ${String(s.version)}`);
  return s;
}

/** Write-then-rename: a kill mid-write leaves the previous complete file. */
export function savePaperState(path: string | null, s: PaperState): void {
  if (!path) return;
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, path);
}
