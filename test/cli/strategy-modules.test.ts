import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';
import { runLadder } from '../support/ladder-cli.ts';

/** Strategy modules from the command line: the examples' documented commands, and every failure. */
const ROOT = resolve(import.meta.dirname, '../..');
const MODULES = join(ROOT, 'test/strategy/modules');
const tmp = tempDir('ladder-modules-cli-');
const H = 3_600_000;

/** Runs `ladder`; its TMPDIR is this file's temp dir, so what it makes there (`demo`'s store) goes with it. */
const ladder = (args: string[]) => runLadder(args, { env: { ...process.env, TMPDIR: tmp } });

/** A config in the temp directory whose strategy is `strategy`; returns its path. */
function config(name: string, strategy: Record<string, unknown>): string {
  const p = join(tmp, name);
  writeFileSync(p, JSON.stringify({ symbols: ['BTC/USDT:USDT'], strategy }));
  return p;
}

/** The backtest commands docs/strategies.md gives for the examples, run as written. */
const documented = readFileSync(join(ROOT, 'docs/strategies.md'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('node bin/ladder.js backtest --config examples/strategies/'));

describe('strategy modules on the command line', () => {
  it('docs/strategies.md gives a backtest command for each example', () => {
    expect(documented.map((l) => /examples\/strategies\/([\w-]+)\.config\.json/.exec(l)?.[1]).sort()).toEqual(['donchian-breakout', 'rsi-reversion']);
  });

  for (const command of documented) {
    it(`runs: ${command}`, async () => {
      const r = await ladder(command.replace(/^node bin\/ladder\.js /, '').split(/\s+/));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Backtest \w+: 2016 candles, (rsi_reversion|donchian_breakout), scaled TP/);
      expect(Number(/trades\s+(\d+)/.exec(r.stdout)?.[1])).toBeGreaterThan(10);
    }, 60_000);
  }

  it('config validate loads the module; compare runs it', async () => {
    const v = await ladder(['config', 'validate', 'examples/strategies/rsi-reversion.config.json']);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('module ./rsi-reversion.ts');
    const c = await ladder(['compare', '--config', 'examples/strategies/donchian-breakout.config.json', '--data', 'data/candles/ETHUSDT-1h.csv', '--json']);
    expect(c.code).toBe(0);
    expect((JSON.parse(c.stdout) as { runs: unknown[] }).runs).toHaveLength(2);
  }, 60_000);

  it('the bot runs the same module: demo (simulator + bot through ccxt) trades with its ATR stops', async () => {
    const r = await ladder(['demo', '--config', 'examples/strategies/donchian-breakout.config.json', '--speed', '60', '--duration', '10', '--no-dashboard']);
    expect(r.code, r.stderr.slice(-2_000)).toBe(0);
    const entries = r.stdout.split('\n').filter((l) => /ETHUSDT\s+(LONG|SHORT) [\d.]+ at/.test(l));
    // One entry is enough to show the module's stop; quiet, 10 s of demo make ~20 (a loaded machine's slow start, fewer).
    expect(entries.length, r.stdout.slice(-2_000)).toBeGreaterThan(0);
    // The module's stop (2 ATR), not the config's 2 %: entry and stop are further apart than 2 %.
    const far = entries.map((l) => /at ([\d.]+)\s+stop ([\d.]+)/.exec(l)!).map(([, e, s]) => Math.abs(Number(e) / Number(s) - 1) * 100);
    expect(far.some((pct) => Math.abs(pct - 2) > 0.1)).toBe(true);
  }, 60_000);

  const broken: [string, Record<string, unknown>, RegExp][] = [
    ['missing file', { name: 'module', path: './nowhere.ts' }, /strategy: \.\/nowhere\.ts: strategy module not found \(looked for .*nowhere\.ts/],
    ['syntax error', { name: 'module', path: './syntax-error.ts' }, /strategy: \.\/syntax-error\.ts:3: cannot load the strategy module: .*Expected/],
    ['no create export', { name: 'module', path: join(MODULES, 'no-create.ts') }, /no-create\.ts: does not export `create`/],
    ['bad params', { name: 'module', path: join(ROOT, 'examples/strategies/rsi-reversion.ts'), params: { period: 'x' } }, /rsi-reversion\.ts: bad params: strategy\.params\.period: /],
    ['create throws', { name: 'module', path: join(MODULES, 'throws-in-create.ts') }, /throws-in-create\.ts:6: create\(\) threw: RangeError: no can do/],
  ];
  writeFileSync(join(tmp, 'syntax-error.ts'), 'export const params = 1;\nexport function create() {\n  return { onCandle() { return null ;; const = 3 } };\n}\n');

  for (const [what, strategy, message] of broken) {
    it(`${what}: config validate and backtest exit 1 naming the file`, async () => {
      const cfg = config(`${what.replace(/ /g, '-')}.json`, strategy);
      const v = await ladder(['config', 'validate', cfg]);
      expect(v.code).toBe(1);
      expect(v.stderr).toMatch(message);
      const b = await ladder(['backtest', '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv']);
      expect(b.code).toBe(1);
      expect(b.stderr).toMatch(message);
      expect(b.stdout).toBe('');
    }, 60_000);
  }

  it("--json: a module's console.log (debugging) goes to stderr, stdout holds the JSON only", async () => {
    const talky = join(tmp, 'talky.mjs');
    writeFileSync(
      talky,
      "export const params = { safeParse: (x) => ({ success: true, data: x }) };\nconsole.log('loaded');\nexport function create() {\n  return { onCandle(c, i) { if (i === 3) { console.log('candle', i); console.info('info'); console.dir({ i }); } return i === 30 ? { side: 'long' } : null; } };\n}\n",
    );
    const cfg = config('talky.json', { name: 'module', path: talky });
    for (const command of ['backtest', 'compare']) {
      const r = await ladder([command, '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(() => JSON.parse(r.stdout), `${command}: ${r.stdout.slice(0, 80)}`).not.toThrow();
      expect(r.stderr).toContain('loaded');
      expect(r.stderr).toContain('candle 3');
    }
  }, 60_000);

  it('a module that calls process.exit(0) on a candle: backtest and compare exit 1 naming the module and the line, not 0 with no result', async () => {
    const cfg = config('exits.json', { name: 'module', path: join(MODULES, 'exits-on-candle.ts'), params: { at: 5 } });
    for (const command of ['backtest', 'compare']) {
      const r = await ladder([command, '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv']);
      expect(r.code, command).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`ladder: ${join(MODULES, 'exits-on-candle.ts')}:10: the strategy module called process.exit(0): the run stopped without its result\n`);
    }
  }, 60_000);

  it('a module that fails outside onCandle (a promise it does not await rejects, a timer it set throws): one line naming the module and the line, exit 1, no stack trace of Ladder', async () => {
    const file = join(MODULES, 'fails-outside-candle.ts');
    for (const [how, line, message] of [
      ['promise', 11, 'report upload failed at candle 5'],
      ['timer', 12, 'late failure after candle 5'],
    ] as const) {
      const cfg = config(`outside-${how}.json`, { name: 'module', path: file, params: { at: 5, how } });
      const r = await ladder(['backtest', '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv']);
      expect(r.code, how).toBe(1);
      expect(r.stderr).toBe(`ladder: ${file}:${line}: the strategy module failed outside onCandle (a promise it did not await, a timer, a callback): ${message}\n`);
    }
  }, 60_000);

  it("a module's stop past the liquidation distance (an ATR stop in a wild hour) is not entered and said, as ema_cross's ATR stop is: the backtest goes on (before: it stopped, exit 1)", async () => {
    const wide = join(tmp, 'wide-stop.mjs');
    // Candle 10: long with a 50 % stop (past 19.50 % at 5x); candle 20: long with a 1 % stop.
    writeFileSync(wide, "export const params = { safeParse: (x) => ({ success: true, data: x }) };\nexport function create() {\n  return { onCandle(c, i) { return i === 10 ? { side: 'long', stopLossPct: 50 } : i === 20 ? { side: 'long', stopLossPct: 1 } : null; } };\n}\n");
    const base = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')) as Record<string, unknown>;
    const cfg = join(tmp, 'wide-stop.json');
    writeFileSync(cfg, JSON.stringify({ ...base, $schema: undefined, leverage: 5, strategy: { name: 'module', path: wide } }));
    const first = Number(readFileSync(join(ROOT, 'data/candles/BTCUSDT-1h.csv'), 'utf8').split(',')[0]);
    const r = await ladder(['backtest', '--json', '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: signals not taken: 1 stop_past_liquidation (the first: BTCUSDT ${new Date(first + 11 * H).toISOString()}: stop 50.00 % at or beyond the liquidation distance at 5x leverage (19.50 %))`);
    const trades = (JSON.parse(r.stdout) as { trades: { entry_time: string }[] }).trades;
    expect(trades.map((t) => t.entry_time)).toEqual([new Date(first + 21 * H).toISOString()]); // the 1 % one, at candle 21's open
  }, 60_000);

  it('a module that throws on a candle stops the backtest with the file, line and candle', async () => {
    const first = Number(readFileSync(join(ROOT, 'data/candles/BTCUSDT-1h.csv'), 'utf8').split(',')[0]);
    const cfg = config('throws.json', { name: 'module', path: join(MODULES, 'throws-on-candle.ts'), params: { throw_at_ms: first + 30 * H } });
    const b = await ladder(['backtest', '--config', cfg, '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect(b.code).toBe(1);
    expect(b.stderr).toBe(`ladder: ${join(MODULES, 'throws-on-candle.ts')}:11: onCandle threw on candle 30 (${new Date(first + 30 * H).toISOString()} BTCUSDT): boom at candle 30\n`);
  }, 60_000);
});
