import { describe, expect, it } from 'vitest';
import type { Position } from '../../../src/core/index.ts';
import { openStore, type Store, tradesCsv } from '../../../src/store/index.ts';
import type { HistoryResponse } from '../../../src/web/components/dashboard-model.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { MarketBook } from '../../../src/web/server/market-book.ts';
import { historyCsv, historyView } from '../../../src/web/server/views.ts';
import { tradeView } from '../../../src/web/trade-view.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { DAY, DAY0, storeOfClosedTrades, storeWithManyTrades } from '../many-trades-store.ts';
import { mostCallsPerTurn, recordingStore } from '../recording-store.ts';
import { storeWithTrades } from '../store-fixture.ts';

/** GET /api/history as it was computed before ([views] follow-up), verbatim: every trade of the history read in full, per page. */
function historyBefore(store: Store, q: { symbol?: string; fromMs?: number; toMs?: number }, page: number, pageSize: number): Omit<HistoryResponse, 'symbols'> {
  const all = store.tradeHistory({ ...q, includeOpen: true }).reverse();
  const pages = Math.max(1, Math.ceil(all.length / pageSize));
  const p = Math.min(Math.max(1, page), pages);
  const trades = all
    .slice((p - 1) * pageSize, p * pageSize)
    .map((r) => store.getPosition(r.positionId))
    .filter((x): x is Position => x !== null)
    .map(tradeView);
  return { trades, total: all.length, closed: all.filter((t) => t.status === 'closed').length, realisedPnl: all.reduce((s, t) => s + t.pnl, 0), page: p, pageSize, pages };
}

const withoutSymbols = ({ symbols: _s, ...rest }: HistoryResponse) => rest;

describe('GET /api/history over many trades', () => {
  const fx = storeWithManyTrades({ days: 5, perDay: 40 });

  it('answers the same JSON as before for every page, page size and filter, over HTTP', async () => {
    const dash: Dashboard = await startDashboard({ dbPath: fx.dbPath, port: 0, mode: 'standalone', config: testConfig() });
    const store = openStore(fx.dbPath);
    try {
      const cases: { query: string; q: { symbol?: string; fromMs?: number; toMs?: number }; page: number; pageSize: number }[] = [
        { query: '', q: {}, page: 1, pageSize: 50 },
        { query: 'page=2', q: {}, page: 2, pageSize: 50 },
        { query: 'page=999', q: {}, page: 999, pageSize: 50 },
        { query: 'pageSize=7&page=3', q: {}, page: 3, pageSize: 7 },
        { query: 'pageSize=500', q: {}, page: 1, pageSize: 500 },
        { query: 'symbol=BTCUSDT&pageSize=13&page=2', q: { symbol: 'BTCUSDT' }, page: 2, pageSize: 13 },
        { query: 'symbol=ETHUSDT', q: { symbol: 'ETHUSDT' }, page: 1, pageSize: 50 },
        { query: `from=${DAY0 + DAY}&to=${DAY0 + 3 * DAY}&page=2`, q: { fromMs: DAY0 + DAY, toMs: DAY0 + 3 * DAY }, page: 2, pageSize: 50 },
        { query: `from=${DAY0 + 4 * DAY}`, q: { fromMs: DAY0 + 4 * DAY }, page: 1, pageSize: 50 },
      ];
      for (const c of cases) {
        const res = await fetch(`${dash.url}api/history${c.query ? `?${c.query}` : ''}`);
        expect(res.status, c.query).toBe(200);
        const body = (await res.json()) as HistoryResponse;
        const before = JSON.parse(JSON.stringify(historyBefore(store, c.q, c.page, c.pageSize))) as Omit<HistoryResponse, 'symbols'>;
        expect(withoutSymbols(body), c.query).toEqual(before);
        // The same double, not merely close (JSON keeps every double's digits).
        expect(Object.is(body.realisedPnl, before.realisedPnl), c.query).toBe(true);
      }
      // Not vacuous: 200 day trades, 4 overnight ones and the open position; the open one is first (newest entry).
      const first = (await (await fetch(`${dash.url}api/history`)).json()) as HistoryResponse;
      expect(first.total).toBe(fx.trades + 1);
      expect(first.closed).toBe(fx.trades);
      expect(first.trades[0]!.id).toBe('BTCUSDT-open');
      expect(first.realisedPnl).not.toBe(0);
    } finally {
      store.close();
      await dash.close();
    }
  });

  it('a page or page size of 0 is a 400 naming it, as a negative one is (before: taken for 1, a 200 for a page nobody asked for)', async () => {
    const dash: Dashboard = await startDashboard({ dbPath: fx.dbPath, port: 0, mode: 'standalone', config: testConfig() });
    try {
      for (const [query, message] of [
        ['page=0', 'page: not a positive integer: 0'],
        ['pageSize=0', 'pageSize: not a positive integer: 0'],
        ['page=-1', 'page: not a positive integer: -1'],
      ] as const) {
        const res = await fetch(`${dash.url}api/history?${query}`);
        expect(res.status, query).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message, query).toBe(message);
      }
    } finally {
      await dash.close();
    }
  });

  it('reads only the page in full: no call reads the trade history, one position read per trade of the page', () => {
    const real = openStore(fx.dbPath);
    try {
      const calls: string[] = [];
      const store = recordingStore(real, calls);
      const book = new MarketBook(real);
      const body = historyView(store, book, {}, { page: 3, pageSize: 20 });
      expect(body.trades).toHaveLength(20);
      expect(calls).not.toContain('tradeHistory');
      expect(calls.filter((c) => c === 'getPosition')).toHaveLength(20);
      expect(calls.filter((c) => c !== 'getPosition')).toEqual(['historyIndex']);
    } finally {
      real.close();
    }
  });
});

