import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TRADES_CSV_COLUMNS, openStore } from '../../src/store/index.ts';
import { fundingBooked } from '../../src/core/index.ts';
import { HOUR, T0, drive, open, storeWithTrades } from '../web/store-fixture.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function ladder(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) =>
    execFile('node', ['bin/ladder.js', ...args], { cwd: ROOT }, (e, out, err) => done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err })),
  );
}

/** Minimal RFC 4180 reader (quoted fields with "" inside), enough to read our own output back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  return rows;
}

/** The store's own exits table, joined to its positions: what the CSV must equal, row for row. */
function storeExits(dbPath: string, where = '1 = 1', params: unknown[] = []) {
  const db = new Database(dbPath, { readonly: true });
  const rows = db
    .prepare(
      `SELECT p.id, p.symbol, p.side, p.status, p.entry_time_ms, p.entry_price, p.entry_fee, e.seq, e.time_ms, e.reason, e.level, e.price, e.qty_steps, e.fee, e.pnl, e.client_order_id, e.order_id
       FROM exits e JOIN positions p ON p.id = e.position_id WHERE ${where} ORDER BY p.entry_time_ms, p.id, e.seq`,
    )
    .all(...params) as Record<string, string | number | null>[];
  db.close();
  return rows;
}

/** A CSV row back in the exits table's terms (quantity in steps of BTCUSDT's 0.001). */
function asStoreRow(r: Record<string, string>) {
  return {
    id: r['trade_id'],
    symbol: r['symbol'],
    side: r['side'],
    status: r['status'],
    entry_time_ms: Date.parse(r['entry_time']!),
    entry_price: Number(r['entry_price']),
    entry_fee: Number(r['entry_fee']),
    seq: Number(r['exit_seq']),
    time_ms: Date.parse(r['exit_time']!),
    reason: r['exit_reason'],
    level: r['exit_level'] === '' ? null : Number(r['exit_level']),
    price: Number(r['exit_price']),
    qty_steps: Math.round(Number(r['exit_qty']) * 1000),
    fee: Number(r['exit_fee']),
    pnl: Number(r['exit_pnl']),
    client_order_id: r['exit_client_order_id'],
    order_id: r['exit_order_id'] === '' ? null : r['exit_order_id'],
  };
}

const records = (csv: string) => {
  const [head, ...rows] = parseCsv(csv);
  expect(head).toEqual([...TRADES_CSV_COLUMNS]);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]!])));
};

