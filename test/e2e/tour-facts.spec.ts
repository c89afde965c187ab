/**
 * Issue 11 in Chromium, through browser mode, against the real engine and a registry of this spec's own:
 * fields checked as the user types (item 10), the tour's marks judged on its own image (7), choices and the
 * sample remembered across a reload, and "use these files" (8), commands complete as printed (9), a build whose
 * progress adds up and whose log holds every step (12), and focus, task cards and platform titles (14).
 * Names are mal-e2e-facts-<random>, containers carry dev.multiarch-lab.test, and everything is removed after.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { docker, freePort, openApp, pushSourceImage, startTestRegistry } from './helpers/app.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TEST_LABEL = 'dev.multiarch-lab.test=e2e-facts';
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const suffix = randomBytes(4).toString('hex');
const reg = { name: `mal-e2e-facts-${suffix}`, volume: `mal-e2e-factsvol-${suffix}`, port: 0 };
let workDir = '';
/** The sample this spec writes into the shared server's workspace: removed after, so later specs create their own. */
let writtenSample = '';

test.use({ viewport: { width: 1280, height: 2400 } });

test.beforeAll(async () => {
  reg.port = await freePort();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'mal-e2e-facts-'));
  await startTestRegistry({ name: reg.name, port: reg.port, label: TEST_LABEL });
});

test.afterAll(async () => {
  await docker(['rm', '-f', '-v', reg.name]).catch(() => undefined);
  // what a build with the docker driver keeps locally, by our registry's address only
  const listed = await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).catch(() => ({ stdout: '' }));
  for (const image of listed.stdout.split('\n').filter((i) => i.startsWith(`localhost:${reg.port}/`))) await docker(['image', 'rm', image]).catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
  if (writtenSample) await rm(writtenSample, { recursive: true, force: true });
});

