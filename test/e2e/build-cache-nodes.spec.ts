/**
 * The Build view with the registry cache on a builder with two nodes, in Chromium through browser mode, against
 * the real engines: a second dockerd in its own network namespace (test/helpers/second-engine.ts, the recipe of
 * ../shared/test-images/README.md), appended to a host-networked builder for linux/arm64 while the first node takes
 * linux/amd64, and a registry on the host's end of the veth (both nodes reach it there, over plain HTTP).
 *
 * Before the build the view says why it will be split (one buildx build per node, each with its own cache ref)
 * and shows those commands; after it the result says which node built which platform with which ref; the second
 * build, with both nodes' own BuildKit cache emptied, shows the steps cached from the registry on both platforms.
 * Turning the cache off gives the one build again. Everything is named mal-t13-… / mal-e2e-nodes-…, and removed in
 * reverse; the first engine's docker0 route is checked after.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createCore, type Core } from '../../core/index.js';
import { docker, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { docker0Route, startSecondEngine, type SecondEngine } from '../helpers/second-engine.js';
import { openApp } from './helpers/app.js';

const BUSYBOX_STATE = '/var/lib/multiarch-lab-test/busybox';
const TWO = ['linux/amd64', 'linux/arm64'];
const suffix = randomBytes(3).toString('hex');
const BUILDER = `mal-e2e-nodes-${suffix}`;
const ARM_NODE = `${BUILDER}-arm`;

let engine: SecondEngine | undefined;
let registry: RegistryProcess | undefined;
let core: Core | undefined;
let work = '';
let project = '';

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 2400 } });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  expect(process.getuid?.(), 'a second engine needs root (network namespaces, dockerd)').toBe(0);
  expect(await docker0Route(), 'the first engine must have its docker0 route before the test').toBeDefined();
  for (const arch of ['amd64', 'arm64']) expect(existsSync(path.join(BUSYBOX_STATE, arch, 'rootfs', 'bin', 'busybox')), `${BUSYBOX_STATE}/${arch}`).toBe(true);
  engine = await startSecondEngine();
  registry = await startRegistryProcess({ bindAddress: engine.hostAddress });
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-e2e-nodes-'));
  project = path.join(work, 'project');
  await mkdir(project, { recursive: true });
  for (const arch of ['amd64', 'arm64']) await cp(path.join(BUSYBOX_STATE, arch, 'rootfs'), path.join(project, `rootfs-${arch}`), { recursive: true, verbatimSymlinks: true });
  await writeFile(path.join(project, 'Dockerfile'), 'FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nRUN uname -m > /machine\n');
  // The builder as the app makes it (its labels, the registry marked plain-HTTP in its buildkitd.toml); the
  // app under test finds both nodes and that registry on its own.
  core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
  await core.call('builder:create', { name: BUILDER, use: false, bootstrap: false, platforms: ['linux/amd64'], insecureRegistries: [registry.address] });
  await core.call('builder:append-node', { name: BUILDER, endpoint: engine.context, nodeName: ARM_NODE, platforms: ['linux/arm64'], driverOpts: { network: 'host' }, insecureRegistries: [registry.address] });
  await docker(['buildx', 'inspect', '--bootstrap', BUILDER], { timeoutMs: 180_000 });
});

test.afterAll(async () => {
  test.setTimeout(300_000);
  await docker(['buildx', 'rm', BUILDER]).catch(() => undefined);
  await docker(['rm', '-f', '-v', `buildx_buildkit_${BUILDER}0`]).catch(() => undefined);
  await core?.close();
  await registry?.stop();
  const problems = engine ? await engine.stop() : [];
  if (work) await rm(work, { recursive: true, force: true });
  expect(problems, 'the second engine came down cleanly').toEqual([]);
  expect(await docker0Route()).toMatch(/^172\.17\.0\.0\/16 dev docker0\b/);
});

/** Which steps of a platform's row in the timeline are drawn cached, by their Dockerfile words. */
async function cachedSteps(page: Page, platform: string): Promise<string[]> {
  const bars = page.getByTestId('build-timeline').locator(`.timeline-row[data-platform="${platform}"] .timeline-bar.bar-cached`);
  return bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-step') ?? ''));
}

