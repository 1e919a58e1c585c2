import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseDec } from '../../src/core/decimal.ts';
import { tempDir } from '../support/temp-dir.ts';
import { runLadder } from '../support/ladder-cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KLINES = resolve(ROOT, '../shared/data/binance-spot-klines');
const MARKETS = resolve(ROOT, '../shared/data/binance-usdm-exchange-info.json');
const tmp = tempDir('ladder-bt-cli-');

const ladder = (args: string[]) => runLadder(args);

const file = (name: string, text: string) => {
  const p = join(tmp, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const row = (t: number, o: number, h: number, l: number, c: number) => `${t},${o},${h},${l},${c},1,${t + 3599999},1,1,1,1,0`;
const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);

/** The SPEC's Result JSON as a JSON Schema (checked with ajv, draft-07). */
const RESULT_SCHEMA = {
  type: 'object',
  required: ['summary', 'trades', 'levels'],
  additionalProperties: false,
  properties: {
    summary: {
      type: 'object',
      required: ['trades', 'win_rate', 'profit_factor', 'total_pnl', 'max_drawdown_pct', 'final_equity'],
      additionalProperties: false,
      properties: {
        trades: { type: 'integer', minimum: 0 },
        win_rate: { type: 'number', minimum: 0, maximum: 1 },
        profit_factor: { type: ['number', 'null'], minimum: 0 },
        total_pnl: { type: 'number' },
        max_drawdown_pct: { type: 'number', minimum: 0, maximum: 100 },
        final_equity: { type: 'number' },
      },
    },
    trades: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'symbol', 'side', 'entry_time', 'entry_price', 'original_quantity', 'avg_exit_price', 'pnl', 'exits', 'stop_moves'],
        properties: {
          id: { type: 'string' },
          symbol: { type: 'string' },
          side: { enum: ['long', 'short'] },
          entry_time: { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$' },
          entry_price: { type: 'number', exclusiveMinimum: 0 },
          original_quantity: { type: 'number', exclusiveMinimum: 0 },
          avg_exit_price: { type: 'number', exclusiveMinimum: 0 },
          pnl: { type: 'number' },
          exits: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['time', 'price', 'quantity', 'reason', 'level', 'fee', 'pnl'],
              properties: {
                time: { type: 'string', pattern: 'Z$' },
                price: { type: 'number', exclusiveMinimum: 0 },
                quantity: { type: 'number', exclusiveMinimum: 0 },
                reason: { type: 'string', pattern: '^(tp\\d+|tp|stop|signal|end)$' },
                level: { type: ['integer', 'null'], minimum: 1 },
                fee: { type: 'number', minimum: 0 },
                pnl: { type: 'number' },
              },
            },
          },
          stop_moves: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['time', 'from', 'to', 'reason'],
              properties: { time: { type: 'string' }, from: { type: 'number' }, to: { type: 'number' }, reason: { type: 'string' } },
            },
          },
        },
      },
    },
    levels: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['level', 'hits', 'hit_rate', 'avg_pnl'],
        properties: { level: { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'tp' }] }, hits: { type: 'integer', minimum: 0 }, hit_rate: { type: 'number', minimum: 0, maximum: 1 }, avg_pnl: { type: 'number' } },
      },
    },
  },
};

/** Exact decimal sum in units of 1e-12: quantities are multiples of the step size. */
const exact = (x: number) => {
  const d = parseDec(String(x));
  return d.int * 10n ** BigInt(12 - d.scale);
};

