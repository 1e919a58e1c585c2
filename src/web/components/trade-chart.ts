import {
  CandlestickSeries,
  ColorType,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  LineSeries,
  LineStyle,
  LineType,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
  createChart,
  createSeriesMarkers,
} from 'lightweight-charts';
import { type DrawnMarker, type MarkerGroup, candleIndexOf, isCluster, markerGroups, thinMarkers } from './trade-markers.ts';
import type { CandleColumns, TradeView } from './view-model.ts';

const sec = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

export interface TradeChartOptions {
  readonly timeframeMs: number;
  readonly priceDecimals: number;
  /** Axis and crosshair times in the viewer's time zone (the dashboard); UTC by default (the report). */
  readonly localTime?: boolean;
  /** Draw the entry and remaining targets of open trades as price lines (default true); false: the caller draws its own. */
  readonly openTradeLines?: boolean;
  /** A marker was hovered (the drawn marker) or left (null), with the pointer's place in the chart: for a tooltip. */
  readonly onHover?: (m: DrawnMarker | null, point: { readonly x: number; readonly y: number } | null) => void;
  /** A trade's marker was clicked. */
  readonly onSelect?: (tradeId: string) => void;
}

/** A drawn trade chart: the report only removes it; the dashboard also moves its last candle live. */
export interface TradeChart {
  readonly api: IChartApi;
  /** The candle series, for price lines the caller draws itself (the dashboard's labelled stop and targets). */
  readonly candles: ISeriesApi<'Candlestick'>;
  /** Adds a candle, or replaces the last one when it has the same open time (a forming candle). */
  updateCandle(c: { readonly t: number; readonly o: number; readonly h: number; readonly l: number; readonly c: number }): void;
  remove(): void;
  /** Every entry and exit group on its candle (before thinning). */
  readonly groups: readonly MarkerGroup[];
  /** The markers drawn at the current zoom, and what the chart library was given for them. */
  drawn(): readonly DrawnMarker[];
  markers(): readonly SeriesMarker<Time>[];
  /** Draws this trade's entry, targets and stop steps as labelled lines and scrolls to it; null clears. */
  select(tradeId: string | null): void;
}

/**
 * A chart made in a hidden container (a tab not shown) has no width to fit its content to: fit it once
 * the container gets one.
 */
export function fitWhenSized(container: HTMLElement, chart: IChartApi): void {
  if (container.clientWidth > 0) return;
  const ro = new ResizeObserver(() => {
    if (container.clientWidth === 0) return;
    ro.disconnect();
    requestAnimationFrame(() => chart.timeScale().fitContent());
  });
  ro.observe(container);
}