describe('ladder history (the CLI side of [views] 17)', () => {
  const { dbPath, ids } = storeWithTrades();

  it('--csv: one row per exit with its entry, equal to the store’s exits table, open trades included', async () => {
    const r = await ladder(['history', '--db', dbPath, '--csv']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = records(r.out);
    const want = storeExits(dbPath);
    expect(want.length).toBeGreaterThanOrEqual(7); // 3 TPs + TP1 and stop + stop + the open one's TP1
    expect(rows.map(asStoreRow)).toEqual(want);
    expect(new Set(rows.map((x) => x['trade_id']))).toEqual(new Set(Object.values(ids)));
    expect(rows.find((x) => x['trade_id'] === ids.open)?.['status']).toBe('open');
    expect(rows[0]!['entry_time']).toBe(new Date(T0).toISOString());
  });

  it('--symbol (either spelling), --from and --to filter on the entry time: from ≤ entry < to', async () => {
    const from = new Date(T0 + 5 * HOUR).toISOString();
    const to = new Date(T0 + 12 * HOUR).toISOString().replace('.000Z', '+00:00');
    const r = await ladder(['history', '--db', dbPath, '--csv', '--symbol', 'BTC/USDT:USDT', '--from', from, '--to', to]);
    expect(r.code).toBe(0);
    expect(records(r.out).map(asStoreRow)).toEqual(storeExits(dbPath, 'p.entry_time_ms >= ? AND p.entry_time_ms < ?', [T0 + 5 * HOUR, T0 + 12 * HOUR]));
    expect(new Set(records(r.out).map((x) => x['trade_id']))).toEqual(new Set([ids.tp1Stop, ids.stopped]));
    const none = await ladder(['history', '--db', dbPath, '--symbol', 'BTCUSDT', '--from', '2030-01-01']);
    expect(none.out).toBe('No trades in this store for these filters.\n');
  });

  it('--symbol of a symbol the store never traded says so, naming the symbols it has (before: "No trades in this store for these filters")', async () => {
    const r = await ladder(['history', '--db', dbPath, '--symbol', 'ETHUSDT']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('No trades of ETHUSDT in this store: it has trades of BTCUSDT only.\n');
  });

  it('prints a table of trades grouped by entry, UTC times, without --csv', async () => {
    const r = await ladder(['history', '--db', dbPath]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^entry \(UTC\) +symbol +side +status/);
    expect(r.out).toContain('2025-03-03T10:00Z  BTCUSDT');
    expect(r.out).toMatch(/tp1 tp2 tp3/);
    expect(r.out).toMatch(/4 trades \(3 closed\), realised PnL -?\d+\.\d{4}/);
  });

  it("shows the average exit price with the symbol's price decimals, as the dashboard does (it printed the binary double: 61380.659999999996)", async () => {
    const db = join(tempDir('ladder-history-avg-'), 'ladder.db');
    const store = openStore(db);
    // 3, 3 and 4 steps of BTCUSDT (tick 0.1) at 60600.3, 61200.7 and 62100.9: 613806.6 / 10 = 61380.66.
    drive(store, open(store, 'BTCUSDT-avg', 60000, T0), [{ price: 60600.3, timeMs: T0 + HOUR }, { price: 61200.7, timeMs: T0 + 2 * HOUR }, { price: 62100.9, timeMs: T0 + 3 * HOUR }]);
    expect(store.tradeHistory({ includeOpen: true })[0]!.avgExitPrice).toBe(61380.659999999996);
    store.close();
    const r = await ladder(['history', '--db', db]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ tp1 tp2 tp3 +61380\.7 +-?\d+\.\d{4}\n/);
  });

  it('shows the funding booked on trades (live and paper) as a column before the PnL that includes it, and in the total; no column when none was', async () => {
    const { dbPath: db, ids } = storeWithTrades();
    const store = openStore(db);
    store.savePosition(fundingBooked(store.getPosition(ids.stopped)!, -1.25, T0 + 10 * HOUR).position);
    store.close();
    const r = await ladder(['history', '--db', db]);
    expect(r.code, r.err).toBe(0);
    const [head, ...lines] = r.out.split('\n');
    expect(head).toMatch(/avg exit +funding +PnL$/);
    const row = lines.find((l) => l.startsWith('2025-03-03T19:00Z'))!;
    expect(row).toMatch(/ -1\.2500 +-?\d+\.\d{4}$/);
    expect(lines.filter((l) => /^2025/.test(l) && / – +-?\d+\.\d{4}$/.test(l))).toHaveLength(3);
    expect(r.out).toMatch(/realised PnL -?\d+\.\d{4} \(funding -1\.2500 included\)/);
    expect((await ladder(['history', '--db', dbPath])).out).not.toContain('funding');
  });

  it('a date that is not ISO-8601 is an error naming the flag, exit 1, nothing on stdout; so is a missing store', async () => {
    for (const [args, msg] of [
      [['history', '--db', dbPath, '--from', '03/03/2025'], 'ladder: --from: not a date in ISO-8601 ("03/03/2025"'],
      [['history', '--db', dbPath, '--to', 'yesterday'], 'ladder: --to: not a date in ISO-8601 ("yesterday"'],
      [['history', '--db', dbPath, '--from', '1741000000000'], 'ladder: --from: not a date in ISO-8601'],
      [['history', '--db', dbPath, '--from', '2025-03-04', '--to', '2025-03-03'], 'ladder: --from 2025-03-04 is not before --to 2025-03-03'],
      [['history', '--db', `${dbPath}.missing`], `ladder: --db: ${dbPath}.missing: no such store`],
      // Every other command taking --from/--to parses them the same way.
      [['backtest', '--data', 'data/candles/BTCUSDT-1h.csv', '--from', '01/31/2024'], 'ladder: --from: not a date in ISO-8601 ("01/31/2024"'],
      [['compare', '--data', 'data/candles/BTCUSDT-1h.csv', '--to', 'Jan 31 2024'], 'ladder: --to: not a date in ISO-8601 ("Jan 31 2024"'],
    ] as const) {
      const r = await ladder([...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toContain(msg);
      expect(r.out).toBe('');
    }
  });

  it('a --db that is no Ladder store (an empty file, another program\'s SQLite database) is refused, and left as it was', async () => {
    const dir = tempDir('ladder-history-foreign-');
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const foreign = join(dir, 'other-app.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    const before = readFileSync(foreign);
    for (const [file, what] of [[empty, 'an empty file'], [foreign, "an SQLite database without Ladder's tables"]] as const) {
      const r = await ladder(['history', '--db', file]);
      expect([r.code, r.out]).toEqual([1, '']);
      expect(r.err).toBe(`ladder: ${file}: not a Ladder store (${what}): pass the --db file a Ladder bot wrote\n`);
    }
    // Before: both were made Ladder stores (188 KB of tables written into the file) and answered 'No trades'.
    expect(statSync(empty).size).toBe(0);
    expect(readFileSync(foreign).equals(before)).toBe(true);
  });

  it('a directory given as --db is one line naming it, exit 1, no stack trace (history, dashboard)', async () => {
    const dir = dirname(dbPath);
    for (const args of [
      ['history', '--db', dir],
      ['dashboard', '--db', dir, '--port', '0'],
    ]) {
      const r = await ladder(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toBe(`ladder: ${dir}: cannot open the store (it is a directory); the store is a file: --db FILE or store.path\n`);
      expect(r.out).toBe('');
    }
  });
});
