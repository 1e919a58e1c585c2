import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { blockNetwork } from './offline.ts';
import { lookedAt, watchPage } from './page-guard.ts';
import { waitForText } from './page-wait.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WAIT = { timeout: 60_000 };
/** Replayed candles per second: the demo's 1,916 candles run out after about 70 s of live updates. */
const SPEED = 27;
/** The live part must last at least this long with no page error ([views] 17, done-when). */
const LIVE_MS = 60_000;

/** Starts a `ladder` child and resolves with the URL it prints (`pattern`'s first group). */
function startLadder(args: string[], pattern: RegExp): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn('node', ['bin/ladder.js', ...args], { cwd: ROOT, env: { ...process.env, LADDER_API_KEY: '', LADDER_API_SECRET: '' } });
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no URL in 30 s:\n${out}`)), 30_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ child, url: m[1]!, out: () => out });
      }
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => fail(new Error(`ladder ${args[0]} exited (${code}) before printing its URL:\n${out}`)));
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null | 'hung'>((r) => {
    if (child.exitCode !== null) return r(child.exitCode);
    child.on('exit', (code) => r(code));
    setTimeout(() => r('hung'), 30_000).unref();
  });

/** Counts the live stream's messages by name (the page's own EventSource, wrapped before it loads). */
async function countStream(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const counts: Record<string, number> = {};
    (window as unknown as { streamCounts: Record<string, number> }).streamCounts = counts;
    const add = EventSource.prototype.addEventListener as (this: EventSource, name: string, fn: EventListener) => void;
    EventSource.prototype.addEventListener = function (this: EventSource, name: string, fn: EventListener) {
      add.call(this, name, () => (counts[name] = (counts[name] ?? 0) + 1));
      add.call(this, name, fn);
    } as typeof EventSource.prototype.addEventListener;
  });
}

describe('ladder demo (npm start) with its dashboard, in headless Chromium', () => {
  let browser: Browser | null = null;
  const children: ChildProcess[] = [];
  // Made here, not in the test: removed after afterAll has killed the processes writing to it.
  const dir = tempDir('ladder-demo-test-');
  afterAll(async () => {
    await browser?.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('live for over 60 s with no page error, beside the bot and from `ladder dashboard --db` in another process: cards gain checks, History and Analytics fill in; the data runs out and both headers say "ended"; nothing from the network', async () => {
    const db = join(dir, 'demo.db');
    const demo = await startLadder(['demo', '--port', '0', '--speed', String(SPEED), '--db', db], /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
    children.push(demo.child);
    // The same store watched by a dashboard of its own, polling the store while the demo writes it.
    const watcher = await startLadder(['dashboard', '--db', db, '--port', '0'], /Ladder dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
    children.push(watcher.child);
    browser = await launchChromium();
    const side = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const sideWatch = watchPage(side);
    const sideBlocked = await blockNetwork(side, watcher.url.replace(/\/$/, ''));
    await side.goto(watcher.url);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const { errors } = watchPage(page);
    await countStream(page);
    const blocked = await blockNetwork(page, demo.url.replace(/\/$/, ''));
    await page.goto(demo.url);
    const liveFrom = Date.now();
    await page.waitForSelector('body[data-ready="true"]', WAIT);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    // A card seen with no check that later shows one: the page updated by itself when the level filled.
    const gained = await page.waitForFunction(
      () => {
        const w = window as unknown as { zero?: Set<string> };
        w.zero ??= new Set();
        for (const a of document.querySelectorAll<HTMLElement>('article.position')) {
          const id = a.dataset.positionId!;
          const checks = a.querySelectorAll('.ladder .check').length;
          if (checks === 0) w.zero.add(id);
          else if (w.zero.has(id)) return id;
        }
        return false;
      },
      undefined,
      { timeout: 60_000, polling: 50 },
    );
    expect((await gained.jsonValue()) as string).toMatch(/^(BTC|ETH|SOL)USDT-/);
    await waitForText(page.locator('#run-line'), '· 3×', { contains: true }); // examples/demo.config.json
    await lookedAt(page, 'demo-positions', { errors, blocked, texts: ['Open positions', 'Account', 'live'] });

    await page.click('#tab-history');
    await page.waitForSelector('#history-tab details.trade', WAIT);
    await page.click('#history-tab details.trade summary');
    await page.waitForSelector('#history-tab details.trade[open] tr.exit', WAIT);
    await page.click('#tab-analytics');
    await page.waitForSelector('#analytics-tab #levels table.levels tbody tr', WAIT);
    await lookedAt(page, 'demo-analytics', { errors, blocked, texts: ['Analytics of closed trades'] });
    // Back to the live charts until the replay runs out: the header says so, by itself.
    await page.click('#tab-positions');
    await page.waitForSelector('#conn.ended', { timeout: 150_000 });
    const liveMs = Date.now() - liveFrom;
    await waitForText(page.locator('#conn'), 'ended · data ran out');
    expect(demo.out()).toMatch(/the demo's data ended at \d{4}-\d\d-\d\dT/);
    const counts = await page.evaluate(() => (window as unknown as { streamCounts: Record<string, number> }).streamCounts);
    console.log(`demo live for ${(liveMs / 1000).toFixed(1)} s: stream messages ${JSON.stringify(counts)}`);
    expect(liveMs).toBeGreaterThanOrEqual(LIVE_MS);
    expect(counts['prices'] ?? 0).toBeGreaterThan(100);
    expect(counts['candle'] ?? 0).toBeGreaterThan(1000);
    expect(errors).toEqual([]);
    await lookedAt(page, 'demo-ended', { errors, blocked, texts: ['ended · data ran out'] });
    await waitForText(side.locator('#conn'), 'ended · data ran out');
    await lookedAt(side, 'demo-watched-ended', { errors: sideWatch.errors, blocked: sideBlocked, texts: ['ended · data ran out', 'demo run since'] });
    watcher.child.kill('SIGINT');
    expect(await exitOf(watcher.child)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);

    // Ctrl-C stops the bot and the dashboard cleanly.
    demo.child.kill('SIGINT');
    expect(await exitOf(demo.child)).toBe(0);
    // Ctrl-C may come before or after the summary printed a second after the data ended: both end with it.
    expect(demo.out()).toMatch(/demo stopped( \(the demo's data ended at [^)]*\))?: simulator closed, store closed/);
    expect(demo.out()).toContain('Summary of this run');

    // `ladder dashboard --db` over the finished store, from the repository root (its config.json says
    // leverage 1): the store's run says 3×, and that its data ended.
    const dash = await startLadder(['dashboard', '--db', db, '--port', '0'], /Ladder dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/);
    children.push(dash.child);
    const after = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const watched = watchPage(after);
    const afterBlocked = await blockNetwork(after, dash.url.replace(/\/$/, ''));
    await after.goto(dash.url);
    await after.waitForSelector('body[data-ready="true"]', WAIT);
    await waitForText(after.locator('#conn'), 'ended · data ran out');
    await waitForText(after.locator('#run-line'), '· 3×', { contains: true });
    await waitForText(after.locator('#run [data-key="leverage"] b'), '3×', { contains: true });
    for (const head of await after.locator('article.position .head').allTextContents()) expect(head).toContain('3×');
    await lookedAt(after, 'demo-finished-store', { errors: watched.errors, blocked: afterBlocked, texts: ['ended · data ran out', 'demo run since'] });
    dash.child.kill('SIGINT');
    expect(await exitOf(dash.child)).toBe(0);
  }, 300_000);
});
