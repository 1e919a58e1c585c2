import { ColorType, type IChartApi, LineSeries, type UTCTimestamp, createChart } from 'lightweight-charts';
import { MIN_BAR_SPACING, fitWhenSized, localTimeOptions } from './trade-chart.ts';
import type { EquityCurve } from './view-model.ts';

const COLORS = ['#2962ff', '#ff6d00', '#00897b', '#8e24aa', '#6d4c41'];

/** One or more equity curves on one chart (a run, or scaled vs single on the same entries), the whole period fitted. */
export function createEquityChart(container: HTMLElement, curves: readonly EquityCurve[], o: { readonly localTime?: boolean } = {}): IChartApi {
  const local = o.localTime ? localTimeOptions() : null;
  const chart = createChart(container, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: '#ffffff' }, textColor: '#1f2933' },
    grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
    timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: MIN_BAR_SPACING, enableConflation: true, ...(local ? { tickMarkFormatter: local.tickMarkFormatter } : {}) },
    ...(local ? { localization: local.localization } : {}),
  });
  curves.forEach((c, k) => {
    const s = chart.addSeries(LineSeries, { color: COLORS[k % COLORS.length]!, lineWidth: 2, title: c.name, priceLineVisible: false });
    const data: { time: UTCTimestamp; value: number }[] = [];
    for (let i = 0; i < c.t.length; i++) {
      const time = Math.floor(c.t[i]! / 1000) as UTCTimestamp;
      if (data.length && data[data.length - 1]!.time >= time) data[data.length - 1]!.value = c.v[i]!;
      else data.push({ time, value: c.v[i]! });
    }
    s.setData(data);
  });
  chart.timeScale().fitContent();
  fitWhenSized(container, chart);
  return chart;
}
