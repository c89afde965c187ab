/**
 * The Build view's registry cache in Chromium, through browser mode, against the real engine: a host-networked
 * docker-container builder (started from the BuildKit image the provisioning loads), the sample built twice for
 * two platforms with "Use a build cache in the local registry" on. Between the builds the builder's own cache is
 * emptied, so the steps the second build's timeline shows cached came from the registry. The option is off, with
 * the core's reason, for the engine's own builder (docker driver), and is remembered across a reload.
 * Everything has its own names (mal-buildcache-…), carries dev.multiarch-lab.test=mal-buildcache, and is
 * removed in afterAll; whatever builder was current stays current (this one is never made current).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { docker, freePort, openApp, pushSourceImage, startTestRegistry } from './helpers/app.js';

const BUILDKIT_IMAGE = 'moby/buildkit:buildx-stable-1';
const TEST_LABEL = 'dev.multiarch-lab.test=mal-buildcache';
const TWO = ['linux/amd64', 'linux/arm64'];

const suffix = randomBytes(4).toString('hex');
const BUILDER = `mal-buildcache-${suffix}`;
const reg = { name: `mal-buildcache-reg-${suffix}`, port: 0 };
let workDir = '';
let previous: string | null = null;

async function currentBuilder(): Promise<string | null> {
  const { stdout } = await docker(['buildx', 'inspect']);
  return /^Name:\s+(\S+)/m.exec(stdout)?.[1] ?? null;
}

const repo = () => `localhost:${reg.port}/mal-buildcache/hello`;

/** The tags the registry itself holds for the sample's repository, read without the app. */
async function registryTags(): Promise<string[]> {
  const res = await fetch(`http://localhost:${reg.port}/v2/mal-buildcache/hello/tags/list`);
  if (res.status !== 200) return [];
  return ((await res.json()) as { tags?: string[] | null }).tags ?? [];
}

/** Which steps of a platform's row in the timeline are drawn cached, by their Dockerfile words. */
async function cachedSteps(page: Page, platform: string): Promise<string[]> {
  const bars = page.getByTestId('build-timeline').locator(`.timeline-row[data-platform="${platform}"] .timeline-bar.bar-cached`);
  return (await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-step') ?? ''))).filter((s) => !s.startsWith('FROM '));
}

test.describe.configure({ mode: 'serial' });
// Tall enough that the Build view's result fits the window (the content pane scrolls, not the page).
test.use({ viewport: { width: 1280, height: 2400 } });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  // The provisioning loads it from ../shared/test-images (scripts/provision-test-engine.sh): without it the
  // builder cannot start offline, and this spec fails rather than pretend.
  const loaded = await docker(['image', 'inspect', BUILDKIT_IMAGE]).then(() => true, () => false);
  expect(loaded, `${BUILDKIT_IMAGE} must be loaded (scripts/provision-test-engine.sh)`).toBe(true);
  previous = await currentBuilder();
  reg.port = await freePort();
  await startTestRegistry({ name: reg.name, port: reg.port, label: TEST_LABEL });
  // the stand-in for alpine:3.15 (Docker Hub is out of reach here)
  await pushSourceImage(`localhost:${reg.port}/alpine:3.15`);
  // not --use: other suites may be building with the current builder right now
  await docker(['buildx', 'create', '--name', BUILDER, '--driver', 'docker-container', '--driver-opt', 'network=host', '--bootstrap'], 180_000);
  workDir = await mkdtemp(path.join(os.tmpdir(), 'mal-buildcache-'));
});

test.afterAll(async () => {
  await docker(['buildx', 'rm', BUILDER]).catch(() => undefined);
  // buildx rm removes both; these only matter when a step died half-way
  await docker(['rm', '-f', `buildx_buildkit_${BUILDER}0`]).catch(() => undefined);
  await docker(['volume', 'rm', `buildx_buildkit_${BUILDER}0_state`]).catch(() => undefined);
  await docker(['rm', '-f', '-v', reg.name]).catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
  if (previous && (await currentBuilder().catch(() => null)) !== previous) await docker(['buildx', 'use', previous]);
});

