import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/cli/read-config.ts';
import { tempDir } from '../support/temp-dir.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'bin', 'ladder.js');
const dir = tempDir('ladder-config-');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `ladder` process, as a user would. */
function ladder(args: string[], cwd = repo): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

let n = 0;
/** Writes a config file in the temp dir and returns its path. */
function file(content: string | object): string {
  const path = join(dir, `config-${++n}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const errorLines = (r: Run): string[] => r.stderr.split('\n').filter((l) => l !== '');

describe('ladder config validate', () => {
  it('accepts the shipped config.json by default, with a summary', async () => {
    const r = await ladder(['config', 'validate']);
    expect(r).toEqual({
      code: 0,
      stdout: 'ok: config.json\nbinanceusdm BTC/USDT:USDT 1h, ema_cross 12/26, 1x, 1000 USDT per position, stop 2 %, scaled TP off (single TP 3 %)\n',
      stderr: '',
    });
  });

  it('summarises a scaled ladder', async () => {
    const path = file({ enable_scaled_take_profit: true, leverage: 5, position_size: { mode: 'risk_pct', value: 1 } });
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `ok: ${path}\nbinanceusdm BTC/USDT:USDT 1h, ema_cross 12/26, 5x, 1 % of equity at risk per position, stop 2 %, scaled TP on: 30 % at 1 %, 30 % at 2 %, 40 % at 3.5 %\n`,
    );
  });

  it('takes the file as --config too, as every other command does, and refuses two different files', async () => {
    const path = file({ exchange: { id: 'kraken' } });
    const r = await ladder(['config', 'validate', '--config', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`ladder: ${path}:3:11: exchange.id: only "binanceusdm" is supported for now (got "kraken")`]);
    expect((await ladder(['config', 'validate', '--config', 'config.json'])).stdout).toMatch(/^ok: config\.json\n/);
    const both = await ladder(['config', 'validate', 'config.json', '--config', path]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain(`two files given (config.json and --config ${path}): give one`);
  });

  it('rejects descending levels, naming the level and its line', async () => {
    const path = file(`{
  "scaled_tp_levels": [
    { "profit_pct": 2, "close_pct": 50 },
    { "profit_pct": 1, "close_pct": 50 }
  ]
}`);
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLines(r)).toEqual([`ladder: ${path}:4:21: scaled_tp_levels[1].profit_pct: must be greater than the level before it (scaled_tp_levels[0].profit_pct: 2)`]);
  });

  it('rejects close_pct summing to 99, naming the sum', async () => {
    const path = file({ scaled_tp_levels: [{ profit_pct: 1, close_pct: 30 }, { profit_pct: 2, close_pct: 30 }, { profit_pct: 3.5, close_pct: 39 }] });
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`ladder: ${path}:2:23: scaled_tp_levels: close_pct values must sum to 100, got 99`]);
  });

  it('rejects a negative profit_pct', async () => {
    const path = file({ scaled_tp_levels: [{ profit_pct: -1, close_pct: 100 }] });
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`ladder: ${path}:4:21: scaled_tp_levels[0].profit_pct: must be greater than 0`]);
  });

  it('rejects an exchange other than binanceusdm and a position size of 1e308, naming each path', async () => {
    const path = file('{\n  "exchange": { "id": "kraken" },\n  "position_size": { "mode": "quote", "value": 1e308 }\n}\n');
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLines(r)).toEqual([
      `ladder: ${path}:2:23: exchange.id: only "binanceusdm" is supported for now (got "kraken")`,
      `ladder: ${path}:3:48: position_size.value: must be at most 1e9`,
    ]);
  });

  it('rejects an unknown key', async () => {
    const path = file({ leverage: 2, stop_los_pct: 1 });
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`ladder: ${path}:3:3: stop_los_pct: unknown key (did you mean "stop_loss_pct"?)`]);
  });

  it('rejects an API key in the file without echoing it', async () => {
    const path = file({ exchange: { id: 'binanceusdm', api_secret: 'do-not-print-me' } });
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([
      `ladder: ${path}:4:5: exchange.api_secret: secrets are never config keys: API keys come from LADDER_API_KEY and LADDER_API_SECRET in the environment or .env`,
    ]);
    expect(r.stderr + r.stdout).not.toContain('do-not-print-me');
  });

  it('rejects malformed JSON, naming line and column', async () => {
    const path = file('{\n  "leverage": 2\n  "stop_loss_pct": 1\n}\n');
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`ladder: ${path}:3:3: malformed JSON: Expected ',' or '}' after property value`]);
  });

  it('reports several problems at once, one per line, in file order', async () => {
    const path = file(`{
  "leverage": 50,
  "stop_loss_pct": 3,
  "colour": "blue",
  "strategy": { "name": "macd" },
  "scaled_tp_levels": [
    { "profit_pct": 2, "close_pct": 50, "move_stop_to": "previous_tp" },
    { "profit_pct": 1, "close_pct": 49 }
  ]
}`);
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([
      `ladder: ${path}:3:20: stop_loss_pct: 3 is at or beyond the liquidation distance at 50x leverage (1.5 % = 100/50 − 0.5 % maintenance margin): the stop could never fire`,
      `ladder: ${path}:4:3: colour: unknown key`,
      `ladder: ${path}:5:25: strategy.name: must be one of "ema_cross", "signals", "module"`,
      `ladder: ${path}:6:23: scaled_tp_levels: close_pct values must sum to 100, got 99`,
      `ladder: ${path}:7:57: scaled_tp_levels[0].move_stop_to: "previous_tp" is not allowed on level 0: there is no previous target`,
      `ladder: ${path}:8:21: scaled_tp_levels[1].profit_pct: must be greater than the level before it (scaled_tp_levels[0].profit_pct: 2)`,
    ]);
  });

  it('says so clearly when the file does not exist', async () => {
    const path = join(dir, 'missing.json');
    const r = await ladder(['config', 'validate', path]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([`ladder: ${path}: cannot read the config file: it does not exist (copy the shipped config.json, or pass a path)`]);
  });

  it('reads a signals strategy\'s file: a missing one, or a bad line in it, is refused naming the file; a good one passes', async () => {
    const missing = file({ strategy: { name: 'signals', file: 'does-not-exist.csv' } });
    const r = await ladder(['config', 'validate', missing]);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(errorLines(r)).toEqual([`ladder: ${missing}: strategy: ${join(dir, 'does-not-exist.csv')}: file: cannot read (ENOENT)`]);
    writeFileSync(join(dir, 'bad-signals.csv'), 'time,symbol,side\n2026-01-01T00:00:00Z,BTCUSDT,sideways\n');
    const bad = await ladder(['config', 'validate', file({ strategy: { name: 'signals', file: 'bad-signals.csv' } })]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad-signals\.csv:2: side: /);
    writeFileSync(join(dir, 'good-signals.csv'), 'time,symbol,side\n2026-01-01T00:00:00Z,BTCUSDT,long\n');
    const good = await ladder(['config', 'validate', file({ strategy: { name: 'signals', file: 'good-signals.csv' } })]);
    expect(good.code, good.stderr).toBe(0);
  });

  it('a command that loads the config (backtest) prints its problems as every CLI error: `ladder: file:line:col: path: what`', async () => {
    const path = file({ leverage: 500, colour: 'blue' });
    const r = await ladder(['backtest', '--config', path, '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(errorLines(r)).toEqual([
      `ladder: ${path}:2:15: leverage: must be at most 125`,
      `ladder: ${path}:3:3: colour: unknown key`,
      `ladder: ${path}: invalid config (2 problems above)`,
    ]);
  });

  it('defaults to config.json in the working directory', async () => {
    const r = await ladder(['config', 'validate'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('config.json: cannot read the config file: it does not exist');
  });
});

describe('ladder config schema', () => {
  it('prints the committed config.schema.json', async () => {
    const r = await ladder(['config', 'schema']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(join(repo, 'config.schema.json'), 'utf8'));
  });

  it('prints a schema that accepts the shipped config and rejects a broken one', async () => {
    const { $schema, ...schema } = JSON.parse((await ladder(['config', 'schema'])).stdout) as Record<string, unknown>;
    expect($schema).toBe('https://json-schema.org/draft/2020-12/schema');
    // ajv 6 speaks draft-07, which covers every keyword used here; only the meta-schema id is dropped.
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(JSON.parse(readFileSync(join(repo, 'config.json'), 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ leverage: 0, colour: 'blue' })).toBe(false);
  });
});

describe('readConfig (used by every command)', () => {
  it('returns the config and writes nothing when the file is valid', async () => {
    const out: string[] = [];
    const r = await readConfig(join(repo, 'config.json'), (l) => out.push(l));
    expect(r.ok).toBe(true);
    expect(out).toEqual([]);
  });

  it('writes every issue and returns them', async () => {
    const path = file({ leverage: 0, x: 1 });
    const out: string[] = [];
    const r = await readConfig(path, (l) => out.push(l));
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual(['leverage', 'x']);
    expect(out).toEqual([`${path}:2:15: leverage: must be at least 1`, `${path}:3:3: x: unknown key`]);
  });

  it('turns a read failure into one issue', async () => {
    const out: string[] = [];
    const r = await readConfig(dir, (l) => out.push(l));
    expect(r.ok).toBe(false);
    expect(out).toEqual([`${dir}: cannot read the config file: it is a directory`]);
  });
});
