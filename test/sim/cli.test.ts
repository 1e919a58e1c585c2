import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ccxtForSimulator } from '../../src/sim/index.ts';
import { BTC, BTC_1H, REPO } from './harness.ts';
import { tempDir } from '../support/temp-dir.ts';

/** Starts `ladder sim` and resolves with its URL once it prints the listening line. */
function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; url: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/ladder.js'), 'sim', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`ladder sim exited (${code}) before listening: ${out}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, url, exit };
}

describe('ladder sim (CLI)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves a replayed kline file to a plain ccxt client until SIGINT, then exits 0', async () => {
    const dir = tempDir('ladder-sim-');
    const faults = path.join(dir, 'faults.json');
    writeFileSync(faults, JSON.stringify({ seed: 3, rules: [{ kind: 'latency', ms: 10, path: '/fapi/v1/time' }] }));
    const run = startCli(['--port', '0', '--data', BTC_1H, '--speed', '0', '--faults', faults, '--api-key', 'k1', '--api-secret', 's1']);
    child = run.child;
    const url = await run.url;
    const ex = ccxtForSimulator(url, { apiKey: 'k1', secret: 's1' });
    try {
      await ex.loadMarkets();
      const [candle] = await ex.fetchOHLCV(BTC, '1h', undefined, 1);
      expect(candle![0]).toBe(Date.UTC(2022, 0, 21, 20)); // the 501st candle of the file: 500 of history first
      const order = await ex.createOrder(BTC, 'market', 'buy', 0.003);
      expect(order.status).toBe('closed');
    } finally {
      await ex.close();
    }
    child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });

  it('with no --data (the seeded random walk) the clock runs at --speed: candles close while a client watches', async () => {
    const run = startCli(['--port', '0', '--speed', '20']);
    child = run.child;
    const url = await run.url;
    // Nobody asks for a price for a while: the walk must not have ended for want of a tape.
    await new Promise((r) => setTimeout(r, 300));
    const ex = ccxtForSimulator(url);
    try {
      await ex.loadMarkets();
      const first = (await ex.fetchOHLCV(BTC, '1h', undefined, 1))[0]![0]!;
      await new Promise((r) => setTimeout(r, 500)); // 20 candles a second: about 10 more
      const later = (await ex.fetchOHLCV(BTC, '1h', undefined, 1))[0]![0]!;
      expect(later - first).toBeGreaterThanOrEqual(3 * 3_600_000);
    } finally {
      await ex.close();
    }
    child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });

  it('refuses a bad option with a non-zero exit code', async () => {
    const run = startCli(['--port', '0', '--speed', 'fast']);
    child = run.child;
    run.url.catch(() => undefined);
    expect(await run.exit).not.toBe(0);
  });

  it('a negative --speed, --balance, taker fee or slippage, a --port out of range, or an empty value, is one line naming the option, exit 1 (a negative speed froze the clock, a negative balance opened a -5 USDT wallet)', async () => {
    for (const [args, msg] of [
      [['--speed', '-5'], 'ladder: --speed: must be 0 or more, got -5'],
      [['--balance', '-5'], 'ladder: --balance: must be 0 or more, got -5'],
      [['--taker-fee-pct', '-0.01'], 'ladder: --taker-fee-pct: must be 0 or more, got -0.01'],
      [['--slippage-pct', '-1'], 'ladder: --slippage-pct: must be 0 or more, got -1'],
      [['--port', '99999'], 'ladder: --port: must be a whole number from 0 (any free port) to 65535, got "99999"'],
      // An unset shell variable: '' served a simulator that refused every signed request, replayed the random walk, injected no faults.
      [['--api-key', ''], 'ladder: --api-key: empty value'],
      [['--data', ''], 'ladder: --data: empty value'],
      [['--faults', ''], 'ladder: --faults: empty value'],
    ] as const) {
      const run = startCli([...(args[0] === '--port' ? [] : ['--port', '0']), ...args]);
      child = run.child;
      run.url.catch(() => undefined);
      let err = '';
      run.child.stderr!.on('data', (d: Buffer) => (err += String(d)));
      expect(await run.exit, args.join(' ')).toBe(1);
      expect(err.trim()).toBe(msg);
    }
  });

  it('--start without a zone is UTC whatever the machine zone (it was local time: 05:00Z in New York), and only ISO-8601', async () => {
    const run = startCli(['--port', '0', '--data', BTC_1H, '--speed', '0', '--start', '2026-03-01T00:00'], { TZ: 'America/New_York' });
    child = run.child;
    const state = (await (await fetch(`${await run.url}/_sim/state`)).json()) as { timeMs: number };
    expect(new Date(state.timeMs).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    child.kill('SIGINT');
    await run.exit;
    const bad = startCli(['--port', '0', '--start', 'March 1 2026'], { TZ: 'America/New_York' });
    child = bad.child;
    bad.url.catch(() => undefined);
    let err = '';
    bad.child.stderr!.on('data', (d: Buffer) => (err += String(d)));
    expect(await bad.exit).toBe(1);
    expect(err).toContain('ladder: --start: not a date in ISO-8601 ("March 1 2026"');
  });

  it('a bad --faults file is one line per problem naming the file and the key, exit 1 (not a zod dump, not a bare JSON error)', async () => {
    const dir = tempDir('ladder-sim-faults-');
    const cases: [string, string, string[]][] = [
      ['kind.json', JSON.stringify({ seed: 'x', rules: [{ kind: 'latency', ms: 10 }, { kind: 'slow' }] }), ['seed: Invalid input: expected number, received string', "rules[1].kind: Invalid discriminator value. Expected 'latency' | "]],
      ['cut.json', '{"rules": [', ['malformed JSON: Unexpected end of JSON input']],
      // A misspelt key was dropped without a word: "rule" gave a simulator with no faults, "probabilty" a fault on every request.
      ['typo.json', JSON.stringify({ seed: 3, rule: [], rules: [{ kind: 'latency', ms: 10, probabilty: 0.2 }, { kind: 'drop', mode: 'hang', pth: '/fapi/v1/order' }] }), ['rule: unknown key', 'rules[0].probabilty: unknown key', 'rules[1].pth: unknown key']],
    ];
    for (const [name, text, problems] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const r = await new Promise<{ code: number | null; out: string; err: string }>((done) =>
        // A file taken as good would serve until killed: the timeout ends it (and the test) instead.
        execFile(process.execPath, [path.join(REPO, 'bin/ladder.js'), 'sim', '--port', '0', '--faults', file], { cwd: REPO, timeout: 15_000 }, (e, out, err) => done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err })),
      );
      expect(r.code, name).toBe(1);
      const lines = r.err.trimEnd().split('\n');
      expect(lines, name).toHaveLength(problems.length);
      lines.forEach((line, i) => expect(line.startsWith(`ladder: ${file}: ${problems[i]}`), line).toBe(true));
    }
  });
  it('a bad --markets file is one line naming the file (and the symbol): malformed JSON, not exchange information, a zero tick or step, a symbol twice; exit 1', async () => {
    const dir = tempDir('ladder-sim-markets-');
    const excerpt = JSON.parse(readFileSync(path.join(REPO, 'data/markets/binance-usdm-excerpt.json'), 'utf8')) as { symbols: { symbol: string; filters: Record<string, string>[] }[] };
    const eth = () => structuredClone(excerpt.symbols.find((s) => s.symbol === 'ETHUSDT')!);
    const withFilter = (type: string, key: string, value: string) => {
      const s = eth();
      s.filters.find((f) => f['filterType'] === type)![key] = value;
      return JSON.stringify({ symbols: [s] });
    };
    const cases: [string, string, string][] = [
      ['cut.json', '{"symbols": [', 'malformed JSON: '],
      ['other.json', '{"hello": 1}', 'not a Binance exchangeInfo document nor ccxt markets JSON'],
      // A zero tick or step was served (and every price divided by it); a second ETHUSDT replaced the first.
      ['tick0.json', withFilter('PRICE_FILTER', 'tickSize', '0'), 'symbols[0] ETHUSDT: PRICE_FILTER.tickSize must be positive (got "0")'],
      ['step0.json', withFilter('LOT_SIZE', 'stepSize', '0.000'), 'symbols[0] ETHUSDT: LOT_SIZE.stepSize must be positive (got "0.000")'],
      ['twice.json', JSON.stringify({ symbols: [eth(), eth()] }), 'symbols[1] ETHUSDT: duplicate symbol'],
    ];
    for (const [name, text, problem] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const r = await new Promise<{ code: number | null; out: string; err: string }>((done) =>
        // A file taken as good would serve until killed: the timeout ends it (and the test) instead.
        execFile(process.execPath, [path.join(REPO, 'bin/ladder.js'), 'sim', '--port', '0', '--speed', '0', '--markets', file], { cwd: REPO, timeout: 15_000 }, (e, out, err) => done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err })),
      );
      expect(r.code, name).toBe(1);
      expect(r.out, name).toBe('');
      expect(r.err.trimEnd().split('\n'), name).toHaveLength(1);
      expect(r.err.startsWith(`ladder: ${file}: ${problem}`), r.err).toBe(true);
    }
  });

  it('a --start outside the --data candles is refused naming the file and its span (before: every price answered -1000 "no price yet"; after: a clock years past the frozen last candle), exit 1', async () => {
    const excerpt = path.join(REPO, 'data/candles/BTCUSDT-1h.csv');
    const lines = readFileSync(excerpt, 'utf8').trimEnd().split('\n');
    const span = [lines[0]!, lines.at(-1)!].map((l) => new Date(Number(l.split(',')[0])).toISOString());
    for (const start of ['2000-01-01', '2030-01-01']) {
      const r = await new Promise<{ code: number | null; out: string; err: string }>((done) =>
        // A run taken as good would serve until killed: the timeout ends it (and the test) instead.
        execFile(process.execPath, [path.join(REPO, 'bin/ladder.js'), 'sim', '--port', '0', '--speed', '0', '--data', excerpt, '--start', start], { cwd: REPO, timeout: 15_000 }, (e, out, err) => done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err })),
      );
      expect(r.code, start).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toBe(`ladder: --start ${start}T00:00:00.000Z: outside ${excerpt} (candles ${span[0]} to ${span[1]}): the replay starts at a candle of every --data file\n`);
    }
  });

  it('two --data files of one symbol are refused, naming the second (one of them was replayed and the other dropped without a word), exit 1', async () => {
    const excerpt = path.join(REPO, 'data/candles/BTCUSDT-1h.csv');
    for (const args of [['--data', `${BTC_1H},${excerpt}`], ['--data', BTC_1H, '--data', excerpt]]) {
      const r = await new Promise<{ code: number | null; out: string; err: string }>((done) =>
        // A run taken as good would serve until killed: the timeout ends it (and the test) instead.
        execFile(process.execPath, [path.join(REPO, 'bin/ladder.js'), 'sim', '--port', '0', '--speed', '0', ...args], { cwd: REPO, timeout: 15_000 }, (e, out, err) => done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err })),
      );
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toBe(`ladder: --data: two entries for BTCUSDT (${excerpt} is the second): one per symbol; several files of it (months) go in one directory, given as one entry\n`);
    }
  });

  it('--funding with a real rate file: premiumIndex gives the last settlement rate and the next one; a bad --funding is one line naming it, exit 1', async () => {
    const funding = path.resolve(REPO, '../shared/data/binance-usdm-funding/BTCUSDT-fundingRate.csv');
    const run = startCli(['--port', '0', '--data', BTC_1H, '--funding', funding, '--speed', '0']);
    child = run.child;
    const ex = ccxtForSimulator(await run.url);
    try {
      await ex.loadMarkets();
      // Start 2022-01-21T20:00: the file's 16:00 settlement (0.00008226) is the last, 2022-01-22T00:00 the next.
      const f = await ex.fetchFundingRate(BTC);
      expect([f.fundingRate, f.fundingTimestamp]).toEqual([0.00008226, Date.UTC(2022, 0, 22)]);
    } finally {
      await ex.close();
    }
    child.kill('SIGINT');
    expect(await run.exit).toBe(0);

    const dir = tempDir('ladder-sim-funding-');
    const broken = path.join(dir, 'BTCUSDT-fundingRate.csv');
    writeFileSync(broken, 'calc_time,funding_interval_hours,last_funding_rate\n1640995200006,8,0.5x\n');
    const cases: [string, string][] = [
      [broken, `ladder: --funding: ${broken}:2: last_funding_rate: not a number ("0.5x")`],
      [path.join(dir, 'missing.csv'), `ladder: --funding: ${path.join(dir, 'missing.csv')}: cannot read (ENOENT)`],
      [`${funding},${funding}`, `ladder: --funding: two entries for BTCUSDT (${funding} is the second): one per symbol`],
    ];
    for (const [arg, line] of cases) {
      const r = await new Promise<{ code: number | null; err: string }>((done) =>
        execFile(process.execPath, [path.join(REPO, 'bin/ladder.js'), 'sim', '--port', '0', '--funding', arg], { cwd: REPO }, (e, _out, err) => done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, err })),
      );
      expect(r.code, arg).toBe(1);
      const lines = r.err.trimEnd().split('\n');
      expect(lines, arg).toHaveLength(1);
      expect(lines[0]!.startsWith(line), lines[0]).toBe(true);
    }
  });
});
