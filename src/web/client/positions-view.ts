import type { CandlesResponse, PositionCardView, PositionsResponse, StreamMessages, SymbolInfo } from '../components/dashboard-model.ts';
import { el } from '../components/format.ts';
import { renderPositionCard } from '../components/position-card.ts';
import { type TradeChart, createTradeChart } from '../components/trade-chart.ts';
import { fmtNum } from '../components/format.ts';
import { type AutoscaleInfo, LineStyle } from 'lightweight-charts';
import { getJson } from './api.ts';
import { fmtLocal } from './time.ts';

interface Bar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
}

/** A symbol's candles as the charts show them: the stored closed ones, then one forming from the live prices. */
class SymbolCandles {
  readonly closed: Bar[] = [];
  forming: Bar | null = null;
  constructor(readonly timeframeMs: number) {}

  /**
   * Adds a closed candle. Returns it when the charts should draw it, null when they must not: a candle
   * older than their newest bar (the stream can repeat one the page already loaded, or close one while
   * a newer forming bar is drawn) — lightweight-charts throws "Cannot update oldest data" on those.
   */
  addClosed(b: Bar): Bar | null {
    const last = this.closed.at(-1);
    if (last && b.t < last.t) return null;
    const newest = this.forming ?? last;
    if (last && b.t === last.t) this.closed[this.closed.length - 1] = b;
    else this.closed.push(b);
    if (this.forming && this.forming.t <= b.t) this.forming = null;
    return newest && b.t < newest.t ? null : b;
  }

  /** A live price: it belongs to the candle after the last closed one (whatever the clocks say). */
  addPrice(price: number): Bar | null {
    const last = this.closed.at(-1);
    if (!last) return null;
    const t = last.t + this.timeframeMs;
    if (!this.forming || this.forming.t !== t) this.forming = { t, o: last.c, h: Math.max(last.c, price), l: Math.min(last.c, price), c: price };
    else this.forming = { t, o: this.forming.o, h: Math.max(this.forming.h, price), l: Math.min(this.forming.l, price), c: price };
    return this.forming;
  }

  columns() {
    const all = this.forming ? [...this.closed, this.forming] : this.closed;
    return { t: all.map((b) => b.t), o: all.map((b) => b.o), h: all.map((b) => b.h), l: all.map((b) => b.l), c: all.map((b) => b.c) };
  }
}

interface CardState {
  readonly article: HTMLElement;
  body: HTMLElement;
  readonly chartBox: HTMLElement;
  chart: TradeChart | null;
  /** Puts the line tags back on their lines (after the chart changed). */
  placeTags: () => void;
  /** Exits and stop moves drawn on the chart: a change redraws it. */
  drawnKey: string;
  view: PositionCardView;
}

/** Candles shown before a position's entry. */
const BEFORE_ENTRY = 60;

const tradeKey = (p: PositionCardView) => `${p.trade.exits.length}/${p.trade.stopMoves.length}`;

/** The Positions tab (R8.1–R8.3): a card per open position, its ladder, and a live candle chart. */
export class PositionsView {
  readonly root = el('section', { id: 'positions-tab', class: 'tab' });
  private readonly list = el('div', { class: 'positions' });
  private readonly empty = el('p', { class: 'empty' }, 'No open position.');
  private readonly cards = new Map<string, CardState>();
  private readonly candles = new Map<string, SymbolCandles | Promise<SymbolCandles | null>>();
  private symbols = new Map<string, SymbolInfo>();

  constructor() {
    this.root.append(el('h2', {}, 'Open positions'), this.empty, this.list);
  }

  private fmt(symbol: string) {
    const s = this.symbols.get(symbol);
    return { priceDecimals: s?.priceDecimals ?? 2, qtyDecimals: s?.qtyDecimals ?? 3, fmtTime: fmtLocal };
  }

  update(r: PositionsResponse): void {
    this.symbols = new Map(r.symbols.map((s) => [s.symbol, s]));
    const seen = new Set<string>();
    for (const p of r.positions) {
      seen.add(p.id);
      let c = this.cards.get(p.id);
      const body = renderPositionCard(p, this.fmt(p.symbol));
      if (!c) {
        const chartBox = el('div', { class: 'chart small' });
        const article = el('article', { class: 'position', 'data-position-id': p.id, 'data-symbol': p.symbol }, body, chartBox);
        c = { article, body, chartBox, chart: null, placeTags: () => undefined, drawnKey: '', view: p };
        this.cards.set(p.id, c);
        this.list.append(article);
      } else {
        c.body.replaceWith(body);
        c.body = body;
        c.view = p;
      }
      if (c.drawnKey !== tradeKey(p)) void this.drawChart(c);
    }
    for (const [id, c] of this.cards) {
      if (seen.has(id)) continue;
      c.chart?.remove();
      c.article.remove();
      this.cards.delete(id);
      // The next position of this symbol loads its own window of candles.
      if (![...this.cards.values()].some((x) => x.view.symbol === c.view.symbol)) this.candles.delete(c.view.symbol);
    }
    this.empty.hidden = this.cards.size > 0;
  }

  onCandle(m: StreamMessages['candle']): void {
    const sc = this.candles.get(m.symbol);
    if (!(sc instanceof SymbolCandles)) return;
    const bar = sc.addClosed({ t: m.t, o: m.o, h: m.h, l: m.l, c: m.c });
    if (!bar) return;
    for (const c of this.cards.values()) if (c.view.symbol === m.symbol) this.drawBar(c, bar);
  }

