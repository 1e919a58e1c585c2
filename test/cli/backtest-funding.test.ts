/**
 * `ladder backtest --funding` and `ladder compare --funding` through the real CLI: a hand-computed
 * case on small files, the real SOLUSDT rates of its 2 h episode (2022-11), and each bad input.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';
import { runLadder } from '../support/ladder-cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DATA = resolve(ROOT, '../shared/data');
const tmp = tempDir('ladder-funding-');
const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);

const ladder = (args: string[]) => runLadder([...args, '--no-cache']);
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};
/** Eight flat 1h candles at `p` from T: no target or stop of the ladder is reached. */
const flatCandles = (symbol: string, p: number) =>
  file(`${symbol}-1h.csv`, Array.from({ length: 8 }, (_, k) => `${T + k * H},${p},${p},${p},${p},1,${T + k * H + H - 1},1,1,1,1,0`).join('\n') + '\n');
const config = file(
  'funding.config.json',
  JSON.stringify({
    exchange: { id: 'binanceusdm', testnet: false },
    symbols: ['ETH/USDT:USDT'],
    timeframe: '1h',
    strategy: { name: 'ema_cross', fast: 12, slow: 26 },
    leverage: 5,
    max_open_positions: 2,
    position_size: { mode: 'quote', value: 1000 },
    stop_loss_pct: 2,
    take_profit_pct: 3,
    enable_scaled_take_profit: true,
    fees: { taker_pct: 0, maker_pct: 0 },
    slippage_pct: 0,
    backtest: { starting_balance: 10000, intrabar: 'pessimistic' },
  }),
);
const signals = file('signals.csv', `time,symbol,side\n${new Date(T + H).toISOString()},ETHUSDT,long\n${new Date(T + H).toISOString()},SOLUSDT,short\n`);
const HEADER = 'calc_time,funding_interval_hours,last_funding_rate';