test('the Build view splits a cached build per node, says why before and after, and the second build is cached on both', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  const repo = `${registry!.address}/nodes/hello`;
  const reference = `${repo}:1`;
  const cacheRef = `${repo}:buildcache`;
  const problems = await openApp(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Build', exact: true }).click();
  await page.getByLabel(/A folder of my own/).check();
  await page.getByLabel('Folder', { exact: true }).fill(project);
  for (const p of ['linux/arm/v7']) await page.getByRole('checkbox', { name: p, exact: true }).uncheck();
  for (const p of TWO) await expect(page.getByRole('checkbox', { name: p, exact: true })).toBeChecked();
  await page.getByLabel('Image (repository and tag)').fill(reference);
  await expect(page.getByLabel('Builder', { exact: true }).locator(`option[value="${BUILDER}"]`)).toHaveCount(1, { timeout: 60_000 });
  await page.getByLabel('Builder', { exact: true }).selectOption(BUILDER);
  const option = page.getByLabel('Use a build cache in the local registry');

  await test.step('before: why the build is split, each node’s refs, and the commands', async () => {
    await option.check();
    await expect(page.getByLabel('Cache ref')).toHaveValue(cacheRef);
    await expect(page.getByTestId('build-cache-note')).toContainText(
      `Split per node: the builder ${BUILDER} has 2 nodes and the cache is on: one buildx build would keep only the last node's cache, so each node's platforms are built separately with their own cache ref and joined into one manifest list (${BUILDER}0: linux/amd64; ${ARM_NODE}: linux/arm64).`,
    );
    await expect(page.getByTestId('build-cache-refs')).toHaveText([`${cacheRef}-amd64`, `${cacheRef}-arm64`]);
    await page.getByText('The same with docker').click();
    const shown = page.getByRole('region', { name: '2. Platforms, image and builder' }).locator('.commands .command code');
    await expect(shown).toHaveCount(3);
    await expect(shown.nth(0)).toContainText(`--platform linux/amd64 --output type=image,name=${repo},push-by-digest=true,name-canonical=true,push=true`);
    await expect(shown.nth(0)).toContainText(`--cache-to type=registry,ref=${cacheRef}-amd64,mode=max`);
    await expect(shown.nth(1)).toContainText(`--cache-to type=registry,ref=${cacheRef}-arm64,mode=max`);
    await expect(shown.nth(2)).toContainText(`docker buildx imagetools create -t ${reference}`);
    await page.getByTestId('build-cache').screenshot({ path: testInfo.outputPath('build-cache-split.png') });
  });

  await test.step('the first build: each node’s platform with its own ref, joined', async () => {
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.getByTestId('build-state')).toHaveText('pushed', { timeout: 300_000 });
    const split = page.getByTestId('result-cache-split');
    await expect(split).toContainText(`linux/amd64 on ${BUILDER}0 with ${cacheRef}-amd64`);
    await expect(split).toContainText(`linux/arm64 on ${ARM_NODE} with ${cacheRef}-arm64`);
    await expect(page.getByTestId('result-cache')).toContainText(`the builder ${BUILDER} has 2 nodes and the cache is on`);
    await expect(page.getByTestId('build-timing')).toContainText(`linux/arm64 on ${ARM_NODE}:`);
    await expect(page.getByTestId('build-timing')).toContainText(`linux/amd64 on ${BUILDER}0:`);
    const tags = ((await (await fetch(`http://${registry!.address}/v2/nodes/hello/tags/list`)).json()) as { tags: string[] }).tags;
    expect(tags).toEqual(expect.arrayContaining(['1', 'buildcache-amd64', 'buildcache-arm64']));
    expect(tags).not.toContain('buildcache');
    await page.getByTestId('build-run').screenshot({ path: testInfo.outputPath('build-cache-split-first.png') });
  });

  await test.step('the second build, both nodes’ own cache emptied: cached from the registry on both platforms', async () => {
    await docker(['buildx', 'prune', '--builder', BUILDER, '--all', '--force'], { timeoutMs: 120_000 });
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.getByTestId('build-history').locator('tbody tr')).toHaveCount(2, { timeout: 300_000 });
    await expect(page.getByTestId('build-state')).toHaveText('pushed');
    for (const p of TWO) expect(await cachedSteps(page, p), p).toEqual(expect.arrayContaining(['RUN uname -m > /machine']));
    await page.getByTestId('build-run').screenshot({ path: testInfo.outputPath('build-cache-split-second.png') });
  });

  await test.step('the cache off: one build again', async () => {
    await option.uncheck();
    await expect(page.getByTestId('build-cache-note')).toHaveCount(0);
    const shown = page.getByRole('region', { name: '2. Platforms, image and builder' }).locator('.commands .command code');
    await expect(shown).toHaveCount(1);
    await expect(shown.first()).toContainText(`--platform linux/amd64,linux/arm64 --tag ${reference}`);
  });

  expect(problems).toEqual([]);
});
