/**
 * `node --import tsx bench/report-render.ts [--runs N]`: the HTML report's size and time to first
 * draw in headless Chromium (docs/report.md). Two reports: the README's BTCUSDT run (4 years, 1h with
 * 15m detail) and the 3-ladder compare on the ten 1h symbols. For each: the file's bytes, then the
 * median over N page loads of the time from navigation to `data-ready` (charts drawn, first page of
 * trades listed) and of the page's own share (`data-render-ms`: inflating and decoding the data,
 * building the charts). Measures; asserts nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { launchChromium } from '../test/support/browser.ts';
import { EXAMPLE_CONFIG, EXCHANGE_INFO, SYMBOLS_1H, klineFile } from './paths.ts';
import { median } from './timing.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LADDERS = ['default', 'front-loaded', 'runner-heavy'].map((n) => join(ROOT, `examples/ladders/${n}.json`));
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const RUNS = Number(args.runs);

const dir = await mkdtemp(join(tmpdir(), 'ladder-bench-report-'));
const reports: { name: string; file: string; argv: string[] }[] = [
  {
    name: 'backtest BTCUSDT 1h+15m, 4 years (README)',
    file: join(dir, 'btc.html'),
    argv: ['backtest', '--config', EXAMPLE_CONFIG, '--data', klineFile('BTCUSDT', '1h'), '--detail', klineFile('BTCUSDT', '15m'), '--markets', EXCHANGE_INFO],
  },
  {
    name: 'compare 3 ladders + single, ten 1h symbols, 4 years',
    file: join(dir, 'compare.html'),
    argv: ['compare', '--config', EXAMPLE_CONFIG, '--data', SYMBOLS_1H.map((s) => klineFile(s, '1h')).join(','), '--markets', EXCHANGE_INFO, '--ladders', ...LADDERS],
  },
];

const browser = await launchChromium();
const results: { name: string; bytes: number; drawn_ms: number; page_ms: number }[] = [];
// With --json, the lines go to stderr and stdout gets one JSON line (bench/run.ts reads it).
const say = (line: string) => (args.json ? process.stderr : process.stdout).write(line);
try {
  for (const r of reports) {
    await run(process.execPath, [join(ROOT, 'bin/ladder.js'), ...r.argv, '--report', r.file], { cwd: ROOT, maxBuffer: 1 << 24 });
    const bytes = (await stat(r.file)).size;
    const loadMs: number[] = [];
    const pageMs: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(pathToFileURL(r.file).href);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      const t = await page.evaluate(() => ({ load: performance.now(), own: Number(document.body.dataset.renderMs) }));
      await page.close();
      if (i === 0) continue; // warm-up: the first load also starts the renderer
      loadMs.push(t.load);
      pageMs.push(t.own);
    }
    results.push({ name: r.name, bytes, drawn_ms: median(loadMs), page_ms: median(pageMs) });
    say(`${r.name}: ${(bytes / 1e6).toFixed(2)} MB, navigation → drawn median ${median(loadMs).toFixed(0)} ms (page's own work ${median(pageMs).toFixed(0)} ms), runs ${loadMs.map((x) => x.toFixed(0)).join(' ')}\n`);
  }
  say(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  if (args.json) {
    const [btc, cmp] = results;
    process.stdout.write(`${JSON.stringify({
      report_btc_bytes: btc!.bytes, report_btc_drawn_ms: btc!.drawn_ms,
      report_compare_10_bytes: cmp!.bytes, report_compare_10_drawn_ms: cmp!.drawn_ms,
      reports: results, meta: { runs: RUNS, loadavg: loadavg() },
    })}\n`);
  }
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