describe('ladder backtest --funding', () => {
  it('charges each open position its settlements (archive jitter rounded), in the trade, its pnl and the run', async () => {
    const eth = flatCandles('ETHUSDT', 2000);
    // 1,000 USDT at 2,000: 0.5 ETH long from hour 1. Settlements at hours 0 (before the entry), 3 (+6 ms jitter) and 6.
    const funding = file('ETHUSDT-fundingRate.csv', `${HEADER}\n${T},8,0.01000000\n${T + 3 * H + 6},8,0.00010000\n${T + 6 * H - 3},8,-0.00030000\n`);
    const r = await ladder(['backtest', '--json', '--config', config, '--data', eth, '--signals', signals, '--funding', funding]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: ETHUSDT: 2 funding settlements within the candles');
    const json = JSON.parse(r.stdout);
    const expected = -(0.5 * 2000 * 0.0001) + 0.5 * 2000 * 0.0003;
    expect(json.trades).toHaveLength(1);
    expect(json.trades[0].funding).toBeCloseTo(expected, 12);
    expect(json.trades[0].exits.map((e: { pnl: number }) => e.pnl)).toEqual([0]);
    expect(json.trades[0].pnl).toBeCloseTo(expected, 12);
    expect(json.summary.total_pnl).toBeCloseTo(expected, 12);
    expect(json.summary.final_equity).toBeCloseTo(10_000 + expected, 9);
    expect(json.funding.settlements).toBe(2);
    expect(json.funding.total).toBeCloseTo(expected, 12);

    const text = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', funding]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Funding: 0\.20 \(received over 2 settlements of open positions; in the trades' PnL above\)/);
  });

  it('compare: both runs pay the same entries\' funding on what each holds; a symbol without rates is said', async () => {
    const eth = flatCandles('ETHUSDT', 2000);
    const sol = flatCandles('SOLUSDT', 100);
    const funding = file('ETHUSDT-fundingRate.csv', `${HEADER}\n${T + 3 * H},8,0.00010000\n`);
    const r = await ladder(['compare', '--json', '--config', config, '--data', `${eth},${sol}`, '--signals', signals, '--funding', funding]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: SOLUSDT: no --funding file for it: its trades pay no funding');
    const out = JSON.parse(r.stdout);
    expect(out.runs.map((x: { name: string; funding: unknown }) => [x.name, x.funding])).toEqual([
      ['scaled', { total: -(0.5 * 2000 * 0.0001), settlements: 1 }],
      ['single', { total: -(0.5 * 2000 * 0.0001), settlements: 1 }],
    ]);
    const text = await ladder(['compare', '--config', config, '--data', `${eth},${sol}`, '--signals', signals, '--funding', funding]);
    expect(text.stdout).toMatch(/funding \(in PnL\)\s+-0\.10\s+-0\.10\n/);
    for (const run of out.runs) {
      const byId = Object.fromEntries(run.trades.map((t: { symbol: string; funding?: number }) => [t.symbol, t.funding]));
      expect(byId['ETHUSDT']).toBeCloseTo(-(0.5 * 2000 * 0.0001), 12);
      expect(byId['SOLUSDT']).toBeUndefined();
    }
  });

  it("reads the real SOLUSDT rates through its 2 h / −2 % episode: every settlement inside the candles, none assumed at 8 h", async () => {
    const from = '2022-11-08T00:00:00Z';
    const to = '2022-11-20T00:00:00Z';
    const rates = join(DATA, 'binance-usdm-funding/SOLUSDT-fundingRate.csv');
    const r = await ladder(['backtest', '--json', '--config', config, '--data', join(DATA, 'binance-spot-klines/SOLUSDT-1h.csv'), '--funding', rates, '--from', from, '--to', to]);
    expect(r.code, r.stderr).toBe(0);
    // The rows strictly inside the candles' span (the first open's settlement comes before any entry).
    const rows = readFileSync(rates, 'utf8').trim().split('\n').slice(1).map((l) => Math.round(Number(l.split(',')[0]) / 60_000) * 60_000);
    const inside = rows.filter((t) => t > Date.parse(from) && t < Date.parse(to)).length;
    expect(inside).toBeGreaterThan(12 * 3 + 50); // the 2 h episode adds ~60 settlements to the 8 h ones
    expect(r.stderr).toContain(`note: SOLUSDT: ${inside} funding settlements within the candles`);
    const json = JSON.parse(r.stdout);
    let sum = 0;
    for (const t of json.trades) {
      const exits = t.exits.reduce((s: number, e: { pnl: number }) => s + e.pnl, 0);
      expect(t.pnl).toBeCloseTo(exits + t.funding, 9);
      sum += t.funding;
    }
    expect(json.funding.total).toBeCloseTo(sum, 9);
    expect(json.funding.settlements).toBeGreaterThan(0);
  });

  it.each([
    ['a rate that is not a number', `${HEADER}\n${T},8,0.0001\n${T + 8 * H},8,abc\n`, /ETHUSDT-fundingRate\.csv:3: last_funding_rate: not a number \("abc"\)/],
    ['a rate given in percent', `${HEADER}\n${T},8,1.5\n`, /:2: last_funding_rate: 1\.5 is not a funding rate/],
    ['an interval that is not whole hours', `${HEADER}\n${T},8h,0.0001\n`, /:2: funding_interval_hours: not a whole number of hours/],
    ['a time that is not ms', `${HEADER}\n2024-01-01,8,0.0001\n`, /:2: calc_time: not a time in ms/],
    ['a time with a digit too many (year 2510)', `${HEADER}\n${T},8,0.0001\n${T + 8 * H}0,8,0.0001\n`, /:3: calc_time: "17040960000000" reads as epoch ms 2510-[^ ]*, outside 2000-01-01 … 2099-12-31 UTC/],
    ['a time of 0', `${HEADER}\n0,8,0.0001\n`, /:2: calc_time: "0" reads as epoch seconds 1970-01-01T00:00:00\.000Z, outside 2000-01-01/],
    ['a wrong header', 'time,rate\n', /:1: header: expected "calc_time,funding_interval_hours,last_funding_rate"/],
    ['a missing field', `${HEADER}\n${T},0.0001\n`, /:2: expected 3 fields/],
    ['a settlement given twice', `${HEADER}\n${T},8,0.0001\n${T + 5},8,0.0002\n`, /:3: calc_time: a second settlement at 2024-01-01T00:00:00\.000Z/],
    ['no rows', `${HEADER}\n`, /holds no funding rates/],
  ])('names the file, line and field of %s, and exits 1', async (_, text, message) => {
    const eth = flatCandles('ETHUSDT', 2000);
    const r = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', file('ETHUSDT-fundingRate.csv', text)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^ladder: --funding: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--mark: charges at the mark kline opening at each settlement, at the candle open where there is none (said)', async () => {
    const eth = flatCandles('ETHUSDT', 2000);
    const funding = file('ETHUSDT-fundingRate.csv', `${HEADER}\n${T + 3 * H},8,0.00010000\n${T + 5 * H},8,0.00010000\n`);
    // Mark klines (Binance's header line) for hours 2-3 only: hour 5 has none.
    const mark = file('mark/ETHUSDT-1h.csv', `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n${T + 2 * H},2001,2001,2001,2001,0,${T + 3 * H - 1},0,0,0,0,0\n${T + 3 * H},2010.5,2011,2010,2010,0,${T + 4 * H - 1},0,0,0,0,0\n`);
    const r = await ladder(['backtest', '--json', '--config', config, '--data', eth, '--signals', signals, '--funding', funding, '--mark', mark]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: ETHUSDT: 2 funding settlements within the candles');
    expect(r.stderr).toContain('charged at the mark price; 1 of them have no mark candle opening at their time and use the candle open');
    expect(JSON.parse(r.stdout).trades[0].funding).toBeCloseTo(-(0.5 * 2010.5 * 0.0001) - 0.5 * 2000 * 0.0001, 12);
    const orphan = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--mark', mark]);
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toContain("--funding gives no rates for ETHUSDT: the mark price is used only to charge funding");
    const bad = file('badmark/ETHUSDT-1h.csv', `${T},2001,2001,2001,abc,0,${T + H - 1},0,0,0,0,0\n`);
    const broken = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', funding, '--mark', bad]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^ladder: --mark: .*badmark\/ETHUSDT-1h\.csv:1: close: /);
  });

  it("--mark of another symbol's market (a mark price more than 10 % from the candle open) is refused, not charged on", async () => {
    const eth = flatCandles('ETHUSDT', 2000);
    const funding = file('ETHUSDT-fundingRate.csv', `${HEADER}\n${T + 3 * H},8,0.00010000\n${T + 5 * H},8,0.00010000\n`);
    const markFile = (dir: string, opens: Record<number, number>) =>
      file(`${dir}/ETHUSDT-1h.csv`, Object.entries(opens).map(([h, o]) => `${T + Number(h) * H},${o},${o},${o},${o},0,${T + (Number(h) + 1) * H - 1},0,0,0,0,0`).join('\n') + '\n');
    // BTCUSDT's mark prices in a file named for ETHUSDT: the old code charged 0.5 ETH at 40,000 (2.00 a settlement, not 0.10).
    const btc = markFile('btcmark', { 3: 40000, 5: 40000 });
    for (const command of ['backtest', 'compare']) {
      const r = await ladder([command, '--config', config, '--data', eth, '--signals', signals, '--funding', funding, '--mark', btc]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `ladder: --mark for ETHUSDT: ${btc}: 2 of the 2 settlements with a mark kline and a candle opening at them have a mark price more than 10 % from the candle open ` +
          "(the first at 2024-01-01T03:00:00.000Z: mark 40000 against 2000): is it another symbol's mark prices? Funding would be charged on their price\n",
      );
    }
    // 10 % apart exactly is still the market's: 0.5 ETH pays 2,200 × 0.0001 at hour 3 and 1,800 × 0.0001 at hour 5.
    const edge = await ladder(['backtest', '--json', '--config', config, '--data', eth, '--signals', signals, '--funding', funding, '--mark', markFile('edgemark', { 3: 2200, 5: 1800 })]);
    expect(edge.code, edge.stderr).toBe(0);
    expect(JSON.parse(edge.stdout).trades[0].funding).toBeCloseTo(-(0.5 * 2200 * 0.0001) - 0.5 * 1800 * 0.0001, 12);
  });

  it('--mark with a few prices far from the candles (1 % of the settlements or fewer) is used, and they are said', async () => {
    // The real ETHUSDT mark klines of 2024-01 … 2024-06 with one kline made ten times too high (2024-03-01 00:00): 1 of 545.
    const real = readFileSync(join(DATA, 'binance-usdm-mark-1h/ETHUSDT-1h.csv'), 'utf8');
    const at = String(Date.UTC(2024, 2, 1));
    const altered = real.replace(new RegExp(`^${at},([0-9.]+),([0-9.]+),([0-9.]+),([0-9.]+),`, 'm'), (_, ...ohlc: string[]) => `${at},${ohlc.slice(0, 4).map((x) => Number(x) * 10).join(',')},`);
    expect(altered).not.toBe(real);
    const mark = file('onebad/ETHUSDT-1h.csv', altered);
    const r = await ladder([
      'backtest', '--config', config, '--data', join(DATA, 'binance-spot-klines/ETHUSDT-1h.csv'), '--from', '2024-01-01', '--to', '2024-07-01',
      '--funding', join(DATA, 'binance-usdm-funding/ETHUSDT-fundingRate.csv'), '--mark', mark,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`note: ETHUSDT: --mark ${mark.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 1 of the 545 settlements with a mark kline and a candle opening at them have a mark price more than 10 % from the candle open \\(the first at 2024-03-01T00:00:00\\.000Z: mark [0-9.]+ against [0-9.]+\\): used as given\\n`));
  });

  it('says a run that paid nothing net paid nothing, not "paid"', async () => {
    const eth = flatCandles('ETHUSDT', 2000);
    // The one settlement is at the first open, before the entry: no position pays it.
    const r = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', file('zero/ETHUSDT-fundingRate.csv', `${HEADER}\n${T},8,0.0001\n`)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Funding: 0.00 (net zero over 0 settlements of open positions; in the trades' PnL above)");
  });

  it('says the rates do not cover the candles only where a settlement is missing: each row reaches its own funding_interval_hours', async () => {
    // Eight 1h candles from T, the last closing at T + 8 h.
    const eth = flatCandles('ETHUSDT', 2000);
    const note = async (rows: string) => {
      const r = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', file('ETHUSDT-fundingRate.csv', `${HEADER}\n${rows}`)]);
      expect(r.code, r.stderr).toBe(0);
      return r.stderr.split('\n').find((l) => l.startsWith('note: ETHUSDT:'))!;
    };
    // 8 h rows at T (the next at T + 8 h, the close) and at T + 6 h (the one before at T - 2 h): nothing is missing.
    // The old check said "nothing is charged after 00:00" / "before 06:00" for both.
    expect(await note(`${T},8,0.0001\n`)).not.toContain('the rates do not cover');
    expect(await note(`${T + 6 * H},8,0.0001\n`)).not.toContain('the rates do not cover');
    // 2 h and 4 h rows: the settlements at T + 2 h, and at T + 2 h before T + 6 h, fall inside the candles and have no rate.
    expect(await note(`${T},2,0.0001\n`)).toContain('; the rates do not cover all the candles, so nothing is charged after 2024-01-01T00:00:00.000Z');
    expect(await note(`${T + 6 * H},4,0.0001\n`)).toContain('; the rates do not cover all the candles, so nothing is charged before 2024-01-01T06:00:00.000Z');
  });

  it('says where the rates have a gap inside the candles (a month missing from a directory), not a change of interval', async () => {
    const eth = flatCandles('ETHUSDT', 2000);
    // 1 h rows at 00:00, 01:00, then 04:00 and 05:00: the settlements at 02:00 and 03:00 have no rate.
    const rows = [0, 1, 4, 5].map((h) => `${T + h * H},1,0.0001`).join('\n');
    const r = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', file('ETHUSDT-fundingRate.csv', `${HEADER}\n${rows}\n`)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('; 1 gap in the rates (the first from 2024-01-01T01:00:00.000Z to 2024-01-01T04:00:00.000Z), where nothing is charged');
    // A gap outside the candles (before their first open) is not theirs to say.
    const before = [-9, -5, 0, 1, 2, 3, 4, 5, 6, 7].map((h) => `${T + h * H},1,0.0001`).join('\n');
    const quiet = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', file('ETHUSDT-fundingRate.csv', `${HEADER}\n${before}\n`)]);
    expect(quiet.stderr).toMatch(/note: ETHUSDT: 7 funding settlements within the candles \([^)]*\), charged at the candle open \(no --mark\)\n/);
    // The real SOLUSDT switch from 8 h to 4 h to 2 h and back (2022-11) is no gap.
    const sol = await ladder(['backtest', '--config', config, '--data', join(DATA, 'binance-spot-klines/SOLUSDT-1h.csv'), '--funding', join(DATA, 'binance-usdm-funding/SOLUSDT-fundingRate.csv'), '--from', '2022-11-01', '--to', '2022-11-25']);
    expect(sol.code, sol.stderr).toBe(0);
    expect(sol.stderr).toMatch(/note: SOLUSDT: \d+ funding settlements within the candles \([^)]*\), charged at the candle open \(no --mark\)\n/);
  });

  it('refuses rates it cannot match to one --data symbol', async () => {
    const eth = flatCandles('ETHUSDT', 2000);
    const sol = flatCandles('SOLUSDT', 100);
    const rates = `${HEADER}\n${T},8,0.0001\n`;
    const unnamed = await ladder(['backtest', '--config', config, '--data', `${eth},${sol}`, '--signals', signals, '--funding', file('rates.csv', rates)]);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('cannot tell its symbol from the name; name it like BTCUSDT-fundingRate.csv');
    const other = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', file('BTCUSDT-fundingRate.csv', rates)]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("--funding: " + join(tmp, 'BTCUSDT-fundingRate.csv') + " holds BTCUSDT's funding rates, and no --data file is BTCUSDT's (ETHUSDT)");
    const twice = await ladder(['backtest', '--config', config, '--data', eth, '--signals', signals, '--funding', `${file('ETHUSDT-fundingRate.csv', rates)},${file('ethusdt_fundingRate-2024-01.csv', rates)}`]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('--funding: two entries for ETHUSDT');
  });
});
