import type { Page } from 'playwright-core';

/**
 * Lets the page reach its own server only: every other request (any host but the dashboard's loopback
 * origin) is aborted and recorded. A page that works under this loads nothing from the network.
 */
export async function blockNetwork(page: Page, origin: string): Promise<string[]> {
  const blocked: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return blocked;
}
