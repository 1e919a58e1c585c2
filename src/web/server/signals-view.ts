import type { SignalSide, SignalSource, SignalStatus, Store } from '../../store/index.ts';

/** One received signal as the dashboard shows it ([entries] 2): where it came from and what became of it. */
export interface SignalView {
  readonly id: string;
  readonly source: SignalSource;
  readonly symbol: string;
  readonly side: SignalSide;
  readonly stopLossPct: number | null;
  readonly timeMs: number;
  readonly receivedAtMs: number;
  readonly status: SignalStatus;
  readonly detail: string | null;
}

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
