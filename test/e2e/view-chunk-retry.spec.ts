/**
 * A view's chunk whose fetch fails is fetched again (renderer/src/app.tsx, viewChunk). Chromium aborts every request
 * in flight when the machine's network changes (docker adding a container's interface is enough), and a module that
 * failed stays failed under its own address: before, the page went blank. Here every fetch of the Settings view's
 * chunk without a query is aborted as such a change would: the view still opens, from the address with ?retry=.
 */
import { expect, test } from '@playwright/test';
import { openApp } from './helpers/app.js';

test('a view whose chunk failed to load once still opens', async ({ page }) => {
  const fetched: string[] = [];
  await page.route(/\/assets\/settings-view-[^/]+\.js(\?.*)?$/, async (route) => {
    const url = route.request().url();
    fetched.push(url);
    if (!url.includes('?')) await route.abort('internetdisconnected');
    else await route.continue();
  });
  const problems = await openApp(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByLabel('Container name')).toBeVisible({ timeout: 30_000 });
  expect(fetched.some((u) => !u.includes('?'))).toBe(true);
  expect(fetched.some((u) => /\?retry=\d$/.test(u))).toBe(true);
  expect(problems).toEqual([]);
});