  onPrices(m: StreamMessages['prices']): void {
    for (const p of m.prices) {
      const sc = this.candles.get(p.symbol);
      if (!(sc instanceof SymbolCandles)) continue;
      const bar = sc.addPrice(p.price);
      if (!bar) continue;
      for (const c of this.cards.values()) if (c.view.symbol === p.symbol) this.drawBar(c, bar);
    }
  }

  private drawBar(c: CardState, bar: Bar): void {
    if (!c.chart) return;
    c.chart.updateCandle(bar);
    c.placeTags();
  }

  /** The symbol's candles from a while before its position's entry (at least the last 60), loaded once. */
  private async candlesOf(symbol: string, entryTimeMs: number): Promise<SymbolCandles | null> {
    const known = this.candles.get(symbol);
    if (known) return known;
    const tf = this.symbols.get(symbol)?.timeframeMs ?? null;
    const from = tf === null ? undefined : entryTimeMs - BEFORE_ENTRY * tf;
    const load = getJson<CandlesResponse>('/api/candles', { symbol, from, limit: 2000 }).then((r) => {
      if (r.timeframeMs === null) {
        this.candles.delete(symbol);
        return null;
      }
      const sc = new SymbolCandles(r.timeframeMs);
      r.candles.t.forEach((t, i) => sc.addClosed({ t, o: r.candles.o[i]!, h: r.candles.h[i]!, l: r.candles.l[i]!, c: r.candles.c[i]! }));
      this.candles.set(symbol, sc);
      return sc;
    });
    this.candles.set(symbol, load);
    return load;
  }

  private async drawChart(c: CardState): Promise<void> {
    const key = tradeKey(c.view);
    c.drawnKey = key;
    const sc = await this.candlesOf(c.view.symbol, c.view.entryTimeMs).catch(() => null);
    if (!this.cards.has(c.view.id) || c.drawnKey !== key) return;
    if (!sc || sc.closed.length === 0) {
      c.chartBox.replaceChildren(el('p', { class: 'empty' }, 'No stored candles for this symbol yet.'));
      return;
    }
    c.chart?.remove();
    c.chartBox.replaceChildren();
    c.chart = createTradeChart(c.chartBox, sc.columns(), [c.view.trade], { timeframeMs: sc.timeframeMs, priceDecimals: this.fmt(c.view.symbol).priceDecimals, localTime: true, openTradeLines: false });
    c.placeTags = drawPositionLines(c.chart, c.view, this.fmt(c.view.symbol).priceDecimals, c.chartBox);
  }
}

/**
 * The open position's levels as labelled price lines ([views] 17): the stop solid red with its price on
 * the axis (the one line whose price matters at a glance); the entry and the remaining targets as plain
 * lines whose labels sit at the chart's left edge (HTML tags kept on their lines), so that nothing but
 * the stop and the last price covers the price axis. Returns the function that puts the tags back on
 * their lines (after a candle update).
 */
function drawPositionLines(chart: TradeChart, p: PositionCardView, decimals: number, box: HTMLElement): () => void {
  const s = chart.candles;
  const tagged: { price: number; text: string; cls: string }[] = [{ price: p.entryPrice, text: `entry ${fmtNum(p.entryPrice, decimals)}`, cls: 'entry' }];
  s.createPriceLine({ price: p.entryPrice, color: '#2962ff', lineStyle: LineStyle.Dotted, lineWidth: 1, axisLabelVisible: false, title: '' });
  for (const l of p.levels) {
    if (l.hit || l.skipped) continue;
    s.createPriceLine({ price: l.targetPrice, color: '#00897b', lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: false, title: '' });
    tagged.push({ price: l.targetPrice, text: `${l.reason.toUpperCase()} ${fmtNum(l.targetPrice, decimals)}`, cls: 'tp' });
  }
  s.createPriceLine({ price: p.stopPrice, color: '#d32f2f', lineStyle: LineStyle.Solid, lineWidth: 2, axisLabelVisible: true, title: 'stop' });
  tagged.push({ price: p.stopPrice, text: `stop ${fmtNum(p.stopPrice, decimals)}`, cls: 'stop' });
  // Price lines do not widen the price scale by themselves: keep the entry, the stop and the next target in view.
  const keep = [p.entryPrice, p.stopPrice, ...(p.nextTarget ? [p.nextTarget.price] : [])];
  s.applyOptions({
    autoscaleInfoProvider: (base: () => AutoscaleInfo | null) => {
      const r = base();
      if (!r?.priceRange) return r;
      return { ...r, priceRange: { minValue: Math.min(r.priceRange.minValue, ...keep), maxValue: Math.max(r.priceRange.maxValue, ...keep) } };
    },
  });
  // Lines at one price (the stop at breakeven is the entry) share one tag.
  const merged = new Map<number, { price: number; text: string; cls: string }>();
  for (const t of tagged) {
    const m = merged.get(t.price);
    merged.set(t.price, m ? { price: t.price, text: `${t.text} · ${m.text}`, cls: t.cls } : t);
  }
  const tags = [...merged.values()].map((t) => ({ ...t, node: el('span', { class: `line-tag ${t.cls}`, 'data-price': String(t.price) }, t.text) }));
  box.querySelector('.line-tags')?.remove();
  box.append(el('div', { class: 'line-tags', 'aria-hidden': 'true' }, ...tags.map((t) => t.node)));
  const place = () => {
    for (const t of tags) {
      const y = s.priceToCoordinate(t.price);
      t.node.hidden = y === null;
      if (y !== null) t.node.style.top = `${Math.round(y)}px`;
    }
  };
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      place();
    });
  };
  chart.api.timeScale().subscribeVisibleLogicalRangeChange(schedule);
  chart.api.timeScale().subscribeSizeChange(schedule);
  schedule();
  return schedule;
}