describe('ladder backtest (real process)', () => {
  it('prints Result JSON on the real BTCUSDT 1h file that matches the schema, with exits summing exactly to the quantity', async () => {
    const r = await ladder(['backtest', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--markets', MARKETS, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const validate = new Ajv({ allErrors: true }).compile(RESULT_SCHEMA);
    expect(validate(json), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(json.trades.length).toBeGreaterThan(100);
    for (const t of json.trades) {
      expect(t.exits.reduce((s: bigint, e: { quantity: number }) => s + exact(e.quantity), 0n)).toBe(exact(t.original_quantity));
    }
    expect(json.levels.map((l: { level: number }) => l.level)).toEqual([1, 2, 3]);
  });

  it('prints the shipped config (single TP) as JSON too, stdout holding nothing but the JSON', async () => {
    const r = await ladder(['backtest', '--config', 'config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--markets', MARKETS, '--json', '--from', '2024-01-01', '--to', '2024-03-01']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.summary.trades).toBeGreaterThan(0);
    expect(json.trades.every((t: { exits: { reason: string }[] }) => t.exits.every((e) => ['tp', 'stop', 'signal', 'end'].includes(e.reason)))).toBe(true);
    // A single take-profit is not ladder level 1: no exit has a level, the one level row is named tp.
    expect(new Ajv().compile(RESULT_SCHEMA)(json)).toBe(true);
    expect(json.trades.every((t: { exits: { level: number | null }[] }) => t.exits.every((e) => e.level === null))).toBe(true);
    expect(json.levels.map((l: { level: unknown }) => l.level)).toEqual(['tp']);
  });

  it('a signal file: what is not entered is said (stale, too late, superseded at the same open), and the newest signal of an open is the one entered', async () => {
    const signals = file(
      'notes-signals.csv',
      ['time,symbol,side', '2025-01-01T00:00:00Z,BTCUSDT,long', '2026-02-28T23:50:00Z,BTCUSDT,long', '2026-03-01T00:00:00Z,BTCUSDT,short', '2026-03-01T00:20:00Z,BTCUSDT,long', '2027-01-01T00:00:00Z,BTCUSDT,long', ''].join('\n'),
    );
    const r = await ladder(['backtest', '--config', 'examples/scaled.config.json', '--data', 'data/candles/BTCUSDT-1h.csv', '--signals', signals, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: BTCUSDT: 1 signal before the first candle was ignored');
    expect(r.stderr).toContain('note: BTCUSDT: 1 signal after the last candle was ignored');
    // 23:50 long and 00:00 short share the 00:00 open (the newer is entered); 00:20 enters at 01:00.
    expect(r.stderr).toContain('note: BTCUSDT: 1 signal was superseded by a newer one due at the same candle open (the newest is the one entered)');
    const trades = JSON.parse(r.stdout).trades as { side: string; entry_time: string }[];
    expect(trades[0]).toMatchObject({ side: 'short', entry_time: '2026-03-01T00:00:00.000Z' });
  });

  it('a signal file with a line repeated exactly: said as a repeat taken once, not as a signal superseded by a newer one', async () => {
    const signals = file('repeated-signals.csv', ['time,symbol,side,stop_loss_pct', '2026-03-01T00:00:00Z,BTCUSDT,short,1.5', '2026-03-01T00:00:00Z,btcusdt,short,1.5', ''].join('\n'));
    const r = await ladder(['backtest', '--config', 'examples/scaled.config.json', '--data', 'data/candles/BTCUSDT-1h.csv', '--signals', signals, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('superseded');
    expect(r.stderr).toContain('note: BTCUSDT: 1 signal repeated an earlier line exactly (the same time, side and stop): taken once');
    const trades = JSON.parse(r.stdout).trades as { side: string; entry_time: string }[];
    expect(trades.map((t) => [t.side, t.entry_time])).toEqual([['short', '2026-03-01T00:00:00.000Z']]);
  });

  it('--data given twice backtests both files, as --data a,b does (the first was dropped silently: only the second symbol traded)', async () => {
    const args = ['backtest', '--config', 'examples/scaled.config.json', '--signals', file('twice/signals.csv', 'time,symbol,side\n2026-03-01T00:00:00Z,BTCUSDT,long\n2026-03-01T00:00:00Z,ETHUSDT,short\n'), '--json'];
    const [twice, listed] = await Promise.all([
      ladder([...args, '--data', 'data/candles/BTCUSDT-1h.csv', '--data', 'data/candles/ETHUSDT-1h.csv']),
      ladder([...args, '--data', 'data/candles/BTCUSDT-1h.csv,data/candles/ETHUSDT-1h.csv']),
    ]);
    expect(listed.code).toBe(0);
    expect(twice.code).toBe(0);
    expect(JSON.parse(twice.stdout).trades.map((t: { symbol: string }) => t.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(twice.stdout).toBe(listed.stdout);
    expect(twice.stderr).not.toContain('ignored');
  });

  it('a single-value option given twice is refused naming it (--config a --config b ran b alone, a dropped without a word)', async () => {
    const r = await ladder(['backtest', '--config', 'examples/demo.config.json', '--data', 'data/candles/BTCUSDT-1h.csv', '--config', 'examples/scaled.config.json', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('ladder: --config: given 2 times (examples/demo.config.json, examples/scaled.config.json): give it once\n');
    const eq = await ladder(['backtest', '--config=examples/scaled.config.json', '--data', 'data/candles/BTCUSDT-1h.csv', '--from', '2026-01-01', '--from=2026-02-01']);
    expect(eq.code).toBe(1);
    expect(eq.stderr).toContain('ladder: --from: given 2 times (2026-01-01, 2026-02-01): give it once');
  });

  it('a reader that stops early (ladder backtest | head -1, ladder compare | head -1) ends it quietly: exit 0, no EPIPE stack trace', async () => {
    for (const command of ['backtest', 'compare']) {
      const r = await new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn('node', ['bin/ladder.js', command, '--config', 'examples/scaled.config.json', '--data', 'data/candles/BTCUSDT-1h.csv'], { cwd: ROOT });
        let stderr = '';
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.stdout.destroy(); // a reader gone before the report is written (head -1 after its line): every write meets a closed pipe
        child.on('close', (code) => done({ code, stderr }));
      });
      expect(r.stderr, command).not.toMatch(/EPIPE|Unhandled 'error' event|\n\s+at /);
      expect(r.code, command).toBe(0);
    }
  });

  it('a signal file with a header and no rows: a note says it has no signals (not a silent 0 trades)', async () => {
    const signals = file('header-only-signals.csv', 'time,symbol,side\n');
    const r = await ladder(['backtest', '--config', 'examples/scaled.config.json', '--data', 'data/candles/BTCUSDT-1h.csv', '--signals', signals, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: ${signals}: has no signals (a header line only): no entries, no trades`);
    expect(JSON.parse(r.stdout).summary.trades).toBe(0);
  });

  it('--detail with holes: the candles it does not make up whole are counted in a note (they are walked on their own path)', async () => {
    const Q = H / 4;
    const q = (t: number) => `${t},1,1.1,0.9,1,1,${t + Q - 1},1,1,1,1,0`;
    const dir = join(tmp, 'detail-holes');
    mkdirSync(dir, { recursive: true });
    const data = join(dir, 'BTCUSDT-1h.csv');
    const detail = join(dir, 'BTCUSDT-15m.csv');
    writeFileSync(data, [0, 1, 2, 3].map((k) => row(T + k * H, 1, 1.1, 0.9, 1)).join('\n'));
    // Hour 0 whole, hour 1 three quarters of four, hour 2 whole, hour 3 none.
    writeFileSync(detail, [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11].map((k) => q(T + k * Q)).join('\n'));
    const r = await ladder(['backtest', '--config', 'examples/scaled.config.json', '--data', data, '--detail', detail, '--markets', MARKETS, '--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: BTCUSDT: 1 of 4 candles lie outside the --detail data (2024-01-01T00:00:00.000Z to 2024-01-01T03:00:00.000Z): walked on their own modelled path');
    expect(r.stderr).toContain("note: BTCUSDT: 1 candles inside the --detail data's time span lack some of their finer candles (gaps in it): walked on their own modelled path");
  });

  it('--detail whose candles do not divide the candles (4h under 6h, 8h under 12h) is refused, not taken as data with gaps and never used', async () => {
    // 6h candles are 1.5 4h candles: no 6h candle is ever made up of whole 4h ones.
    const kline = (tfMs: number) => (t: number) => `${t},100,101,99,100,1,${t + tfMs - 1},1,1,1,1,0`;
    const data = file('detail-ratio/BTCUSDT-6h.csv', Array.from({ length: 8 }, (_, k) => kline(6 * H)(T + k * 6 * H)).join('\n'));
    const detail = file('detail-ratio/BTCUSDT-4h.csv', Array.from({ length: 12 }, (_, k) => kline(4 * H)(T + k * 4 * H)).join('\n'));
    for (const cmd of ['backtest', 'compare']) {
      const r = await ladder([cmd, '--json', '--config', 'examples/scaled.config.json', '--data', data, '--detail', detail, '--markets', MARKETS, '--no-cache']);
      expect(r.code, cmd).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('ladder: --detail for BTCUSDT: its 4h candles do not make up the 6h candles (6h is not a whole number of 4h): give a timeframe that divides 6h (e.g. 2h)\n');
    }
  });

  it('--detail whose candles open off the candles\' opens (15m at :05, :20, …) is refused, not taken as data with gaps and never used', async () => {
    const kline = (tfMs: number) => (t: number) => `${t},100,101,99,100,1,${t + tfMs - 1},1,1,1,1,0`;
    const data = file('detail-offset/BTCUSDT-1h.csv', Array.from({ length: 4 }, (_, k) => kline(H)(T + k * H)).join('\n'));
    const detail = file('detail-offset/BTCUSDT-15m.csv', Array.from({ length: 16 }, (_, k) => kline(H / 4)(T + 5 * 60_000 + (k * H) / 4)).join('\n'));
    for (const cmd of ['backtest', 'compare']) {
      const r = await ladder([cmd, '--json', '--config', 'examples/scaled.config.json', '--data', data, '--detail', detail, '--markets', MARKETS, '--no-cache']);
      expect(r.code, cmd).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('ladder: --detail for BTCUSDT: its 15m candles open 5m after the 1h candles\' opens (the first at 2024-01-01T00:05:00.000Z): none of them makes up a candle\n');
    }
  });

  it('--detail that differs from the candles in a few of them: used, and the differences said in a note', async () => {
    // One 15m high of 3,000 hours raised: that hour's high is not the detail's.
    const lines = readFileSync(`${KLINES}/BTCUSDT-15m.csv`, 'utf8').trimEnd().split('\n');
    const k = lines.findIndex((l) => l.startsWith(String(Date.UTC(2026, 0, 2, 5))));
    const f = lines[k]!.split(',');
    f[2] = String(Number(f[2]) + 100);
    lines[k] = f.join(',');
    const detail = file('one-off/BTCUSDT-15m.csv', `${lines.join('\n')}\n`);
    const r = await ladder(['backtest', '--json', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--detail', detail, '--markets', MARKETS, '--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: BTCUSDT: 1 of the \d+ candles the --detail data makes up differ from it in open, high, low or close \(the first at 2026-01-02T05:00:00\.000Z: .*\): their finer path is used as given/);
  });

  it('--symbol in ccxt form names the data file, and an unnamed --detail file goes with it', async () => {
    const data = file('ccxt-sym/data.csv', readFileSync(`${KLINES}/BTCUSDT-1h.csv`, 'utf8'));
    const detail = file('ccxt-sym/detail.csv', readFileSync(`${KLINES}/BTCUSDT-15m.csv`, 'utf8'));
    const named = await ladder(['backtest', '--json', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--detail', `${KLINES}/BTCUSDT-15m.csv`, '--markets', MARKETS, '--no-cache']);
    const r = await ladder(['backtest', '--json', '--config', 'examples/scaled.config.json', '--data', data, '--symbol', 'BTC/USDT:USDT', '--detail', detail, '--markets', MARKETS, '--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(named.stdout);
  });

  it('--symbol names a delivery contract of the markets file (BTCUSDT_241227, btc/usdt:usdt-241227) as it did before --symbol was parsed', async () => {
    const data = file('delivery/candles.csv', [0, 1, 2, 3].map((k) => row(T + k * H, 100, 101, 99, 100)).join('\n') + '\n');
    const args = ['backtest', '--json', '--config', 'examples/scaled.config.json', '--data', data, '--markets', MARKETS, '--no-cache'];
    const outputs = [];
    for (const symbol of ['BTCUSDT_241227', 'btcusdt_241227', 'BTC/USDT:USDT-241227', 'btc/usdt:usdt-241227']) {
      const r = await ladder([...args, '--symbol', symbol]);
      expect([r.code, r.stderr], symbol).toEqual([0, '']);
      outputs.push(r.stdout);
    }
    expect(new Set(outputs).size).toBe(1);
    const coin = await ladder([...args, '--symbol', 'BTC/USD:BTC-241227']);
    expect([coin.code, coin.stderr]).toEqual([1, 'ladder: --symbol: "BTC/USD:BTC-241227" settles in BTC (coin-margined), not in USD (expected the perpetual BTCUSD or BTC/USD:USD)\n']);
  });

  it('--symbol in lower case is the same symbol: btcusdt and btc/usdt:usdt trade the BTCUSDT signals as the named file does', async () => {
    const data = file('lower-sym/candles.csv', readFileSync('data/candles/BTCUSDT-1h.csv', 'utf8'));
    const signals = file('lower-sym/signals.csv', 'time,symbol,side\n2026-02-10T00:00:00Z,BTCUSDT,long\n2026-03-01T00:00:00Z,BTCUSDT,short\n');
    const args = ['backtest', '--json', '--config', 'examples/scaled.config.json', '--signals', signals, '--no-cache'];
    const named = await ladder([...args, '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect(named.code, named.stderr).toBe(0);
    expect(JSON.parse(named.stdout).summary.trades).toBeGreaterThan(0);
    for (const symbol of ['btcusdt', 'btc/usdt:usdt']) {
      const r = await ladder([...args, '--data', data, '--symbol', symbol]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(named.stdout);
    }
  });

  it("candles of another timeframe than the config's: backtested, and said in a note", async () => {
    const cfg = file('tf-4h.json', JSON.stringify({ ...JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')), timeframe: '4h' }));
    const r = await ladder(['backtest', '--json', '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: BTCUSDT: the candles are 1h but the config's timeframe is 4h: the backtest runs on the candles (paper and live would run on 4h)");
  });

  it("an entry cut to the exchange's largest order quantity is said (backtest and compare), not a silently smaller position", async () => {
    // 10,000,000 USDT at 40,000 asks for 250 BTC; BTCUSDT's MARKET_LOT_SIZE maxQty (shipped markets) is 120: both entries take 120.
    const rows = [0, 1, 2, 3, 4].map((k) => row(T + k * H, 40000, 40010, 39990, 40000)).join('\n');
    const data = file('at-max/BTCUSDT-1h.csv', rows);
    const signals = file('at-max/signals.csv', `time,symbol,side\n${new Date(T + H).toISOString()},BTCUSDT,long\n${new Date(T + 3 * H).toISOString()},BTCUSDT,short\n`);
    const base = JSON.parse(readFileSync(resolve(ROOT, 'config.json'), 'utf8'));
    const config = file('at-max/config.json', JSON.stringify({ ...base, leverage: 10, position_size: { mode: 'quote', value: 10_000_000 }, backtest: { starting_balance: 100_000_000, intrabar: 'pessimistic' } }));
    const note =
      "note: 2 entries at the exchange's largest order quantity (the position size asked for is cut to it, so that one reduce-only order can close it; the first: BTCUSDT 2024-01-01T01:00:00.000Z, quantity 120)\n";
    const r = await ladder(['backtest', '--json', '--config', config, '--data', data, '--signals', signals]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).trades.map((t: { original_quantity: number }) => t.original_quantity)).toEqual([120, 120]);
    expect(r.stderr).toContain(note);
    const c = await ladder(['compare', '--json', '--config', config, '--data', data, '--signals', signals]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toContain(note);
  });

  it('an entry cut to the most steps Ladder counts exactly (2^53 − 1), not to the exchange\'s maximum, says so instead of naming the exchange', async () => {
    // Step 0.00000001 and maxQty 1e11 (10^19 steps): 1e9 USDT at 0.0001 asks for 1e13 units; whole steps
    // are safe integers (STYLE §4), so the entry takes 2^53 − 1 steps = 90071992.54740991, far below the exchange's 1e11.
    const rows = [0, 1, 2].map((k) => row(T + k * H, 0.0001, 0.0001, 0.0001, 0.0001)).join('\n');
    const data = file('safe-max/XUSDT-1h.csv', rows);
    const lot = { minQty: '0.00000001', maxQty: '100000000000', stepSize: '0.00000001' };
    const markets = file(
      'safe-max/markets.json',
      JSON.stringify({ symbols: [{ symbol: 'XUSDT', status: 'TRADING', baseAsset: 'X', quoteAsset: 'USDT', marginAsset: 'USDT', contractType: 'PERPETUAL', filters: [{ filterType: 'PRICE_FILTER', tickSize: '0.00000001', minPrice: '0.00000001', maxPrice: '1000' }, { filterType: 'LOT_SIZE', ...lot }, { filterType: 'MARKET_LOT_SIZE', ...lot }, { filterType: 'MIN_NOTIONAL', notional: '5' }] }] }),
    );
    const signals = file('safe-max/signals.csv', `time,symbol,side\n${new Date(T + H).toISOString()},XUSDT,long\n`);
    const base = JSON.parse(readFileSync(resolve(ROOT, 'config.json'), 'utf8'));
    const config = file('safe-max/config.json', JSON.stringify({ ...base, symbols: ['X/USDT:USDT'], leverage: 1, position_size: { mode: 'quote', value: 1e9 }, backtest: { starting_balance: 1e12, intrabar: 'pessimistic' } }));
    const r = await ladder(['backtest', '--json', '--config', config, '--markets', markets, '--data', data, '--signals', signals]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).trades[0].original_quantity).toBe(90071992.54740991);
    expect(r.stderr).toContain(
      'note: 1 entry at 2^53 − 1 steps of 0.00000001, the largest quantity Ladder counts exactly in whole steps (the exchange allows more; the position size asked for is cut to it; the first: XUSDT 2024-01-01T01:00:00.000Z, quantity 90071992.5474099)\n',
    );
    expect(r.stderr).not.toContain("exchange's largest order quantity");
  });

  it('--json: signals not taken are said on stderr with their reason (0 trades never comes without its why)', async () => {
    const cfg = file('tiny-size.json', JSON.stringify({ ...JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')), position_size: { mode: 'quote', value: 0.01 } }));
    const r = await ladder(['backtest', '--json', '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).summary.trades).toBe(0);
    expect(r.stderr).toMatch(/^note: signals not taken: \d+ below_min_qty \(the first: BTCUSDT \S+Z: .+\)$/m);
  });

  it('ema_cross ATR stops past the liquidation distance at 20x are not entered (a stop liquidation would beat), and said', async () => {
    const base = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')) as Record<string, unknown>;
    const cfg = file('atr-20x.json', JSON.stringify({ ...base, leverage: 20, strategy: { name: 'ema_cross', fast: 12, slow: 26, atr_stop_mult: 5 } }));
    const r = await ladder(['backtest', '--json', '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: signals not taken: .*\d+ stop_past_liquidation \(the first: BTCUSDT \S+Z: stop \d+\.\d\d % at or beyond the liquidation distance at 20x leverage \(4\.50 %\)\)/);
    // Every trade taken has its stop inside the liquidation distance (4.5 % at 20x): its first exit is never past it.
    const trades = (JSON.parse(r.stdout) as { trades: { side: string; entry_price: number; exits: { reason: string; price: number }[] }[] }).trades;
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades.filter((x) => x.exits[0]!.reason === 'stop')) {
      expect(Math.abs(t.exits[0]!.price - t.entry_price) / t.entry_price).toBeLessThan(0.045);
    }
  });

  it('--report in a folder that does not exist, or not .html: refused before the run, nothing written', async () => {
    const missing = await ladder(['backtest', '--data', 'data/candles/BTCUSDT-1h.csv', '--report', join(tmp, 'no/such/dir/r.html')]);
    expect([missing.code, missing.stdout]).toEqual([1, '']);
    expect(missing.stderr).toMatch(/^ladder: --report: the folder \S*no\/such\/dir of \S*r\.html does not exist \(create it, or give another path\)$/m);
    const txt = await ladder(['backtest', '--data', 'data/candles/BTCUSDT-1h.csv', '--report', join(tmp, 'r.txt')]);
    expect([txt.code, txt.stdout]).toEqual([1, '']);
    expect(txt.stderr).toMatch(/--report: \S*r\.txt should end in \.html/);
  });

  it('prints a readable summary table without --json', async () => {
    const r = await ladder(['backtest', '--config', 'examples/scaled.config.json', '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/win rate/);
    expect(r.stdout).toMatch(/tp3/);
  });

  const bad: Array<[string, () => string[], RegExp]> = [
    ['a missing data file', () => ['--data', join(tmp, 'NOPEUSDT-1h.csv')], /NOPEUSDT-1h\.csv.*cannot read \(ENOENT\)/],
    ['a corrupt row (file:line and field)', () => ['--data', file('BTCUSDT-1h.csv', [row(T, 1, 2, 0.5, 1.5), '1704070800000,1.5,abc,1,1.2,1,1,1,1,1,1,0'].join('\n'))], /BTCUSDT-1h\.csv:2: high: /],
    ['unsorted timestamps', () => ['--data', file('ETHUSDT-1h.csv', [row(T + H, 1, 2, 0.5, 1.5), row(T, 1, 2, 0.5, 1.5)].join('\n'))], /ETHUSDT-1h\.csv:2: .*(order|sorted|before)/i],
    ['duplicate timestamps', () => ['--data', file('SOLUSDT-1h.csv', [row(T, 1, 2, 0.5, 1.5), row(T, 1, 2, 0.5, 1.5)].join('\n'))], /SOLUSDT-1h\.csv:2: .*duplicate/i],
    ['an empty file', () => ['--data', file('XRPUSDT-1h.csv', '')], /XRPUSDT-1h\.csv.*empty/i],
    ['a symbol missing from the markets file', () => ['--data', file('FOOUSDT-1h.csv', row(T, 1, 2, 0.5, 1.5)), '--markets', MARKETS], /FOOUSDT is not in the markets file/],
    [
      'a signals file naming an unknown symbol',
      () => ['--data', 'data/candles/BTCUSDT-1h.csv', '--signals', file('signals.csv', 'time,symbol,side\n2026-03-01T00:00:00Z,BTCUSDT,long\n2026-03-02T00:00:00Z,NOPEUSDT,short\n')],
      // The file as given, as the signal file's other errors name it (not only its base name).
      new RegExp(`^ladder: ${join(tmp, 'signals.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: symbol: NOPEUSDT is not a symbol of the markets file$`, 'm'),
    ],
    ['a bad --from date', () => ['--data', 'data/candles/BTCUSDT-1h.csv', '--from', 'yesterday'], /--from: not a date/],
    ['an invalid config', () => ['--data', 'data/candles/BTCUSDT-1h.csv', '--config', file('bad.json', '{"leverage": 500}')], /leverage/],
    // Two files of one symbol would trade it twice under the same trade ids (BTCUSDT-1 twice).
    [
      'two candle files of one symbol',
      () => ['--data', `${KLINES}/BTCUSDT-1h.csv,${KLINES}/ETHUSDT-1h.csv,${KLINES}/BTCUSDT-15m.csv`, '--markets', MARKETS],
      /^ladder: --data: \S*BTCUSDT-1h\.csv and \S*BTCUSDT-15m\.csv are both BTCUSDT: one entry per symbol; \S*BTCUSDT-15m\.csv, the finer timeframe, goes in --detail$/m,
    ],
    [
      'two files of one symbol and timeframe (months given apart)',
      () => ['--data', `${file('jan/BTCUSDT-1h.csv', row(T, 1, 2, 0.5, 1.5))},${file('feb/BTCUSDT-1h.csv', row(T + 31 * 24 * H, 1, 2, 0.5, 1.5))}`, '--markets', MARKETS],
      /^ladder: --data: \S*jan\/BTCUSDT-1h\.csv and \S*feb\/BTCUSDT-1h\.csv are both BTCUSDT: one entry per symbol; several files of it \(months\) go in one directory, given as one entry$/m,
    ],
    // A detail file named for another symbol stays that symbol's, whatever --symbol says of the data file.
    [
      'a --detail file of another symbol given with --symbol',
      () => ['--data', file('mydata.csv', [0, 1, 2].map((k) => row(T + k * H, 1, 2, 0.5, 1.5)).join('\n')), '--symbol', 'BTCUSDT', '--detail', `${KLINES}/ETHUSDT-15m.csv`, '--markets', MARKETS],
      /^ladder: --detail: \S*ETHUSDT-15m\.csv holds ETHUSDT's candles, and no --data file is ETHUSDT's \(BTCUSDT\)$/m,
    ],
    [
      'a --detail file named for the symbol that holds another market',
      () => ['--data', `${KLINES}/BTCUSDT-1h.csv`, '--detail', file('eth-as-btc/BTCUSDT-15m.csv', readFileSync(`${KLINES}/ETHUSDT-15m.csv`, 'utf8')), '--markets', MARKETS, '--from', '2026-01-01', '--to', '2026-01-08'],
      /^ladder: --detail for BTCUSDT: 168 of the 168 candles the --detail data makes up differ from it in open, high, low or close \(the first at 2026-01-01T00:00:00\.000Z: O \S+ H \S+ L \S+ C \S+ against O \S+ H \S+ L \S+ C \S+\): is it another symbol's data\? The finer candles must make up the candles they replace$/m,
    ],
    ['a spot symbol as --symbol', () => ['--data', file('spot-sym.csv', row(T, 1, 2, 0.5, 1.5)), '--symbol', 'btc/usdt'], /^ladder: --symbol: "btc\/usdt" is a spot symbol \(expected the perpetual BTCUSDT or BTC\/USDT:USDT\)$/m],
    // Every problem of the file on its own error line, the second as much as the first.
    ['a markets file with two bad entries', () => ['--data', 'data/candles/BTCUSDT-1h.csv', '--markets', file('two-bad-markets.json', '[{"symbol":1},{"x":2}]')], /^ladder: \S*two-bad-markets\.json: \[0\]: .*\nladder: \S*two-bad-markets\.json: \[1\]: /m],
    // Without a timeframe in its name the most common step (15m) would make every 1h row a gap.
    [
      'a candle file of 1h rows then 15m rows',
      () => {
        const quarters = readFileSync(`${KLINES}/BTCUSDT-15m.csv`, 'latin1').trimEnd().split('\n');
        const first = Number(quarters[0]!.split(',')[0]);
        const hours = readFileSync(`${KLINES}/BTCUSDT-1h.csv`, 'latin1').trimEnd().split('\n').filter((r) => Number(r.split(',')[0]) < first).slice(-10);
        return ['--data', file('mixed-tf.csv', `${[...hours, ...quarters.slice(0, 100)].join('\n')}\n`), '--symbol', 'BTCUSDT', '--markets', MARKETS, '--no-cache'];
      },
      /^ladder: \S*mixed-tf\.csv:2: time: \S+ is 1h after line 1, whose close_time says its candle is 1h, not 15m \(the most common step between its rows\): a file holds candles of one timeframe only$/m,
    ],
    // A high with digits too many (1e15 on BTCUSDT's 0.1 tick: 1e16 ticks, past 2^53): the old code entered the signal and
    // stopped at its plan with a bare 'ticks must be a safe integer, got 9800000000000000' (no file, no line).
    [
      'a candle price too large to count in ticks of the market',
      () => [
        '--data', file('huge-high/BTCUSDT-1h.csv', [row(T, 42000, 42100, 41900, 42000), row(T + H, 1e15, 1e15, 1e15, 1e15), row(T + 2 * H, 42000, 42100, 41900, 42000)].join('\n')),
        '--markets', MARKETS,
        '--signals', file('huge-high/signals.csv', `time,symbol,side\n${new Date(T + H).toISOString()},BTCUSDT,long\n`),
        '--config', file('huge-high/config.json', JSON.stringify({ ...JSON.parse(readFileSync(resolve(ROOT, 'config.json'), 'utf8')), leverage: 10, position_size: { mode: 'base', value: 0.001 }, backtest: { starting_balance: 1e12, intrabar: 'pessimistic' } })),
      ],
      /^ladder: \S*huge-high\/BTCUSDT-1h\.csv: high: 1000000000000000 at 2024-01-01T01:00:00\.000Z is 1\.00e\+16 ticks of BTCUSDT's tick size 0\.1: the backtest takes prices up to 2\^43 ticks \(879609302220\.8 here\), so that every target and stop is an exact whole number of ticks$/m,
    ],
    // 1e308 on a 0.1 tick is 1e309 ticks, past the largest double: the count is said as such, not as 'Infinity ticks'.
    [
      'a candle price whose count of ticks is past the largest double',
      () => [
        '--data', file('huger-high/BTCUSDT-1h.csv', [row(T, 42000, 42100, 41900, 42000), row(T + H, 42000, 1e308, 41900, 42000), row(T + 2 * H, 42000, 42100, 41900, 42000)].join('\n')),
        '--markets', MARKETS,
        '--signals', file('huger-high/signals.csv', `time,symbol,side\n${new Date(T + H).toISOString()},BTCUSDT,long\n`),
      ],
      /^ladder: \S*huger-high\/BTCUSDT-1h\.csv: high: 1e\+308 at 2024-01-01T01:00:00\.000Z is more than 1e308 ticks of BTCUSDT's tick size 0\.1: the backtest takes prices up to 2\^43 ticks/m,
    ],
    ['an empty --signals value', () => ['--data', 'data/candles/BTCUSDT-1h.csv', '--signals', ''], /^ladder: --signals: empty value$/m],
    ['an empty --markets value', () => ['--data', 'data/candles/BTCUSDT-1h.csv', '--markets', ''], /^ladder: --markets: empty value$/m],
    ['an empty --from value', () => ['--data', 'data/candles/BTCUSDT-1h.csv', '--from', ''], /^ladder: --from: empty value$/m],
    ['two detail entries of one symbol', () => ['--data', `${KLINES}/BTCUSDT-1h.csv`, '--detail', `${KLINES}/BTCUSDT-15m.csv,${KLINES}/BTCUSDT-15m.csv`, '--markets', MARKETS], /^ladder: --detail: two entries for BTCUSDT .*: one per symbol; several files of it \(months\) go in one directory/],
  ];
  for (const [name, args, message] of bad) {
    it(`refuses ${name}: a clear error on stderr, non-zero exit, nothing on stdout`, async () => {
      const r = await ladder(['backtest', '--json', ...args()]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    });
  }
});
