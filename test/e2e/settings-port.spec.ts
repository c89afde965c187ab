/**
 * The registry port is one setting, and every view reads it: change it in Settings and the Registry view's
 * `docker run` preview, the Build view's default tag and its docker commands, the Run view's example reference
 * and the tour's commands all follow, twice in a row (so nothing kept the first value).
 * It starts nothing in Docker: the registry name is one no container has, so the Registry view stays empty.
 */
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { freePort, openApp } from './helpers/app.js';

const suffix = randomBytes(4).toString('hex');
const name = `mal-e2e-port-${suffix}`;

async function saveSettings(page: Page, fields: { name?: string; port: number }): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Areas' });
  await nav.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  if (fields.name) await page.getByLabel('Container name').fill(fields.name);
  await page.getByLabel('Port', { exact: true }).fill(String(fields.port));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
}

/** Every place a view shows the port, checked against `port` (and never the previous one). */
async function expectEveryViewOn(page: Page, port: number, previous: number): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Areas' });

  await test.step(`Registry: the docker run preview publishes ${port}`, async () => {
    await nav.getByRole('link', { name: 'Registry', exact: true }).click();
    const empty = page.getByTestId('registry-empty');
    await expect(empty.getByRole('heading', { name: 'No local registry yet' })).toBeVisible({ timeout: 30_000 });
    const preview = empty.locator('.command code');
    await expect(preview).toContainText(`docker run -d -p ${port}:5000 --restart=always --name ${name}`);
    await expect(preview).not.toContainText(`-p ${previous}:5000`);
    await empty.getByText('Options', { exact: true }).click();
    await expect(empty.getByLabel('Port', { exact: true })).toHaveValue(String(port));
  });

  await test.step(`Build: the default tag and the docker commands push to localhost:${port}`, async () => {
    await nav.getByRole('link', { name: 'Build', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Build', level: 1 })).toBeVisible();
    const tag = `localhost:${port}/hello:1`;
    await expect(page.getByLabel('Image (repository and tag)')).toHaveValue(tag);
    // a folder makes the preview appear; it is only shown, nothing is built
    await page.getByLabel(/A folder of my own/).check();
    await page.getByLabel('Folder', { exact: true }).fill('/tmp/mal-e2e-port-project');
    await page.getByText('The same with docker').click();
    const commands = page.locator('.disclosure .commands .command code');
    await expect(commands.first()).toContainText(`--tag ${tag}`);
    await expect(page.locator('.disclosure .commands')).not.toContainText(`localhost:${previous}/`);
    await page.getByLabel(/Old-school: one build per platform/).check();
    await expect(commands.first()).toContainText(`-t localhost:${port}/hello:1-`);
    await expect(commands.last()).toContainText(`docker manifest push --insecure ${tag}`);
    await page.getByLabel(/Modern: one buildx build/).check();
  });

  await test.step(`Run: the example reference is on localhost:${port}`, async () => {
    await nav.getByRole('link', { name: 'Runs', exact: true }).click();
    await expect(page.getByLabel('Image reference')).toHaveAttribute('placeholder', `localhost:${port}/hello:1`);
  });

  await test.step(`Tour: its commands name localhost:${port}`, async () => {
    await nav.getByRole('link', { name: 'Build', exact: true }).click();
    const strip = page.getByTestId('tutorial');
    if (!(await strip.isVisible())) await page.getByRole('button', { name: 'Guided tour' }).click();
    const command = strip.getByTestId('tutorial-detail').locator('.command code');
    await expect(command).toContainText(`--tag localhost:${port}/hello:1`);
    await nav.getByRole('link', { name: 'Runs', exact: true }).click();
    await expect(command).toContainText(` run localhost:${port}/hello:1`);
    await expect(strip.getByTestId('tutorial-detail')).not.toContainText(`localhost:${previous}`);
  });
}

test('changing the registry port in Settings changes every preview and default tag on every view', async ({ page }) => {
  test.setTimeout(180_000);
  const problems = await openApp(page);
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();

  // put back what the other specs expect from the shared server's settings
  const nav = page.getByRole('navigation', { name: 'Areas' });
  await nav.getByRole('link', { name: 'Settings', exact: true }).click();
  const saved = { name: await page.getByLabel('Container name').inputValue(), port: Number(await page.getByLabel('Port', { exact: true }).inputValue()) };
  try {
    await saveSettings(page, { name, port: first });
    await expectEveryViewOn(page, first, saved.port);
    await saveSettings(page, { port: second });
    await page.reload();
    await expectEveryViewOn(page, second, first);
  } finally {
    await saveSettings(page, saved);
  }
  expect(problems).toEqual([]);
});
