import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'LADDERTESTKEY9f3a7c1e5b';
const SECRET = 'LADDERTESTSECRETd8e2b6a4f0c9';

/** Runs the CLI; with `untilMs`, Ctrl-C that long after the bot started (a loaded machine may take seconds to get there). */
function run(args: string[], env: Record<string, string>, untilMs?: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child: ChildProcess = spawn('node', ['bin/ladder.js', ...args], { cwd: ROOT, env: { ...process.env, LADDER_API_KEY: '', LADDER_API_SECRET: '', ...env } });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const started = () => {
      if (untilMs && !timer && /bot.started|bot started/.test(out + err)) timer = setTimeout(() => child.kill('SIGINT'), untilMs);
    };
    child.stdout!.on('data', (d) => ((out += d), started()));
    child.stderr!.on('data', (d) => ((err += d), started()));
    child.on('close', (code) => done({ code, out, err })); // 'close': the output is all read
  });
}

describe('ladder live', () => {
  let sim: Simulator;
  const dir = tempDir('ladder-live-');
  beforeAll(async () => {
    sim = await startSimulator({ dataFiles: [join(ROOT, 'data/candles/BTCUSDT-1h.csv')], speed: 40, apiKey: KEY, apiSecret: SECRET, warmupCandles: 60 });
  });
  afterAll(async () => sim?.close());

  it('refuses to start without API keys, saying where keys come from', async () => {
    const r = await run(['live', '--config', 'examples/scaled.config.json', '--confirm-live'], {});
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/LADDER_API_KEY and LADDER_API_SECRET/);
  });

  it('refuses to start with keys that are only blanks (LADDER_API_KEY=" " in .env or the environment), as without keys', async () => {
    const r = await run(['live', '--config', 'examples/scaled.config.json', '--confirm-live', '--exchange-url', sim.url, '--no-dashboard'], { LADDER_API_KEY: ' ', LADDER_API_SECRET: '\t ' }, 300);
    expect(r.code).not.toBe(0);
    expect(r.err.trimEnd().split('\n').at(-1)).toBe('ladder: live trading needs API keys: set LADDER_API_KEY and LADDER_API_SECRET in the environment or in .env (never in config.json)');
  });

  it('refuses to start without --confirm-live', async () => {
    const r = await run(['live', '--config', 'examples/scaled.config.json'], { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--confirm-live/);
  });

  it('refuses a --poll-ms that is not a whole number of milliseconds (it polled every 1 ms), before the bot starts (live and paper)', async () => {
    const dbOf = (n: string) => join(dir, `poll-${n}.db`);
    for (const [args, text] of [
      [['live', '--confirm-live', '--db', dbOf('a')], '5s'],
      [['paper', '--db', dbOf('b')], '0'],
      [['paper', '--db', dbOf('c')], '1.5'],
    ] as const) {
      const r = await run([...args, '--config', 'examples/scaled.config.json', '--exchange-url', sim.url, '--no-dashboard', '--poll-ms', text], { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET }, 300);
      expect(r.code, `${args[0]} --poll-ms ${text}`).toBe(1);
      expect(r.err).toBe(`ladder: --poll-ms: must be a whole number of milliseconds from 1 to 3600000 (default 1000), got "${text}"\n`);
      expect(r.out).toBe('');
    }
  });

  it('refuses an --exchange-url that is not an http(s) URL (it retried "notaurl/fapi/v1/exchangeInfo" as a transient failure, forever), before the bot starts (paper, live, close)', async () => {
    for (const [args, text] of [
      [['paper', '--db', join(dir, 'url-a.db')], 'notaurl'],
      [['live', '--confirm-live', '--db', join(dir, 'url-b.db')], 'ftp://127.0.0.1:1'],
      [['close', '--all', '--confirm-live'], '127.0.0.1:18080'],
    ] as const) {
      const r = await run([...args, '--config', 'examples/scaled.config.json', '--no-dashboard', '--exchange-url', text].filter((a) => args[0] !== 'close' || a !== '--no-dashboard'), { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET }, 300);
      expect(r.code, `${args[0]} --exchange-url ${text}`).toBe(1);
      expect(r.err).toBe(`ladder: --exchange-url: must be an http:// or https:// URL (e.g. http://127.0.0.1:18080), got ${JSON.stringify(text)}\n`);
      expect(r.out).toBe('');
    }
  });

  it('trades against the simulator, stops cleanly on Ctrl-C, and never logs the key or the secret', async () => {
    const db = join(dir, 'live.db');
    const r = await run(['live', '--config', 'examples/scaled.config.json', '--confirm-live', '--exchange-url', sim.url, '--db', db, '--poll-ms', '50'], { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET, LADDER_LOG_LEVEL: 'debug' }, 8000);
    expect(r.code).toBe(0);
    // Not a terminal: JSON lines on stderr, the start summary still on stdout.
    expect(r.err).toMatch(/"msg":"bot.started"/);
    expect(r.err).toMatch(/"msg":"bot.stopped"/);
    expect(r.out).toMatch(/^Ladder live\n {2}mode {7}live: real orders with real money\n/);
    expect(r.out).toContain('TP1  +1 %     close 30 %   then stop → breakeven (the entry)');
    expect(r.out).not.toContain('{"level"');
    for (const secret of [KEY, SECRET]) {
      expect(r.err).not.toContain(secret);
      expect(r.out).not.toContain(secret);
    }
    const store = openStore(db);
    try {
      const positions = store.tradeHistory();
      // 8 s at 40 candles/s is ~300 candles of ema_cross: it entered and managed trades.
      expect(positions.length).toBeGreaterThan(0);
      for (const t of positions) expect(t.remainingSteps + t.exits.reduce((s, e) => s + e.qtySteps, 0)).toBe(t.originalSteps);
    } finally {
      store.close();
    }
  }, 60_000);
});

