import type { FeedView, PositionsResponse, StreamMessages } from '../components/dashboard-model.ts';
import { el } from '../components/format.ts';
import { type StreamState, LiveStream, getJson } from './api.ts';
import { AnalyticsView } from './analytics-view.ts';
import { HistoryView } from './history-view.ts';
import { PositionsView } from './positions-view.ts';
import { RiskLine } from './risk-line.ts';
import { SignalsView } from './signals-view.ts';
import { timeZoneName } from './time.ts';

type Tab = 'positions' | 'history' | 'analytics';
const TABS: readonly Tab[] = ['positions', 'history', 'analytics'];

/** The dashboard page: three tabs over the server's API, kept current by its event stream. */
function main(): void {
  const app = document.getElementById('app')!;
  const conn = el('span', { class: 'conn', id: 'conn', role: 'status', 'aria-live': 'polite' }, 'connecting…');
  app.append(el('header', { class: 'dash' }, el('h1', {}, 'Ladder'), el('span', { class: 'tz' }, `times: ${timeZoneName()}`), conn));
  const positions = new PositionsView();
  const risk = new RiskLine(); // the risk limit stopping entries, under the Positions heading
  positions.root.firstElementChild?.after(risk.root);
  const history = new HistoryView();
  const signals = new SignalsView(); // received webhook signals, listed under the trade history
  history.root.append(signals.root);
  const analytics = new AnalyticsView();
  const views: Record<Tab, { root: HTMLElement }> = { positions, history, analytics };
  const buttons = TABS.map((t) => el('button', { type: 'button', role: 'tab', id: `tab-${t}`, 'aria-controls': `${t}-tab`, 'data-tab': t }, t[0]!.toUpperCase() + t.slice(1)));
  app.append(el('nav', { class: 'tabs', role: 'tablist' }, ...buttons));
  const main = el('main');
  for (const t of TABS) main.append(views[t].root);
  app.append(main);

  let current: Tab = 'positions';
  // History and Analytics reload when shown after a change, or at once when visible.
  const stale: Record<'history' | 'analytics', boolean> = { history: true, analytics: true };
  const refresh = (t: Tab) => {
    if (t === 'positions') return;
    stale[t] = false;
    if (t === 'history') void signals.load();
    void (t === 'history' ? history.load() : analytics.load());
  };
  const show = (t: Tab) => {
    current = t;
    for (const x of TABS) views[x].root.hidden = x !== t;
    for (const b of buttons) b.setAttribute('aria-selected', String(b.dataset.tab === t));
    if (t !== 'positions' && stale[t]) refresh(t);
    if (location.hash !== `#${t}`) replaceHash(t);
  };
  for (const b of buttons) b.addEventListener('click', () => show(b.dataset.tab as Tab));
  window.addEventListener('hashchange', () => {
    const t = location.hash.slice(1) as Tab;
    if (TABS.includes(t) && t !== current) show(t);
  });

  let streamState: StreamState = 'connecting';
  let feed: FeedView | null = null;
  const paint = () => {
    const [cls, text, title] =
      streamState !== 'live'
        ? streamState === 'connecting'
          ? ['reconnecting', 'connecting…', 'opening the live stream']
          : ['reconnecting', 'reconnecting…', 'the connection to the dashboard server dropped; retrying']
        : feed?.state === 'down'
          ? ['down', 'feed down', `the bot has not reached the exchange recently${feed.lastError ? `: ${feed.lastError}` : ''}`]
          : feed?.state === 'standalone'
            ? ['live', 'live · stored prices', 'standalone dashboard: updates come from the store; prices are the last stored candle closes']
            : ['live', 'live', 'live: updates are pushed as they happen'];
    conn.className = `conn ${cls}`;
    conn.textContent = text;
    conn.title = title;
    document.body.dataset.conn = cls;
  };

  let lastEventId = -1;
  let changeTimer: number | null = null;
  const changed = () => {
    void risk.load();
    stale.history = true;
    stale.analytics = true;
    if (changeTimer !== null) return;
    changeTimer = window.setTimeout(() => {
      changeTimer = null;
      if (current !== 'positions') refresh(current);
    }, 300);
  };
  let snapshotMs = -Infinity;
  const onPositions = (r: PositionsResponse) => {
    if (r.serverTimeMs < snapshotMs) return; // an older snapshot arriving late
    snapshotMs = r.serverTimeMs;
    feed = r.feed;
    paint();
    positions.update(r);
    if (r.lastEventId !== lastEventId) {
      if (lastEventId !== -1) changed();
      lastEventId = r.lastEventId;
    }
    document.body.dataset.ready = 'true';
  };
  new LiveStream(
    {
      positions: (d) => onPositions(d as PositionsResponse),
      event: (d) => {
        const e = d as StreamMessages['event'];
        if (e.type === 'fill.applied' || e.type === 'position.closed' || e.type === 'plan.made') changed();
      },
      prices: (d) => positions.onPrices(d as StreamMessages['prices']),
      candle: (d) => positions.onCandle(d as StreamMessages['candle']),
      feed: (d) => {
        feed = d as FeedView;
        paint();
      },
    },
    (s) => {
      streamState = s;
      paint();
    },
  );
  // A first snapshot without waiting for the stream (it also comes on the stream's first message).
  getJson<PositionsResponse>('/api/positions').then(onPositions, () => undefined);
  void risk.load();
  const initial = location.hash.slice(1) as Tab;
  show(TABS.includes(initial) ? initial : 'positions');
}

function replaceHash(t: Tab): void {
  window.history.replaceState(null, '', `${location.pathname}${location.search}#${t}`);
}

main();