describe('GET /api/history over the dashboard fixture store (open and closed trades)', () => {
  it('answers as before for its symbol, one it has not and all', () => {
    const { dbPath } = storeWithTrades();
    const store = openStore(dbPath);
    try {
      const book = new MarketBook(store);
      const symbols = [...new Set(store.tradeHistory({ includeOpen: true }).map((t) => t.symbol))];
      expect(symbols).toHaveLength(1);
      for (const q of [{}, { symbol: 'ETHUSDT' }, ...symbols.map((symbol) => ({ symbol }))]) {
        for (const pageSize of [1, 2, 50]) {
          const body = historyView(store, book, q, { page: 2, pageSize });
          expect(withoutSymbols(body), JSON.stringify({ q, pageSize })).toEqual(historyBefore(store, q, 2, pageSize));
        }
      }
    } finally {
      store.close();
    }
  });
});

describe('GET /api/history.csv over a long store', () => {
  it('reads the trades a slice at a time, each once: the text tradesCsv makes of tradeHistory, never the whole history in one turn of the loop', async () => {
    // 4,000 closed trades and an open one: the route read them all in one call (tradeHistory), holding
    // the bot's process while the download was made.
    const real = openStore(storeOfClosedTrades(4000));
    try {
      const cases = [{}, { symbol: 'BTCUSDT', fromMs: DAY0 + 10 * DAY, toMs: DAY0 + 11 * DAY }, { symbol: 'ETHUSDT' }];
      for (const q of cases) {
        const calls: string[] = [];
        const perTurn = mostCallsPerTurn(calls);
        const csv = await textOf(historyCsv(recordingStore(real, calls), q));
        const most = perTurn.stop();
        const all = real.tradeHistory({ ...q, includeOpen: true });
        expect(csv, JSON.stringify(q)).toBe(tradesCsv(all));
        expect(calls).not.toContain('tradeHistory');
        expect(calls.filter((c) => c === 'tradeRecord')).toHaveLength(all.length);
        // Not every trade in one turn: the loop was given back in between (a slice reads a few hundred).
        if (all.length > 1000) expect(most).toBeLessThan(all.length);
      }
      expect(real.tradeHistory({ includeOpen: true }).length).toBeGreaterThan(4000);
    } finally {
      real.close();
    }
  }, 60_000);

  it('hands the text on a slice at a time: the first rows leave before the last trade is read, so the bot never holds the whole history or its text', async () => {
    const real = openStore(storeOfClosedTrades(4000));
    try {
      const calls: string[] = [];
      const reads = () => calls.filter((c) => c === 'tradeRecord').length;
      const chunks = historyCsv(recordingStore(real, calls), {});
      const total = real.historyIndex().ids.length;
      let firstAt = -1;
      let text = '';
      for await (const chunk of chunks) {
        if (firstAt < 0) firstAt = reads();
        text += chunk;
      }
      expect(text).toBe(tradesCsv(real.tradeHistory({ includeOpen: true })));
      expect(reads()).toBe(total);
      expect(firstAt).toBeGreaterThan(0);
      expect(firstAt).toBeLessThan(total);
    } finally {
      real.close();
    }
  }, 60_000);
});

async function textOf(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const c of chunks) text += c;
  return text;
}