test('the sample built twice with the registry cache: the second timeline shows the steps cached from the registry', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  const reference = `${repo()}:1`;
  const cacheRef = `${repo()}:buildcache`;
  const problems = await openApp(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Build', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Build', level: 1 })).toBeVisible();

  await test.step('the sample on our base, two platforms, our builder', async () => {
    await page.getByLabel('Base image').fill(`localhost:${reg.port}/alpine:3.15`);
    await page.getByLabel('Folder (optional)').fill(path.join(workDir, 'hello'));
    await page.getByRole('button', { name: 'Create sample project' }).click();
    await expect(page.getByTestId('sample-dir')).toContainText(path.join(workDir, 'hello'));
    for (const p of ['linux/arm/v7']) await page.getByRole('checkbox', { name: p, exact: true }).uncheck();
    for (const p of TWO) await expect(page.getByRole('checkbox', { name: p, exact: true })).toBeChecked();
    await page.getByLabel('Image (repository and tag)').fill(reference);
    await expect(page.getByLabel(/Modern: one buildx build/)).toBeChecked();
    await expect(page.getByLabel('Builder', { exact: true }).locator(`option[value="${BUILDER}"]`)).toHaveText(`${BUILDER} (docker-container)`, { timeout: 60_000 });
    await page.getByLabel('Builder', { exact: true }).selectOption(BUILDER);
  });

  const option = page.getByLabel('Use a build cache in the local registry');
  await test.step('the engine’s own builder cannot keep a cache: the option is off and says why', async () => {
    const own = await page.getByLabel('Builder', { exact: true }).locator('option').evaluateAll((els) => els.map((e) => ({ value: (e as HTMLOptionElement).value, text: e.textContent ?? '' })).find((o) => o.text.endsWith('(docker)'))?.value);
    expect(own, 'buildx lists the engine’s own builder (docker driver)').toBeTruthy();
    await page.getByLabel('Builder', { exact: true }).selectOption(own!);
    await expect(option).toBeDisabled();
    await expect(option).not.toBeChecked();
    await page.getByTestId('build-cache').screenshot({ path: testInfo.outputPath('build-cache-unavailable.png') });
    await expect(page.getByTestId('build-cache-unavailable')).toContainText(`The builder ${own} uses the docker driver, which cannot write a cache to a registry`);
    await page.getByLabel('Builder', { exact: true }).selectOption(BUILDER);
    await expect(page.getByTestId('build-cache-unavailable')).toHaveCount(0);
    await expect(option).toBeEnabled();
  });

  await test.step('on: the ref next to the image, and --cache-from/--cache-to in the command shown', async () => {
    await option.check();
    await expect(page.getByLabel('Cache ref')).toHaveValue(cacheRef);
    await page.getByText('The same with docker').click();
    const shown = page.locator('.commands .command code').first();
    await expect(shown).toContainText(`--builder ${BUILDER}`);
    await expect(shown).toContainText(`--cache-from type=registry,ref=${cacheRef},registry.insecure=true`);
    await expect(shown).toContainText(`--cache-to type=registry,ref=${cacheRef},mode=max,registry.insecure=true`);
    const options = page.getByRole('region', { name: '2. Platforms, image and builder' });
    await options.screenshot({ path: testInfo.outputPath('build-cache-on.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await options.screenshot({ path: testInfo.outputPath('build-cache-on-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await test.step('remembered: a reload finds the option on with its ref', async () => {
    // the draft reaches the core a moment after the last change
    await page.waitForTimeout(1_000);
    await openApp(page, { keepRemembered: true });
    await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Build', exact: true }).click();
    await expect(option).toBeChecked();
    await expect(page.getByLabel('Cache ref')).toHaveValue(cacheRef);
    await expect(page.getByLabel('Builder', { exact: true })).toHaveValue(BUILDER);
  });

  await test.step('the first build writes the cache; its steps ran', async () => {
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.getByTestId('build-state')).toHaveText('pushed', { timeout: 300_000 });
    await expect(page.getByTestId('result-cache')).toContainText(cacheRef);
    await expect(page.getByTestId('result-cache')).toContainText('read before the build, written after it');
    for (const p of TWO) expect(await cachedSteps(page, p), p).not.toContain('RUN chmod +x /hello.sh');
    expect(await registryTags()).toEqual(expect.arrayContaining(['1', 'buildcache']));
    await page.getByTestId('build-run').screenshot({ path: testInfo.outputPath('build-cache-first.png') });
  });

  await test.step('the builder’s own cache is emptied: what comes back cached comes from the registry', async () => {
    await docker(['buildx', 'prune', '--builder', BUILDER, '--all', '--force'], 120_000);
  });

  await test.step('the second build: every step after FROM is cached on both platforms', async () => {
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    // the first build's result says "pushed" until the second one starts: its history row (read after its result) tells them apart
    await expect(page.getByTestId('build-history').locator('tbody tr')).toHaveCount(2, { timeout: 300_000 });
    await expect(page.getByTestId('build-state')).toHaveText('pushed');
    for (const p of TWO) {
      expect(await cachedSteps(page, p), p).toEqual(['COPY <<-SCRIPT /hello.sh', 'RUN chmod +x /hello.sh']);
      await expect(page.getByTestId('build-timeline').locator(`.timeline-row[data-platform="${p}"] .timeline-track`)).toHaveAttribute('aria-label', /, [1-9]\d* cached,/);
    }
    await page.getByText('What ran, as docker commands').click();
    await expect(page.locator('.build-result .commands .command code').first()).toContainText(`--cache-from type=registry,ref=${cacheRef}`);
    await expect(page.locator('.build-result .commands .command code').first()).toContainText(`--cache-to type=registry,ref=${cacheRef},mode=max`);
    await page.getByTestId('build-run').screenshot({ path: testInfo.outputPath('build-cache-second.png') });
  });

  expect(problems).toEqual([]);
});
