import {
  CandlestickSeries,
  ColorType,
  type IChartApi,
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
import type { CandleColumns, TradeView } from './view-model.ts';

const sec = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

export interface TradeChartOptions {
  readonly timeframeMs: number;
  readonly priceDecimals: number;
  /** Axis and crosshair times in the viewer's time zone (the dashboard); UTC by default (the report). */
  readonly localTime?: boolean;
  /** Draw the entry and remaining targets of open trades as price lines (default true); false: the caller draws its own. */
  readonly openTradeLines?: boolean;
}

/** A drawn trade chart: the report only removes it; the dashboard also moves its last candle live. */
export interface TradeChart {
  readonly api: IChartApi;
  /** The candle series, for price lines the caller draws itself (the dashboard's labelled stop and targets). */
  readonly candles: ISeriesApi<'Candlestick'>;
  /** Adds a candle, or replaces the last one when it has the same open time (a forming candle). */
  updateCandle(c: { readonly t: number; readonly o: number; readonly h: number; readonly l: number; readonly c: number }): void;
  remove(): void;
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

/**
 * Candles with every entry and partial exit marked, the stop ladder drawn as steps (R8.5), and the
 * take-profit targets of open trades. Used by the backtest report and the dashboard.
 */
export function createTradeChart(container: HTMLElement, candles: CandleColumns, trades: readonly TradeView[], o: TradeChartOptions): TradeChart {
  const local = o.localTime ? localTimeOptions() : null;
  const chart = createChart(container, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: '#ffffff' }, textColor: '#1f2933' },
    grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
    timeScale: { timeVisible: true, secondsVisible: false, ...(local ? { tickMarkFormatter: local.tickMarkFormatter } : {}) },
    localization: { priceFormatter: (p: number) => p.toFixed(o.priceDecimals), ...(local ? local.localization : {}) },
  });
  const series: ISeriesApi<'Candlestick'> = chart.addSeries(CandlestickSeries, {
    upColor: '#26a69a',
    downColor: '#ef5350',
    borderVisible: false,
    wickUpColor: '#26a69a',
    wickDownColor: '#ef5350',
  });
  series.setData(candles.t.map((t, i) => ({ time: sec(t), open: candles.o[i]!, high: candles.h[i]!, low: candles.l[i]!, close: candles.c[i]! })));

  // Markers sit on the candle that contains them (an exit found on detail data lies inside one).
  const bar = (ms: number) => sec(ms - (((ms - (candles.t[0] ?? 0)) % o.timeframeMs) + o.timeframeMs) % o.timeframeMs);
  const markers: SeriesMarker<Time>[] = [];
  for (const t of trades) {
    const long = t.side === 'long';
    markers.push({ time: bar(t.entryTimeMs), position: long ? 'belowBar' : 'aboveBar', color: '#2962ff', shape: long ? 'arrowUp' : 'arrowDown', text: long ? 'L' : 'S' });
    for (const e of t.exits) {
      const tp = e.reason.startsWith('tp'); // the single take-profit (`tp`) has no level
      markers.push({
        time: bar(e.timeMs),
        position: long ? 'aboveBar' : 'belowBar',
        color: tp ? '#00897b' : e.reason === 'stop' ? '#d32f2f' : '#6d4c41',
        shape: 'circle',
        text: e.reason,
      });
    }
  }
  markers.sort((a, b) => (a.time as number) - (b.time as number));
  createSeriesMarkers(series, markers);

  // The stop ladder: one stepped line, broken between trades by whitespace points.
  const stop = chart.addSeries(LineSeries, { color: '#d32f2f', lineWidth: 2, lineType: LineType.WithSteps, lastValueVisible: false, priceLineVisible: false });
  const points: { time: UTCTimestamp; value?: number }[] = [];
  const push = (time: UTCTimestamp, value?: number) => {
    const last = points.at(-1);
    if (last && last.time >= time) {
      if (value !== undefined && last.time === time) last.value = value;
      return;
    }
    points.push(value === undefined ? { time } : { time, value });
  };
  const lastTime = candles.t.at(-1) ?? 0;
  for (const t of [...trades].sort((a, b) => a.entryTimeMs - b.entryTimeMs)) {
    push(bar(t.entryTimeMs), t.initialStop);
    for (const m of t.stopMoves) push(bar(m.timeMs), m.to);
    const end = t.open ? lastTime : (t.exits.at(-1)?.timeMs ?? t.entryTimeMs);
    push(bar(end), t.stopMoves.at(-1)?.to ?? t.initialStop);
    push((bar(end) + Math.max(1, o.timeframeMs / 2000)) as UTCTimestamp);
  }
  stop.setData(points as never);

  // Open trades: the entry and the remaining targets as price lines.
  for (const t of o.openTradeLines === false ? [] : trades.filter((x) => x.open)) {
    series.createPriceLine({ price: t.entryPrice, color: '#2962ff', lineStyle: LineStyle.Dotted, lineWidth: 1, axisLabelVisible: true, title: 'entry' });
    for (const target of t.targets) {
      if (target.skipped || t.exits.some((e) => e.reason === target.reason)) continue;
      series.createPriceLine({ price: target.price, color: '#00897b', lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: true, title: target.reason.toUpperCase() });
    }
  }
  chart.timeScale().fitContent();
  fitWhenSized(container, chart);
  return {
    api: chart,
    candles: series,
    updateCandle: (c) => series.update({ time: sec(c.t), open: c.o, high: c.h, low: c.l, close: c.c }),
    remove: () => chart.remove(),
  };
}
