/**
 * bin/ladder.js and the precompiled CLI (scripts/build-cli.ts): the bundle runs commands exactly as
 * the sources do (files found next to the sources, TypeScript strategy modules loaded at run time),
 * and a bundle older than an edited source is not used. Runs in a copy of bin/, src/ and scripts/
 * so the build never touches the checkout's dist/ that other runs may be using.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const root = tempDir('ladder-bin-');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(nodeArgs: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    // Only this test chooses the bundle or the sources: an outer LADDER_FROM_SOURCE is dropped.
    const { LADDER_FROM_SOURCE: _outer, ...outer } = process.env;
    const e: NodeJS.ProcessEnv = { ...outer, NO_COLOR: '1', ...env };
    execFile(process.execPath, nodeArgs, { cwd: root, env: e, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const ladder = (args: string[], env?: Record<string, string>) => run([join(root, 'bin', 'ladder.js'), ...args], env);
const fromSource = (args: string[]) => ladder(args, { LADDER_FROM_SOURCE: '1' });
/** The build as `npm ci` runs it (the prepare script), on the copy. */
const build = () => run(['--import', 'tsx', join(root, 'scripts', 'build-cli.ts'), '--root', root]);

// The bundle announces itself on stderr when this line is appended to it (appending keeps the source map's lines).
const MARK = 'ladder-test: ran dist/ladder.js';
const markBundle = () => appendFileSync(join(root, 'dist', 'ladder.js'), `\nprocess.stderr.write(${JSON.stringify(`${MARK}\n`)});\n`);

const VALIDATE = ['config', 'validate', 'examples/scaled.config.json'];

beforeAll(async () => {
  for (const d of ['bin', 'src', 'scripts']) cpSync(join(repo, d), join(root, d), { recursive: true });
  cpSync(join(repo, 'package.json'), join(root, 'package.json'));
  // Read-only inputs and the installed packages are shared with the checkout.
  for (const d of ['node_modules', 'data', 'examples']) symlinkSync(join(repo, d), join(root, d));
  const r = await build();
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ladder: built dist\/ladder\.js from \d+ source files/);
}, 120_000);

