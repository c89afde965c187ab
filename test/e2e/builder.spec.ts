/**
 * The Builder view in Chromium, through browser mode, against the real buildx on this machine:
 * create the host-networked builder, see it listed, remove it; and start one from the BuildKit image
 * the provisioning loaded. Builders get unique names (mal-e2e-bld-…); whatever
 * builder was current before is current again afterwards.
 */
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { docker, openApp } from './helpers/app.js';

const suffix = randomBytes(4).toString('hex');
const plain = `mal-e2e-bld-${suffix}`;
const booted = `mal-e2e-bldb-${suffix}`;
let previous: string | null = null;

async function openBuilderView(page: Page): Promise<string[]> {
  const problems = await openApp(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Builder' }).click();
  await expect(page.getByRole('heading', { name: 'Builder', level: 1 })).toBeVisible();
  await expect(page.getByTestId('builders')).toBeVisible({ timeout: 60_000 });
  return problems;
}

/** Fills the create form with a name and the two switches; network=host stays on, as the recipe wants. */
async function fillCreateForm(page: Page, name: string, opts: { bootstrap: boolean }) {
  const form = page.getByRole('region', { name: 'Create the host-networked builder' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await expect(form.getByLabel(/Share the host network/)).toBeChecked();
  // Not made current: other suites may be building with the current builder right now.
  await form.getByLabel(/Use as the current builder/).uncheck();
  const bootstrap = form.getByLabel(/Start it now/);
  if (opts.bootstrap) await bootstrap.check();
  else await bootstrap.uncheck();
  return form;
}

async function currentBuilder(): Promise<string | null> {
  const { stdout } = await docker(['buildx', 'inspect']);
  return /^Name:\s+(\S+)/m.exec(stdout)?.[1] ?? null;
}

test.describe.configure({ mode: 'serial' });
// Tall enough that the whole view fits in one screenshot (the content pane scrolls, not the page).
test.use({ viewport: { width: 1280, height: 2000 } });

test.beforeAll(async () => {
  previous = await currentBuilder();
});

test.afterAll(async () => {
  for (const name of [plain, booted]) await docker(['buildx', 'rm', name]).catch(() => undefined);
  if (previous && (await currentBuilder().catch(() => null)) !== previous) await docker(['buildx', 'use', previous]);
});

test('create a host-networked builder without bootstrap, see it listed, remove it through the dialog', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const problems = await openBuilderView(page);
  const form = await fillCreateForm(page, plain, { bootstrap: false });
  await expect(form.locator('.command code').first()).toHaveText(`$ docker buildx create --name ${plain} --driver docker-container --driver-opt network=host`);
  await form.getByRole('button', { name: 'Create builder' }).click();

  await expect(page.getByTestId('builder-created')).toContainText(`Builder ${plain} created`, { timeout: 60_000 });
  const row = page.locator(`tr[data-builder="${plain}"]`);
  await expect(row.locator('[data-field="driver"]')).toHaveText('docker-container');
  await expect(row.locator('[data-field="driver-options"]')).toContainText('network=host');
  await expect(row).not.toContainText('current');

  // buildx itself agrees.
  const { stdout } = await docker(['buildx', 'inspect', plain]);
  expect(stdout).toMatch(/^Driver:\s+docker-container$/m);
  expect(stdout).toMatch(/Driver Options:\s+network="?host"?/);

  await page.screenshot({ path: testInfo.outputPath('builder-light.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: testInfo.outputPath('builder-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });

  await row.getByRole('button', { name: `Remove ${plain}` }).click();
  const dialog = page.getByTestId('builder-remove-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expect(dialog).toContainText(`docker buildx rm ${plain}`);
  await dialog.getByRole('button', { name: 'Remove builder' }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId('builder-removed')).toContainText(`Removed ${plain}`);

  const ls = await docker(['buildx', 'ls']);
  expect(ls.stdout).not.toContain(plain);
  expect(problems).toEqual([]);
});

test('bootstrap starts BuildKit from the image on the engine; the builder shows running, and removal takes its container', async ({ page }) => {
  // The provisioning loads moby/buildkit:buildx-stable-1 from ../shared/test-images, so the start succeeds offline.
  // The offline pull failure is tested in test/integration/builder.test.ts with an image name that is not loaded.
  test.setTimeout(240_000);
  const loaded = await docker(['image', 'inspect', 'moby/buildkit:buildx-stable-1']).then(() => true, () => false);
  expect(loaded, 'moby/buildkit:buildx-stable-1 must be loaded (scripts/provision-test-engine.sh)').toBe(true);
  const problems = await openBuilderView(page);
  const form = await fillCreateForm(page, booted, { bootstrap: true });
  await expect(form.locator('.command code').nth(1)).toHaveText(`$ docker buildx inspect --bootstrap ${booted}`);
  await form.getByRole('button', { name: 'Create builder' }).click();

  await expect(page.getByTestId('builder-created')).toContainText(`Builder ${booted} created`, { timeout: 180_000 });
  const row = page.locator(`tr[data-builder="${booted}"]`);
  await expect(row).toContainText('running', { timeout: 60_000 });
  // The platforms BuildKit reported once started (the cell shows the first few, its title all of them).
  await expect(row.locator('td[title*="linux/arm64"]')).toHaveCount(1);
  const ps = await docker(['ps', '--filter', `name=^/buildx_buildkit_${booted}0$`, '--format', '{{.Names}}']);
  expect(ps.stdout.trim()).toBe(`buildx_buildkit_${booted}0`);

  await row.getByRole('button', { name: `Remove ${booted}` }).click();
  const dialog = page.getByTestId('builder-remove-dialog');
  await dialog.getByRole('button', { name: 'Remove builder' }).click();
  await expect(row).toHaveCount(0, { timeout: 60_000 });
  expect((await docker(['buildx', 'ls'])).stdout).not.toContain(booted);
  const left = await docker(['ps', '-a', '--filter', `name=^/buildx_buildkit_${booted}0$`, '--format', '{{.Names}}']);
  expect(left.stdout.trim()).toBe('');
  expect(problems).toEqual([]);
});