/** lightweight-charts draws UTC; these show the viewer's local time instead. */
export function localTimeOptions() {
  const at = (t: Time) => new Date((t as number) * 1000);
  const fmt = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(undefined, o);
  const full = fmt({ year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const day = fmt({ month: 'short', day: 'numeric' });
  const month = fmt({ month: 'short', year: 'numeric' });
  const year = fmt({ year: 'numeric' });
  const clock = fmt({ hour: '2-digit', minute: '2-digit' });
  return {
    localization: { timeFormatter: (t: Time) => full.format(at(t)) },
    // TickMarkType: 0 year, 1 month, 2 day of month, 3 time, 4 time with seconds.
    tickMarkFormatter: (t: Time, type: number) => (type === 0 ? year : type === 1 ? month : type === 2 ? day : clock).format(at(t)),
  };
}

/** A chart may show four years of hourly candles at once: let the bars get thinner than a pixel. */
export const MIN_BAR_SPACING = 0.001;

/**
 * Candles with every entry and exit marked on the candle that contains it (a trade's exits on one
 * candle are one marker; close markers merge at low zoom), the stop ladder drawn as steps (R8.5), and
 * the take-profit targets of open trades. Used by the backtest report and the dashboard.
 */
export function createTradeChart(container: HTMLElement, candles: CandleColumns, trades: readonly TradeView[], o: TradeChartOptions): TradeChart {
  const local = o.localTime ? localTimeOptions() : null;
  const chart = createChart(container, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: '#ffffff' }, textColor: '#1f2933' },
    grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
    timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: MIN_BAR_SPACING, enableConflation: true, ...(local ? { tickMarkFormatter: local.tickMarkFormatter } : {}) },
    localization: { priceFormatter: (p: number) => p.toFixed(o.priceDecimals), ...(local ? local.localization : {}) },
  });
  const series: ISeriesApi<'Candlestick'> = chart.addSeries(CandlestickSeries, {
    upColor: '#26a69a',
    downColor: '#ef5350',
    borderVisible: false,
    wickUpColor: '#26a69a',
    wickDownColor: '#ef5350',
  });
  const bars = candles.t.map((t, i) => ({ time: sec(t), open: candles.o[i]!, high: candles.h[i]!, low: candles.l[i]!, close: candles.c[i]! }));
  series.setData(bars);
  const at = (i: number) => sec(candles.t[i] ?? 0);

  // The stop ladder: one stepped line, broken between trades by a whitespace point on the next
  // candle. Only candle times are used: a point between candles would add a slot to the time scale.
  const stop = chart.addSeries(LineSeries, { color: '#d32f2f', lineWidth: 2, lineType: LineType.WithSteps, lastValueVisible: false, priceLineVisible: false });
  const points: { time: UTCTimestamp; value?: number }[] = [];
  const push = (time: UTCTimestamp, value?: number) => {
    const last = points.at(-1);
    if (last && last.time > time) return;
    if (last && last.time === time) {
      if (value !== undefined) last.value = value;
      return;
    }
    points.push(value === undefined ? { time } : { time, value });
  };
  const byEntry = [...trades].sort((a, b) => a.entryTimeMs - b.entryTimeMs);
  byEntry.forEach((t, k) => {
    push(at(candleIndexOf(candles.t, t.entryTimeMs)), t.initialStop);
    for (const m of t.stopMoves) push(at(candleIndexOf(candles.t, m.timeMs)), m.to);
    if (t.open) {
      push(at(candles.t.length - 1), t.stopMoves.at(-1)?.to ?? t.initialStop);
      return;
    }
    const end = candleIndexOf(candles.t, t.exits.at(-1)?.timeMs ?? t.entryTimeMs);
    push(at(end), t.stopMoves.at(-1)?.to ?? t.initialStop);
    const next = byEntry[k + 1];
    if (end + 1 < candles.t.length && (!next || candleIndexOf(candles.t, next.entryTimeMs) > end + 1)) push(at(end + 1));
  });
  stop.setData(points as never);

  // Markers last, once every series is in: the plugin caches candle indexes when markers are set, and
  // a series added later that changes the time scale would leave them pointing at other candles.
  const groups = markerGroups(candles.t, trades);
  // They ride on an invisible copy of the candles added last: the pointer finds the topmost series
  // first, and the stop line's vertical steps run through the very candles the markers sit on.
  const clear = 'rgba(0,0,0,0)';
  const carrier = chart.addSeries(CandlestickSeries, { upColor: clear, downColor: clear, borderVisible: false, wickVisible: false, lastValueVisible: false, priceLineVisible: false });
  carrier.setData(bars);
  const plugin = createSeriesMarkers(carrier, []);
  let drawn: DrawnMarker[] = [];
  let spacing = -1;
  const redraw = () => {
    const range = chart.timeScale().getVisibleLogicalRange();
    const width = chart.timeScale().width();
    const s = range && width > 0 ? width / Math.max(1e-9, range.to - range.from) : 6;
    if (Math.abs(s - spacing) <= spacing * 0.01) return;
    spacing = s;
    drawn = thinMarkers(groups, s);
    plugin.setMarkers(
      drawn.map((d): SeriesMarker<Time> => ({ time: at(d.index), position: d.lane, color: d.color, shape: d.shape, text: d.text, id: d.id, ...(isCluster(d) ? { size: 0.6 } : {}) })),
    );
  };
  chart.timeScale().subscribeVisibleLogicalRangeChange(redraw);
  const byId = new Map<string, DrawnMarker>();
  const find = (id: unknown) => {
    if (typeof id !== 'string') return null;
    if (byId.size !== drawn.length || !byId.has(id)) {
      byId.clear();
      for (const d of drawn) byId.set(d.id, d);
    }
    return byId.get(id) ?? null;
  };
  chart.subscribeCrosshairMove((p) => o.onHover?.(find(p.hoveredObjectId), p.point ? { x: p.point.x, y: p.point.y } : null));
  chart.subscribeClick((p) => {
    const d = find(p.hoveredObjectId);
    if (!d) return;
    if (!isCluster(d)) o.onSelect?.(d.members[0]!.tradeId);
    else {
      // A merged marker: zoom to the candles it covers.
      const last = d.members.at(-1)!.index;
      chart.timeScale().setVisibleLogicalRange({ from: d.index - 10, to: Math.max(last, d.index + 40) + 10 });
    }
  });

  // Open trades: the entry and the remaining targets as price lines.
  for (const t of o.openTradeLines === false ? [] : trades.filter((x) => x.open)) {
    series.createPriceLine({ price: t.entryPrice, color: '#2962ff', lineStyle: LineStyle.Dotted, lineWidth: 1, axisLabelVisible: true, title: 'entry' });
    for (const target of t.targets) {
      if (target.skipped || t.exits.some((e) => e.reason === target.reason)) continue;
      series.createPriceLine({ price: target.price, color: '#00897b', lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: true, title: target.reason.toUpperCase() });
    }
  }

  let selectedLines: IPriceLine[] = [];
  const select = (tradeId: string | null) => {
    for (const l of selectedLines) series.removePriceLine(l);
    selectedLines = [];
    const t = tradeId === null ? undefined : trades.find((x) => x.id === tradeId);
    if (!t) return;
    const line = (price: number, color: string, style: LineStyle, title: string) =>
      selectedLines.push(series.createPriceLine({ price, color, lineStyle: style, lineWidth: 1, axisLabelVisible: true, title }));
    line(t.entryPrice, '#2962ff', LineStyle.Dotted, 'entry');
    for (const x of t.targets) line(x.price, x.skipped ? '#9aa5b1' : '#00897b', LineStyle.Dashed, x.skipped ? `${x.reason.toUpperCase()} skipped` : x.reason.toUpperCase());
    line(t.initialStop, '#d32f2f', LineStyle.Solid, 'SL');
    t.stopMoves.forEach((m, k) => line(m.to, '#d32f2f', LineStyle.Dashed, `SL${k + 1} ${m.reason === 'breakeven' ? 'BE' : m.reason.replace('_', ' ')}`));
    const from = candleIndexOf(candles.t, t.entryTimeMs);
    const to = t.open ? candles.t.length - 1 : candleIndexOf(candles.t, t.exits.at(-1)?.timeMs ?? t.entryTimeMs);
    const pad = Math.max(12, Math.round((to - from) * 0.6));
    chart.timeScale().setVisibleLogicalRange({ from: from - pad, to: to + pad });
  };

  chart.timeScale().fitContent();
  fitWhenSized(container, chart);
  redraw();
  return {
    api: chart,
    candles: series,
    updateCandle: (c) => {
      const bar = { time: sec(c.t), open: c.o, high: c.h, low: c.l, close: c.c };
      series.update(bar);
      carrier.update(bar);
    },
    remove: () => chart.remove(),
    groups,
    drawn: () => drawn,
    markers: () => plugin.markers(),
    select,
  };
}
