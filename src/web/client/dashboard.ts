import type { FeedView, PositionsResponse, StreamMessages } from '../components/dashboard-model.ts';
import { el } from '../components/format.ts';
import { type StreamState, LiveStream, getJson } from './api.ts';
import { AnalyticsView } from './analytics-view.ts';
import { type UrlFilters, readUrlFilters, writeUrlFilters } from './filters.ts';
import { HistoryView } from './history-view.ts';
import { PositionsView } from './positions-view.ts';
import { AccountSummary } from './risk-line.ts';
import { RunPanel, endedText } from './run-panel.ts';
import { SignalsView } from './signals-view.ts';
import { timeZoneName } from './time.ts';

type Tab = 'positions' | 'history' | 'analytics';
const TABS: readonly Tab[] = ['positions', 'history', 'analytics'];
/** The account summary is read again at most this often while prices move. */
const ACCOUNT_EVERY_MS = 2000;

/** The dashboard page: three tabs over the server's API, kept current by its event stream. */
function main(): void {
  const app = document.getElementById('app')!;
  const conn = el('span', { class: 'conn', id: 'conn', role: 'status', 'aria-live': 'polite' }, 'connecting…');
  const run = new RunPanel();
  app.append(el('header', { class: 'dash' }, el('h1', {}, 'Ladder'), run.line, el('span', { class: 'tz', id: 'tz' }, `times: ${timeZoneName()}`), conn));
  const positions = new PositionsView();
  const account = new AccountSummary(); // equity, margin, PnL and the risk limits, above the cards
  positions.root.prepend(run.root, account.root);
  const navigate = (f: UrlFilters) => {
    writeUrlFilters(f);
    applyUrl();
  };
  const history = new HistoryView(navigate);
  const signals = new SignalsView(); // received webhook signals, listed under the trade history
  history.root.append(signals.root);
  const analytics = new AnalyticsView(navigate);
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
  // The filters and History's page live in the query string: a change is a new history entry, and
  // back/forward (popstate) shows what that entry says.
  function applyUrl(): void {
    const f = readUrlFilters();
    history.show(f);
    analytics.show(f);
    stale.history = true;
    stale.analytics = true;
    if (current !== 'positions') refresh(current);
  }
  window.addEventListener('popstate', applyUrl);
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
        : feed?.state === 'ended' && feed.ended
          ? ['ended', endedText(feed.ended).short, endedText(feed.ended).long]
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

  let lastAccountMs = -Infinity;
  let accountTimer: number | null = null;
  /** The account summary after a change, at most every ACCOUNT_EVERY_MS. */
  const loadAccount = () => {
    if (accountTimer !== null) return;
    const wait = Math.max(0, lastAccountMs + ACCOUNT_EVERY_MS - Date.now());
    accountTimer = window.setTimeout(() => {
      accountTimer = null;
      lastAccountMs = Date.now();
      void account.load();
    }, wait);
  };

  let lastEventId = -1;
  let changeTimer: number | null = null;
  const changed = () => {
    loadAccount();
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
    const before = feed?.state;
    feed = r.feed;
    if (before !== feed.state) void run.load();
    paint();
    positions.update(r);
    loadAccount(); // prices moved: unrealised PnL and margin
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
        void run.load();
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
  void run.load();
  void account.load();
  // A bot in another process writes its heartbeat and balance: read them now and then.
  window.setInterval(() => {
    void run.load();
    loadAccount();
  }, 15_000);
  const f = readUrlFilters();
  history.show(f);
  analytics.show(f);
  const initial = location.hash.slice(1) as Tab;
  show(TABS.includes(initial) ? initial : 'positions');
}

function replaceHash(t: Tab): void {
  window.history.replaceState(null, '', `${location.pathname}${location.search}#${t}`);
}

main();