test('the tour judges its own image, remembers the user’s choices, and every field says what is wrong as it is typed', async ({ page, browser }) => {
  test.setTimeout(420_000);
  const problems = await openApp(page);
  const nav = page.getByRole('navigation', { name: 'Areas' });
  const tag = `localhost:${reg.port}/hello:1`;

  await test.step('Settings: a port that is not one is named at the field, and Save waits', async () => {
    await nav.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Container name').fill(reg.name);
    await page.getByLabel('Volume', { exact: true }).fill(reg.volume);
    const port = page.getByLabel('Port', { exact: true });
    await port.fill('');
    await expect(page.locator('#setting-registryPort-error')).toHaveText('a port is a number from 1 to 65535');
    await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();
    await port.fill('70000');
    await expect(page.locator('#setting-registryPort-error')).toHaveText('a port is a number from 1 to 65535');
    await port.fill(String(reg.port));
    await expect(page.locator('#setting-registryPort-error')).toHaveCount(0);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
  });

  const strip = page.getByTestId('tutorial');
  const tagField = page.getByLabel('Image (repository and tag)');
  const buildButton = page.getByRole('button', { name: 'Build', exact: true });

  await test.step('Build: the default tag is the one the tour’s goal names, and the tag is checked as it is typed', async () => {
    await nav.getByRole('link', { name: 'Build', exact: true }).click();
    await page.getByRole('button', { name: 'Guided tour' }).click();
    await expect(strip).toBeVisible();
    await expect(tagField).toHaveValue(tag);
    await strip.getByRole('button', { name: /4\. Build/ }).click();
    await expect(strip.getByTestId('tutorial-detail')).toContainText(`Done when: The registry serves the tag this tour built (${tag} by default)`);

    await tagField.fill(`localhost:${reg.port}/Hello:1`);
    await expect(page.getByTestId('build-tag-error')).toHaveText('a repository name is lowercase');
    await expect(buildButton).toBeDisabled();
    await tagField.fill(`localhost:${reg.port}/hello:`);
    await expect(page.getByTestId('build-tag-error')).toHaveText('the tag after ":" is empty');
    await tagField.fill('walk:1');
    await expect(page.getByTestId('build-tag-error')).toHaveCount(0);
    await expect(page.getByTestId('build-tag-warning')).toHaveText(/^walk:1 names no registry, so a push would go to Docker Hub \(docker\.io\/library\/walk:1\)/);
    await tagField.fill(tag);
    await expect(page.getByTestId('build-tag-warning')).toHaveCount(0);
  });

  await test.step('the tour’s command is complete and runnable here: the CLI as this machine calls it, the absolute folder, our registry', async () => {
    const command = strip.getByTestId('tutorial-detail').locator('.command code');
    await expect(command).toContainText(`${path.join(root, 'dist', 'cli', 'index.js')} build /`);
    await expect(command).toContainText('/hello-multiarch --platform linux/amd64,linux/arm64,linux/arm/v7');
    await expect(command).toContainText(`--tag ${tag}`);
    await expect(strip.getByTestId('tutorial-state-build')).toHaveText('to do');
    await expect(strip.getByTestId('tutorial-checked')).toContainText('No build of this tour has finished yet.');
  });

  const base = `localhost:${reg.port}/alpine:3.15`;
  await pushSourceImage(base);

  await test.step('Create with Enter: the sample is written and focus lands on where it went', async () => {
    await page.getByLabel('Base image').fill(base);
    await page.getByRole('button', { name: 'Create sample project' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('sample-dir')).toContainText('hello-multiarch');
    await expect(page.getByTestId('sample-dir')).toBeFocused();
  });

  await test.step('a reload keeps the sample, the base image, the platforms and the tag', async () => {
    await page.getByRole('checkbox', { name: 'linux/s390x', exact: true }).check();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Build', level: 1 })).toBeVisible();
    await expect(page.getByLabel('Base image')).toHaveValue(base);
    await expect(page.getByTestId('sample-dir')).toContainText('hello-multiarch');
    await expect(page.getByRole('checkbox', { name: 'linux/s390x', exact: true })).toBeChecked();
    await page.getByRole('checkbox', { name: 'linux/s390x', exact: true }).uncheck();
    for (const p of THREE) await expect(page.getByRole('checkbox', { name: p, exact: true })).toBeChecked();
    await expect(tagField).toHaveValue(tag);
    await expect(buildButton).toBeEnabled();
  });

  await test.step('a folder that already holds the sample is offered “use these files”', async () => {
    const written = (await page.getByTestId('sample-dir').locator('code').textContent())!.trim();
    writtenSample = written;
    const copy = path.join(workDir, 'hello-multiarch-copy');
    await mkdir(copy, { recursive: true });
    await copyFile(path.join(written, 'Dockerfile'), path.join(copy, 'Dockerfile'));
    await copyFile(path.join(written, 'README.md'), path.join(copy, 'README.md'));
    await page.getByLabel('Folder (optional)').fill(copy);
    await page.getByLabel('Base image').fill('alpine:3.15');
    // another folder: a fresh create there, which finds the sample and does not write over it
    await page.getByRole('button', { name: 'Create sample project' }).click();
    const notice = page.getByTestId('sample-error');
    await expect(notice).toContainText('The folder already holds the sample');
    await expect(notice).toBeFocused();
    await notice.getByRole('button', { name: 'Use these files' }).click();
    await expect(page.getByTestId('sample-dir')).toContainText(copy);
    // the base is the one in the files: nothing is rewritten, nothing is stale
    await expect(page.getByLabel('Base image')).toHaveValue(base);
  });

  await test.step('Build with Enter: focus follows the build, the progress adds up, the log holds every step', async () => {
    await buildButton.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('build-state')).toHaveText('pushed', { timeout: 240_000 });
    await expect(page.getByTestId('build-outcome')).toBeFocused();
    for (const p of THREE) {
      const card = page.locator(`.platform-progress[data-platform="${p}"]`);
      await expect(card.getByTestId(`platform-state-${p}`)).toHaveText(/done|cached/);
      await expect(card).toContainText('3 of 3 steps');
      // the title is one name: it stays on one line
      const rects = await card.locator('.platform-name').evaluate((el) => el.getClientRects().length);
      expect(rects).toBe(1);
      await expect(card.locator('.platform-name')).toHaveCSS('white-space', 'nowrap');
    }
    await expect(page.getByTestId('build-run').locator('.build-run-summary')).toContainText('9 of 9 steps');
    await expect(page.getByTestId('build-run')).not.toContainText('took no time');
    const log = page.getByTestId('build-log');
    for (const p of THREE) await expect(log).toContainText(`[${p} 3/3] RUN chmod +x /hello.sh`);
    await expect(page.getByTestId('build-log-count')).not.toHaveText(/^(0|1) lines?$/);
  });

  await test.step('the tour’s build mark: checked against the registry, for the digest this tour built', async () => {
    await expect(strip.getByTestId('tutorial-state-build')).toHaveText('done', { timeout: 30_000 });
    await expect(strip.getByTestId('tutorial-checked')).toContainText(`The registry serves ${tag}`);
    await expect(strip.getByTestId('tutorial-checked')).toContainText('the digest this tour built');
    await expect(strip.getByTestId('tutorial-checked')).toContainText('linux/amd64, linux/arm64, linux/arm/v7');
    await strip.getByRole('button', { name: /5\. Runs/ }).click();
    await expect(strip.getByTestId('tutorial-state-runs')).toHaveText('to do');
    await expect(strip.getByTestId('tutorial-checked')).toContainText('No run of');
    await nav.getByRole('link', { name: 'Build', exact: true }).click();
  });

  await test.step('a cancelled build afterwards leaves the finished build step done', async () => {
    const dir = path.join(workDir, 'slow');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${base}\nRUN echo slow-${suffix} && sleep 60\n`);
    await page.getByLabel(/A folder of my own/).check();
    await page.getByLabel('Folder', { exact: true }).fill(dir);
    for (const p of THREE.slice(1)) await page.getByRole('checkbox', { name: p, exact: true }).uncheck();
    await tagField.fill(`localhost:${reg.port}/slow:1`);
    await buildButton.click();
    await expect(page.getByTestId('build-log')).toContainText(`slow-${suffix}`, { timeout: 120_000 });
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(page.getByTestId('build-state')).toHaveText('cancelled', { timeout: 60_000 });
    await strip.getByRole('button', { name: /4\. Build/ }).click();
    await expect(strip.getByTestId('tutorial-state-build')).toHaveText('done');
    await expect(strip.getByTestId('tutorial-checked')).toContainText(`The registry serves ${tag}`);
  });

  await test.step('a long error stays short in the sidebar’s task card', async () => {
    await nav.getByRole('link', { name: 'Build', exact: true }).click();
    const dir = path.join(workDir, 'long');
    await mkdir(dir, { recursive: true });
    const long = `boom-${suffix}-${'x'.repeat(600)}`;
    await writeFile(path.join(dir, 'Dockerfile'), `FROM ${base}\nRUN echo ${long} >&2 && exit 3\n`);
    await page.getByLabel('Folder', { exact: true }).fill(dir);
    await tagField.fill(`localhost:${reg.port}/long:1`);
    await buildButton.click();
    await expect(page.getByTestId('build-state')).toHaveText('failed', { timeout: 120_000 });
    const card = page.locator('.task-list .task').filter({ hasText: `localhost:${reg.port}/long:1` }).first();
    await expect(card).toBeVisible();
    const height = (await card.boundingBox())?.height ?? 0;
    expect(height).toBeGreaterThan(0);
    expect(height).toBeLessThan(160);
    await expect(card.getByTestId('task-error').locator('summary')).toHaveText(/…$/);
  });

  await test.step('Runs of this tour’s image, and only those, mark the last step done', async () => {
    await page.getByLabel(/Sample project/).check();
    for (const p of THREE) await page.getByRole('checkbox', { name: p, exact: true }).check();
    await nav.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByLabel('Image reference').fill(tag);
    for (const p of THREE) await expect(page.getByRole('checkbox', { name: new RegExp(`^${p.replace(/\//g, '\\/')}( |$)`) })).toBeChecked({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Run 3 platforms' }).click();
    await expect(page.getByTestId('runs-matrix')).toBeVisible({ timeout: 180_000 });
    await expect(strip.getByTestId('tutorial-state-runs')).toHaveText('done', { timeout: 30_000 });
    await expect(strip.getByTestId('tutorial-checked')).toContainText('printed the expected machine name on all 3 platforms');
  });

  await test.step('a restart (browser mode starts on a new origin, with an empty localStorage) finds the choices, the sample and the tour’s image in the core', async () => {
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 2400 } });
    try {
      const again = await fresh.newPage();
      await openApp(again, { keepRemembered: true });
      await again.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Build', exact: true }).click();
      await expect(again.getByLabel('Base image')).toHaveValue(base);
      await expect(again.getByTestId('sample-dir')).toContainText('hello-multiarch');
      await expect(again.getByLabel('Image (repository and tag)')).toHaveValue(`localhost:${reg.port}/long:1`);
      for (const p of THREE) await expect(again.getByRole('checkbox', { name: p, exact: true })).toBeChecked();
      await again.getByRole('button', { name: 'Guided tour' }).click();
      const tour = again.getByTestId('tutorial');
      await expect(tour.getByTestId('tutorial-state-build')).toHaveText('done', { timeout: 30_000 });
      await expect(tour.getByTestId('tutorial-state-runs')).toHaveText('done', { timeout: 30_000 });
    } finally {
      await fresh.close();
    }
  });

  expect(problems).toEqual([]);
});