describe('ladder live on an account with nothing in its futures wallet', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ dataFiles: [join(ROOT, 'data/candles/BTCUSDT-1h.csv')], speed: 40, apiKey: KEY, apiSecret: SECRET, warmupCandles: 60, balance: 0 });
  });
  afterAll(async () => sim?.close());

  it('is refused at start with how to fix it (0 USDT: every entry would be refused for margin), before any order', async () => {
    const db = join(tempDir('ladder-live-empty-'), 'live.db');
    const r = await run(['live', '--config', 'examples/scaled.config.json', '--confirm-live', '--exchange-url', sim.url, '--db', db, '--no-dashboard', '--poll-ms', '50'], { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET }, 3000);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n').at(-1)).toBe('ladder: binanceusdm: the futures account holds no USDT (balance 0), the margin every entry needs: transfer USDT to the USDⓈ-M Futures wallet (Binance: Assets > Transfer), then start again');
    expect(r.out).toBe('');
    expect(sim.admin.requests().filter((q) => q.method === 'POST' && q.path === '/fapi/v1/order')).toEqual([]);
  }, 60_000);
});

/**
 * Runs `cmd` on a pseudo-terminal (util-linux `script`), as a person starting it in a terminal would; stdout
 * and stderr both land there. `script` runs `$SHELL -c cmd`: pinned to /bin/sh (dash on Debian, CI's shell),
 * which does not exec a lone command but waits for it, and dies of the terminal's SIGINT itself (exit 130
 * whatever the bot does), hence the `exec`: the bot is the terminal's foreground process, as in a real shell.
 */