describe('the precompiled CLI', () => {
  it('writes the entry, its lazily loaded chunks with source maps, and the list of its sources and outputs', () => {
    const inputs = JSON.parse(readFileSync(join(root, 'dist', 'ladder.inputs.json'), 'utf8')) as { format: number; inputs: Record<string, [number, number]>; outputs: string[] };
    expect(inputs.format).toBe(2);
    expect(Object.keys(inputs.inputs)).toContain('src/cli/main.ts');
    expect(Object.keys(inputs.inputs).every((p) => p.startsWith('src/'))).toBe(true); // npm packages stay external
    expect(inputs.outputs).toContain('dist/ladder.js');
    expect(inputs.outputs.some((p) => /^dist\/chunk-\w+\.js$/.test(p))).toBe(true); // the commands' await import()s stay lazy
    for (const f of inputs.outputs) {
      expect(existsSync(join(root, f))).toBe(true);
      expect(existsSync(join(root, `${f}.map`))).toBe(true);
    }
  });

  it('backtests exactly as the sources do, with the default markets file and a TypeScript strategy module', async () => {
    // Both read files located from their own module (import.meta.url): data/markets, the strategy's tsImport parent.
    for (const config of ['examples/scaled.config.json', 'examples/strategies/rsi-reversion.config.json']) {
      const args = ['backtest', '--config', config, '--data', 'data/candles/BTCUSDT-1h.csv', '--json'];
      const [bundled, source] = await Promise.all([ladder(args), fromSource(args)]);
      expect(bundled.stderr).toBe('');
      expect(bundled.code).toBe(0);
      expect(JSON.parse(bundled.stdout).summary.trades).toBeGreaterThan(0);
      expect(bundled.stdout).toBe(source.stdout);
    }
  });

  it('writes the HTML report with its browser bundle built from src/web/client', async () => {
    const out = join(root, 'report.html');
    const r = await ladder(['backtest', '--config', 'examples/scaled.config.json', '--data', 'data/candles/BTCUSDT-1h.csv', '--report', out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<script>');
    expect(html.length).toBeGreaterThan(100_000); // the chart library is inlined
  });

  it("runs the optimizer's pool threads from their own bundle (dist/pool-worker.js, no tsx in the threads), with the sources' results", async () => {
    // The threads announce themselves on stderr once this line is appended to their bundle: written to fd 2
    // at once (a thread's process.stderr goes through the main thread, which may exit before it is passed on).
    const threadMark = 'ladder-test: ran dist/pool-worker.js';
    appendFileSync(join(root, 'dist', 'pool-worker.js'), `\n(await import('node:fs')).writeSync(2, ${JSON.stringify(`${threadMark}\n`)});\n`);
    const args = (db: string) => ['optimize', '--config', 'examples/scaled.config.json', '--data', 'data/candles/BTCUSDT-1h.csv,data/candles/ETHUSDT-1h.csv', '--space', 'examples/ladder-space.json', '--method', 'random', '--trials', '6', '--seed', '3', '--workers', '2', '--db', join(root, db), '--json'];
    const [bundled, source] = await Promise.all([ladder(args('bundled.db')), fromSource(args('source.db'))]);
    expect(bundled.code).toBe(0);
    expect(source.code).toBe(0);
    // Every thread loads the one entry the pool names (workerEntry): one mark shows it is the bundle. How
    // many threads the pool starts depends on how fast the first is ready (on demand, up to --workers).
    expect(bundled.stderr.split(threadMark).length).toBeGreaterThanOrEqual(2);
    expect(source.stderr).not.toContain(threadMark);
    const study = (r: Run): Record<string, unknown> => ({ ...(JSON.parse(r.stdout) as Record<string, unknown>), run_id: null });
    expect(study(bundled)).toEqual(study(source));
    expect((study(bundled).ranking as unknown[]).length).toBe(6);
  }, 60_000);
});

describe('bin/ladder.js', () => {
  it('runs the bundle while the sources are unchanged, the sources once one is edited, the bundle again after a build', async () => {
    markBundle();
    const fresh = await ladder(VALIDATE);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^ok: examples\/scaled\.config\.json/);
    expect(fresh.stderr).toContain(MARK);

    // A developer edits a source: the edit runs, not the bundle built before it.
    const cmd = join(root, 'src', 'cli', 'commands', 'config.ts');
    const text = readFileSync(cmd, 'utf8');
    expect(text).toContain('`ok: ');
    writeFileSync(cmd, text.replace('`ok: ', '`edited ok: '));
    const edited = await ladder(VALIDATE);
    expect(edited.code).toBe(0);
    expect(edited.stdout).toMatch(/^edited ok: examples\/scaled\.config\.json/);
    expect(edited.stderr).not.toContain(MARK);

    const rebuilt = await build();
    expect(rebuilt.code).toBe(0);
    markBundle();
    const again = await ladder(VALIDATE);
    expect(again.stdout).toMatch(/^edited ok: /);
    expect(again.stderr).toContain(MARK);
  }, 60_000);

  it('runs the sources when a source or a chunk of the bundle is gone or the list is missing or malformed, and when LADDER_FROM_SOURCE=1', async () => {
    expect((await build()).code).toBe(0);
    markBundle();
    expect((await ladder(VALIDATE)).stderr).toContain(MARK);
    expect((await fromSource(VALIDATE)).stderr).not.toContain(MARK);

    const listed = join(root, 'dist', 'ladder.inputs.json');
    const saved = readFileSync(listed, 'utf8');
    const inputs = JSON.parse(saved) as { inputs: Record<string, [number, number]>; outputs: string[] };
    writeFileSync(listed, JSON.stringify({ ...inputs, inputs: { ...inputs.inputs, 'src/cli/gone.ts': [1, 1] } }));
    const gone = await ladder(VALIDATE);
    expect(gone.code).toBe(0);
    expect(gone.stderr).not.toContain(MARK);

    const chunk = inputs.outputs.find((p) => p !== 'dist/ladder.js')!;
    const chunkText = readFileSync(join(root, chunk));
    writeFileSync(listed, saved);
    rmSync(join(root, chunk));
    const noChunk = await ladder(VALIDATE);
    expect(noChunk.code).toBe(0);
    expect(noChunk.stderr).not.toContain(MARK);
    writeFileSync(join(root, chunk), chunkText);

    writeFileSync(listed, JSON.stringify({ format: 2, inputs: { 'src/cli/main.ts': 5 }, outputs: [] })); // not the build's shape
    const odd = await ladder(VALIDATE);
    expect(odd.code).toBe(0);
    expect(odd.stderr).not.toContain(MARK);

    rmSync(listed);
    const none = await ladder(VALIDATE);
    expect(none.code).toBe(0);
    expect(none.stderr).not.toContain(MARK);

    writeFileSync(listed, saved);
    expect((await ladder(VALIDATE)).stderr).toContain(MARK);
  }, 60_000);
});
