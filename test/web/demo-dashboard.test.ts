import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { blockNetwork } from './offline.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WAIT = { timeout: 60_000 };

/** Starts `ladder demo` and resolves with the dashboard URL it prints. */
function startDemo(): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn('node', ['bin/ladder.js', 'demo', '--port', '0', '--speed', '4', '--duration', '120'], { cwd: ROOT, env: { ...process.env, LADDER_API_KEY: '', LADDER_API_SECRET: '' } });
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no dashboard URL in 30 s:\n${out}`)), 30_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ child, url: m[1]!, out: () => out });
      }
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => fail(new Error(`demo exited (${code}) before printing its dashboard:\n${out}`)));
  });
}

describe('ladder demo (npm start) with its dashboard, in headless Chromium', () => {
  let browser: Browser | null = null;
  let demo: Awaited<ReturnType<typeof startDemo>> | null = null;
  afterAll(async () => {
    await browser?.close();
    if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL');
  });

  it('prints the dashboard URL; a card’s ladder gains a check when a level fills, live; History and Analytics fill in; nothing from the network', async () => {
    demo = await startDemo();
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const blocked = await blockNetwork(page, demo.url.replace(/\/$/, ''));
    await page.goto(demo.url);
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
      { timeout: 90_000, polling: 50 },
    );
    const id = (await gained.jsonValue()) as string;
    expect(id).toMatch(/^(BTC|ETH|SOL)USDT-/);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'demo-positions.png') });

    await page.click('#tab-history');
    await page.waitForSelector('#history-tab details.trade', WAIT);
    await page.click('#history-tab details.trade summary');
    await page.waitForSelector('#history-tab details.trade[open] tr.exit', WAIT);
    await page.click('#tab-analytics');
    await page.waitForSelector('#analytics-tab #levels table.levels tbody tr', WAIT);
    await page.screenshot({ path: join(ROOT, 'test-results', 'demo-analytics.png'), fullPage: true });
    expect(blocked).toEqual([]);

    // Ctrl-C stops the bot and the dashboard cleanly.
    const exited = new Promise<number | null | 'hung'>((r) => {
      demo!.child.on('exit', (code) => r(code));
      setTimeout(() => r('hung'), 30_000).unref();
    });
    demo.child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(demo.out()).toMatch(/demo stopped: simulator closed, store closed/);
  }, 240_000);
});
