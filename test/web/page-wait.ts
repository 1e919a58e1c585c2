import type { Locator } from 'playwright-core';

const TIMEOUT_MS = 20_000;

/**
 * Waits until the element's text is `expected` (or contains it), polling the live page: the page
 * updates on its own, so a check waits for the condition, never for a fixed time. Fails with the last
 * text seen.
 */
export async function waitForText(loc: Locator, expected: string, o: { contains?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? TIMEOUT_MS);
  await loc.first().waitFor({ timeout: o.timeoutMs ?? TIMEOUT_MS });
  let last: string | null = null;
  for (;;) {
    last = await loc.first().textContent({ timeout: 1000 }).catch(() => null);
    if (last !== null && (o.contains ? last.includes(expected) : last.trim() === expected)) return;
    if (Date.now() > deadline) throw new Error(`waited for ${o.contains ? 'text containing' : 'text'} ${JSON.stringify(expected)}, last seen ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const waitForCount = async (loc: Locator, n: number, timeoutMs = TIMEOUT_MS): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await loc.count();
    if (got === n) return;
    if (Date.now() > deadline) throw new Error(`waited for ${n} elements, found ${got}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
