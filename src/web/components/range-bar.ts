import type { IChartApi, Time, UTCTimestamp } from 'lightweight-charts';
import { el, fmtTimeUtc } from './format.ts';

const DAY_MS = 86_400_000;
/** Preset spans; `All` fits the whole period. */
const SPANS: readonly (readonly [string, number | null])[] = [
  ['1M', 30 * DAY_MS],
  ['3M', 91 * DAY_MS],
  ['1Y', 365 * DAY_MS],
  ['All', null],
];

const ms = (t: Time) => (t as number) * 1000;

/**
 * Range buttons (1M, 3M, 1Y, All) and the period shown, for a chart whose whole period is `bounds`
 * (ms UTC; shown in UTC). A span ends where the view ends now (so it zooms in where the reader is), never past the
 * data; the button whose span is on screen is pressed.
 */
export function createRangeBar(chart: IChartApi, bounds: { readonly fromMs: number; readonly toMs: number }): HTMLElement {
  const shown = el('span', { class: 'shown' });
  const buttons = SPANS.map(([label, span]) => {
    const b = el('button', { type: 'button', 'data-range': label, 'aria-pressed': 'false' }, label);
    b.addEventListener('click', () => {
      if (span === null) {
        chart.timeScale().fitContent();
        return;
      }
      const now = chart.timeScale().getVisibleRange();
      const to = Math.min(bounds.toMs, now ? ms(now.to) : bounds.toMs);
      const from = Math.max(bounds.fromMs, to - span);
      chart.timeScale().setVisibleRange({ from: Math.floor(from / 1000) as UTCTimestamp, to: Math.floor(Math.max(to, from + span) / 1000) as UTCTimestamp });
    });
    return b;
  });
  const update = () => {
    const r = chart.timeScale().getVisibleRange();
    if (!r) return;
    const [a, b] = [ms(r.from), ms(r.to)];
    const days = (b - a) / DAY_MS;
    shown.textContent = `${fmtTimeUtc(a)} → ${fmtTimeUtc(b)} UTC · ${days >= 2 ? `${Math.round(days).toLocaleString('en-US')} days` : `${Math.round(days * 24)} h`}`;
    const all = a <= bounds.fromMs + DAY_MS && b >= bounds.toMs - 2 * DAY_MS;
    SPANS.forEach(([, span], k) => {
      const on = span === null ? all : !all && Math.abs(b - a - span) <= span * 0.1;
      buttons[k]!.setAttribute('aria-pressed', String(on));
    });
  };
  chart.timeScale().subscribeVisibleTimeRangeChange(update);
  update();
  return el('div', { class: 'range' }, ...buttons, ' ', shown);
}
