import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export const SHOTS = join(resolve(import.meta.dirname, '../..'), 'test-results');

/**
 * Records every uncaught page error and console error of a page: a dashboard test fails on any
 * ([views] 17), so `errors` must stay empty.
 */
export function watchPage(page: Page): { readonly errors: string[] } {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  return { errors };
}

/**
 * Elements sticking out of the viewport horizontally: the page scrolls sideways, or an element's box
 * goes past the right edge without a scroll box (overflow-x auto/scroll/hidden) around it to hold it.
 */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width) out.push(`document is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
    const clipped = (e: Element): boolean => {
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
      }
      return false;
    };
    for (const e of document.body.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if ((r.right > width + 1 || r.left < -1) && !clipped(e)) {
        const id = e.id ? `#${e.id}` : '';
        const cls = typeof e.className === 'string' && e.className ? `.${e.className.split(' ').join('.')}` : '';
        out.push(`${e.tagName.toLowerCase()}${id}${cls} spans ${Math.round(r.left)}–${Math.round(r.right)}px`);
      }
    }
    return out.slice(0, 10);
  });
}

/**
 * A screenshot into test-results/ that was looked at: no page error so far, nothing loaded from off
 * this machine, nothing wider than the viewport, and the texts the view must show.
 */
export async function lookedAt(page: Page, name: string, o: { errors: readonly string[]; blocked: readonly string[]; texts: readonly string[] }): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  expect(o.errors, `${name}: page errors`).toEqual([]);
  expect(o.blocked, `${name}: requests off this machine`).toEqual([]);
  expect(await overflowing(page), `${name}: elements wider than the viewport`).toEqual([]);
  // innerText: only what is rendered (hidden tabs left out), as displayed (CSS may upper-case labels).
  const text = (await page.evaluate(() => document.body.innerText)).toLowerCase();
  for (const t of o.texts) expect(text, `${name}: shows "${t}"`).toContain(t.toLowerCase());
}
