import type { SignalRecord, Store } from '../../store/index.ts';

/** One received signal as the dashboard shows it ([entries] 2): the stored record without its payload. */
export type SignalView = Omit<SignalRecord, 'payload' | 'updatedAtMs'>;

export interface SignalsResponse {
  readonly signals: readonly SignalView[];
}

/** The newest received signals, without their payloads (the store keeps those for a post-mortem). */
export function signalsView(store: Store, limit: number): SignalsResponse {
  return {
    signals: store.signals({ limit }).map((s) => ({
      id: s.id,
      source: s.source,
      symbol: s.symbol,
      side: s.side,
      stopLossPct: s.stopLossPct,
      timeMs: s.timeMs,
      receivedAtMs: s.receivedAtMs,
      status: s.status,
      detail: s.detail,
    })),
  };
}
