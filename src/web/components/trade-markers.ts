import type { ExitView, TradeView } from './view-model.ts';

/**
 * What the trade chart marks, before the chart library: an entry, or the exits of one trade that fall
 * on one candle, each on the candle that contains it. Pure, so the rules are tested without a browser.
 */
export interface MarkerGroup {
  readonly id: string;
  readonly tradeId: string;
  readonly kind: 'entry' | 'exit';
  /** Index of the candle that contains the time (open ≤ time, the last such candle). */
  readonly index: number;
  readonly lane: 'aboveBar' | 'belowBar';
  readonly color: string;
  readonly shape: 'arrowUp' | 'arrowDown' | 'circle';
  /** `L`/`S` for an entry; the exits' reasons (`TP1+TP2`) for exits. */
  readonly label: string;
  readonly exits: readonly ExitView[];
}

/** A marker as drawn at the current zoom: one group, or several close ones merged (`members`). */
export interface DrawnMarker {
  readonly id: string;
  readonly index: number;
  readonly lane: 'aboveBar' | 'belowBar';
  readonly color: string;
  readonly shape: 'arrowUp' | 'arrowDown' | 'circle' | 'square';
  readonly text: string;
  readonly members: readonly MarkerGroup[];
}

export const MARKER_COLORS = { entry: '#2962ff', tp: '#00897b', stop: '#d32f2f', other: '#6d4c41', cluster: '#9aa5b1' } as const;

/**
 * Index of the candle containing `ms`: the last whose open time is ≤ ms (an exit at the last candle's
 * close, the `end` of the data, sits on that candle); 0 before the first.
 */
export function candleIndexOf(times: ArrayLike<number>, ms: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= ms) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, lo - 1);
}

/** Entry markers and one marker per (trade, candle) of exits, ordered by candle. */
export function markerGroups(times: ArrayLike<number>, trades: readonly TradeView[]): MarkerGroup[] {
  const out: MarkerGroup[] = [];
  for (const t of trades) {
    const long = t.side === 'long';
    out.push({
      id: `${t.id}:entry`,
      tradeId: t.id,
      kind: 'entry',
      index: candleIndexOf(times, t.entryTimeMs),
      lane: long ? 'belowBar' : 'aboveBar',
      color: MARKER_COLORS.entry,
      shape: long ? 'arrowUp' : 'arrowDown',
      label: long ? 'L' : 'S',
      exits: [],
    });
    const byCandle = new Map<number, ExitView[]>();
    for (const e of t.exits) {
      const i = candleIndexOf(times, e.timeMs);
      const list = byCandle.get(i);
      if (list) list.push(e);
      else byCandle.set(i, [e]);
    }
    for (const [index, exits] of byCandle) {
      const stop = exits.some((e) => e.reason === 'stop');
      const tp = exits.every((e) => e.reason.startsWith('tp')); // the single take-profit (`tp`) has no level
      out.push({
        id: `${t.id}:exit:${index}`,
        tradeId: t.id,
        kind: 'exit',
        index,
        lane: long ? 'aboveBar' : 'belowBar',
        color: stop ? MARKER_COLORS.stop : tp ? MARKER_COLORS.tp : MARKER_COLORS.other,
        shape: 'circle',
        label: exits.map((e) => e.reason.toUpperCase()).join('+'),
        exits,
      });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Markers closer than this (px, same lane) merge into one; labels need this much room. */
export const MIN_GAP_PX = 16;
export const LABEL_PX = 40;

/**
 * The markers to draw at `barSpacingPx` pixels per candle. Groups on one candle and lane are one
 * marker (an exit and the next trade's entry at the same open; the chart library neither spaces nor
 * hit-tests stacked markers well), labelled with all their labels. With room for each candle (spacing
 * ≥ MIN_GAP_PX) every candle's marker is drawn on it; otherwise markers within MIN_GAP_PX of a cluster's
 * first one merge into a grey square counting them, drawn at that first candle. A label is shown only
 * where it has LABEL_PX of room from its neighbours.
 */
export function thinMarkers(groups: readonly MarkerGroup[], barSpacingPx: number): DrawnMarker[] {
  const out: DrawnMarker[] = [];
  const span = barSpacingPx >= MIN_GAP_PX ? 1 : MIN_GAP_PX / barSpacingPx; // candles one marker covers
  for (const lane of ['aboveBar', 'belowBar'] as const) {
    const inLane = groups.filter((g) => g.lane === lane);
    const drawn: DrawnMarker[] = [];
    let i = 0;
    while (i < inLane.length) {
      const first = inLane[i]!;
      let j = i + 1;
      while (j < inLane.length && inLane[j]!.index - first.index < span) j++;
      const members = inLane.slice(i, j);
      drawn.push(members.every((m) => m.index === first.index) ? stack(members) : { id: `cluster:${first.id}`, index: first.index, lane, color: MARKER_COLORS.cluster, shape: 'square', text: String(members.length), members });
      i = j;
    }
    // Labels where they fit: the gap to each neighbour on the lane.
    drawn.forEach((d, k) => {
      if (d.shape === 'square') return;
      const room = (o: DrawnMarker | undefined) => o === undefined || Math.abs(o.index - d.index) * barSpacingPx >= LABEL_PX;
      if (!room(drawn[k - 1]) || !room(drawn[k + 1])) drawn[k] = { ...d, text: '' };
    });
    out.push(...drawn);
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Groups on one candle as one marker: the first one's look, every label. */
function stack(members: readonly MarkerGroup[]): DrawnMarker {
  const g = members[0]!;
  return { id: members.length === 1 ? g.id : `stack:${g.id}`, index: g.index, lane: g.lane, color: g.color, shape: g.shape, text: members.map((m) => m.label).join(' '), members };
}

/** A marker of several candles (merged at low zoom), not one candle's. */
export const isCluster = (d: DrawnMarker): boolean => d.members.some((m) => m.index !== d.index);