function onTerminal(cmd: string, env: Record<string, string>, ctrlCAfterStartMs: number): Promise<{ code: number | null; screen: string }> {
  return new Promise((done) => {
    const child = spawn('script', ['-qec', `exec ${cmd}`, '/dev/null'], { cwd: ROOT, env: { ...process.env, SHELL: '/bin/sh', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let timer: NodeJS.Timeout | undefined;
    const read = (d: Buffer) => {
      screen += d;
      // Ctrl-C typed twice on the terminal, as an impatient person does: the terminal sends SIGINT to the
      // command each time; the second one, during the shutdown, must not kill it half-way (exit 130).
      if (!timer && screen.includes('bot started'))
        timer = setTimeout(() => {
          child.stdin.write('\x03');
          setTimeout(() => child.stdin.write('\x03'), 30);
        }, ctrlCAfterStartMs);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    // 'close', not 'exit': the last lines may still be in the pipe when the process has exited.
    child.on('close', (code) => done({ code, screen: screen.replace(/\r\n/g, '\n') }));
  });
}

describe('ladder live on a terminal', () => {
  let sim: Simulator;
  const dir = tempDir('ladder-live-tty-');
  beforeAll(async () => {
    sim = await startSimulator({ dataFiles: [join(ROOT, 'data/candles/BTCUSDT-1h.csv')], speed: 40, apiKey: KEY, apiSecret: SECRET, warmupCandles: 60 });
  });
  afterAll(async () => sim?.close());

  it('prints the start summary, then readable lines (no JSON on the terminal), with every event as JSON in --log-file', async () => {
    const db = join(dir, 'live.db');
    const logFile = join(dir, 'live.log');
    const r = await onTerminal(`node bin/ladder.js live --config examples/scaled.config.json --confirm-live --exchange-url ${sim.url} --db ${db} --poll-ms 50 --no-dashboard --log-file ${logFile}`, { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET }, 6000);
    expect(r.code, r.screen).toBe(0);
    const lines = r.screen.split('\n');
    const top = lines.indexOf('Ladder live');
    expect(top, r.screen).toBeGreaterThanOrEqual(0);
    expect(lines.slice(top, top + 20)).toEqual(
      expect.arrayContaining([
        '  mode       live: real orders with real money',
        `  exchange   binanceusdm API at ${sim.url}`,
        '  account    10000.00 USDT equity (wallet + unrealised PnL)',
        '  exit       scaled take-profit, 3 levels, a reduce-only market order when a target is touched:',
        "             TP2  +2 %     close 30 %   then stop → TP1's target",
        "  stop       initial 2 % from the entry; ladder: after TP1 breakeven (the entry), after TP2 TP1's target",
        '  sizing     1000 USDT per position, leverage 1x, isolated margin, at most 3 open positions',
        '  limits     none (risk_limits not set)',
        '  dashboard  off',
        `  log file   ${logFile} (JSON lines)`,
      ]),
    );
    expect(r.screen).toMatch(/\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {12}bot started on BTCUSDT; open positions: none\n/);
    expect(r.screen).toMatch(/bot stopped, store .*live\.db closed/);
    expect(r.screen).not.toContain('{"level"');
    for (const secret of [KEY, SECRET]) expect(r.screen).not.toContain(secret);
    const json = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(json.map((l) => l.msg)).toEqual(expect.arrayContaining(['ladder.start', 'bot.started', 'bot.stopped']));
    // Each entry and fill the terminal showed is a JSON line in the file.
    const shown = lines.filter((l) => / {2}(LONG|SHORT) \d|[✓■] /.test(l)).length;
    expect(json.filter((l) => l.msg === 'plan.made' || l.msg === 'fill.applied').length).toBe(shown);
  }, 60_000);
});

describe('ladder live when its terminal goes away', () => {
  let sim: Simulator;
  const dir = tempDir('ladder-live-hup-');
  beforeAll(async () => {
    sim = await startSimulator({ dataFiles: [join(ROOT, 'data/candles/BTCUSDT-1h.csv')], speed: 40, apiKey: KEY, apiSecret: SECRET, warmupCandles: 60 });
  });
  afterAll(async () => sim?.close());

  it('the terminal closed (the kernel hangs up its session: SIGHUP): the bot stops as on Ctrl-C, its run recorded as stopped, the store closed', async () => {
    const db = join(dir, 'hup.db');
    const logFile = join(dir, 'hup.log');
    const cmd = `exec node bin/ladder.js live --config examples/scaled.config.json --confirm-live --exchange-url ${sim.url} --db ${db} --poll-ms 50 --no-dashboard --log-file ${logFile}`;
    const term = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, SHELL: '/bin/sh', LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    term.stdout.on('data', (d) => (screen += d));
    const end = Date.now() + 30_000;
    while (!screen.includes('bot started') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(screen).toContain('bot started');
    await new Promise((r) => setTimeout(r, 1000));
    term.kill('SIGKILL'); // the terminal window closed: the kernel hangs up the bot's terminal
    const logged = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; survived?: boolean }) : []);
    while (!logged().some((l) => l.msg === 'bot.stopped') && Date.now() < end + 20_000) await new Promise((r) => setTimeout(r, 100));
    // before: SIGHUP's default action killed it there (no bot.stopped, the run left 'running'); and no
    // line written to the dead terminal may end the shutdown as a fatal exception.
    expect(logged().filter((l) => l.survived === false)).toEqual([]);
    expect(logged().map((l) => l.msg)).toContain('bot.stopped');
    await new Promise((r) => setTimeout(r, 500));
    const store = openStore(db);
    try {
      expect(store.latestRun()).toMatchObject({ feedState: 'stopped' });
      expect(store.latestRun()!.endedAtMs).not.toBeNull();
      expect(store.runLockHolder()).toBeNull();
    } finally {
      store.close();
    }
  }, 90_000);
});

describe('ladder paper', () => {
  let sim: Simulator;
  const dir = tempDir('ladder-paper-cli-');
  beforeAll(async () => {
    sim = await startSimulator({ dataFiles: [join(ROOT, 'data/candles/ETHUSDT-1h.csv')], speed: 40, warmupCandles: 60 });
  });
  afterAll(async () => sim?.close());

  it('a paper account file that is not one (cut, edited by hand: malformed JSON, null) is refused naming the file, before anything starts', async () => {
    for (const [name, text] of [['malformed', '{bad'], ['null', 'null'], ['v2-without-snapshot', '{"version":2}'], ['v2-empty-snapshot', '{"version":2,"snapshot":{}}'], ['v1-without-orders', '{"version":1,"wallet":10000}']] as const) {
      const db = join(dir, `${name}-account.db`);
      writeFileSync(`${db}.paper.json`, text);
      const r = await run(['paper', '--config', 'examples/scaled.config.json', '--exchange-url', sim.url, '--db', db, '--no-dashboard'], {});
      expect(r.code, name).toBe(1);
      expect(r.err.trimEnd().split('\n').at(-1), name).toMatch(new RegExp(`^ladder: ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.paper\\.json: not a paper account \\(`));
    }
  });

  it('a symbol the market data does not list is named with that exchange, marked paper (it said "is not a market of paper")', async () => {
    const cfg = join(dir, 'unknown-symbol.config.json');
    const c = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    writeFileSync(cfg, JSON.stringify({ ...c, $schema: undefined, symbols: ['ETHH/USDT:USDT'] }));
    const r = await run(['paper', '--config', cfg, '--exchange-url', sim.url, '--db', join(dir, 'unknown-symbol.db'), '--no-dashboard'], {});
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n').at(-1)).toBe('ladder: symbols: ETHH/USDT:USDT is not a market of binanceusdm (paper)');
  }, 60_000);

  it('a --balance that is not a finite positive amount (1e400: Infinity, written to the account file as null) is refused before anything starts', async () => {
    for (const text of ['1e400', 'Infinity', '-5']) {
      const db = join(dir, `balance-${text}.db`);
      const r = await run(['paper', '--config', 'examples/scaled.config.json', '--exchange-url', sim.url, '--db', db, '--no-dashboard', '--balance', text], {}, 300);
      expect(r.code, text).toBe(1);
      expect(r.err.trimEnd().split('\n').at(-1), text).toBe(`ladder: --balance: must be a positive amount, got ${text}`);
      expect(existsSync(`${db}.paper.json`), text).toBe(false);
    }
  });

  it('--balance given to an existing paper account is said to be ignored (paper.balance_ignored); the account carries on with its own balance', async () => {
    const db = join(dir, 'balance.db');
    const cfg = join(dir, 'balance.config.json');
    const c = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    writeFileSync(cfg, JSON.stringify({ ...c, $schema: undefined, symbols: ['ETH/USDT:USDT'], strategy: { name: 'ema_cross', fast: 500, slow: 900 } }));
    const paper = (more: string[]) => run(['paper', '--config', cfg, '--exchange-url', sim.url, '--db', db, '--no-dashboard', ...more], {}, 300);
    const first = await paper(['--balance', '500']);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/ {2}account {4}500\.00 USDT equity \(wallet \+ unrealised PnL\)/);
    expect(first.err).not.toContain('paper.balance_ignored');
    const again = await paper(['--balance', '2000']);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/ {2}account {4}500\.00 USDT equity \(wallet \+ unrealised PnL\)/);
    const warned = again.err.split('\n').filter((l) => l.includes('"msg":"paper.balance_ignored"')).map((l) => JSON.parse(l) as { level: number; balance: number; paperAccount: string });
    expect(warned.map((w) => [w.level, w.balance, w.paperAccount])).toEqual([[40, 2000, `${db}.paper.json`]]);
    const plain = await paper([]);
    expect(plain.err).not.toContain('paper.balance_ignored');
  }, 60_000);

  it('trades on public market data without keys, keeps its paper account in a file beside the store, stops on Ctrl-C', async () => {
    const db = join(dir, 'paper.db');
    const cfg = join(dir, 'paper.config.json');
    const { readFileSync, writeFileSync, existsSync } = await import('node:fs');
    const c = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    writeFileSync(cfg, JSON.stringify({ ...c, $schema: undefined, symbols: ['ETH/USDT:USDT'] }));
    const r = await run(['paper', '--config', cfg, '--exchange-url', sim.url, '--db', db, '--poll-ms', '50'], {}, 8000);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/"mode":"paper"/);
    expect(existsSync(`${db}.paper.json`)).toBe(true);
    const store = openStore(db);
    try {
      expect(store.tradeHistory({ includeOpen: true }).length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 60_000);
});

describe('ladder live --manage', () => {
  it('takes symbols in any case and ccxt form (btcusdt adopts the BTCUSDT position opened by hand); a symbol the config does not trade is refused before anything starts', async () => {
    const sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET, seed: 21, speed: 0 });
    try {
      sim.admin.setPrice('BTCUSDT', 60000);
      sim.admin.setPrice('ETHUSDT', 3000);
      const hand = ccxtForSimulator(sim.url, { apiKey: KEY, secret: SECRET });
      await hand.loadMarkets();
      await hand.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01, undefined, { clientOrderId: 'hand-btc' });
      await hand.close();
      const dir = tempDir('ladder-live-manage-');
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], leverage: 5, enable_scaled_take_profit: true, stop_loss_pct: 2 }));
      const keys = { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET };
      const args = (db: string, manage: string) => ['live', '--config', config, '--db', join(dir, db), '--confirm-live', '--no-dashboard', '--exchange-url', sim.url, '--poll-ms', '200', '--manage', manage];

      const refused = await run(args('nope.db', 'nopeusdt'), keys, 1000); // (a bot that starts anyway is stopped 1 s in)
      expect([refused.code, refused.out]).toEqual([1, '']);
      expect(refused.err).toBe("ladder: --manage: NOPEUSDT is not one of the config's symbols (BTCUSDT, ETHUSDT): the bot adopts positions only on the symbols it trades\n");
      expect(existsSync(join(dir, 'nope.db'))).toBe(false);

      const child = spawn('node', ['bin/ladder.js', ...args('live.db', 'btcusdt')], { cwd: ROOT, env: { ...process.env, ...keys } });
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const end = Date.now() + 60_000;
      while (!err.includes('"msg":"position.adopted"') && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      expect(await exited, err).toBe(0);
      const adopted = err.split('\n').filter((l) => l.includes('"msg":"position.adopted"'));
      expect(adopted.map((l) => (JSON.parse(l) as { symbol: string }).symbol)).toEqual(['BTCUSDT']);
    } finally {
      await sim.close();
    }
  }, 90_000);
});
