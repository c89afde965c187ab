/**
 * The guided tour in Chromium, through browser mode, against the real engine: from no registry at all to a
 * pushed three-platform index and a run of every platform, done in the browser (only the base image is
 * seeded from here, since Docker Hub is out of reach). Then the Build view with a folder of one's own: the
 * heredoc warning before building, a failing Dockerfile line, the old-school way, a 100,000-line log, and Cancel.
 * Everything has its own names (mal-e2e-tut…) and ports, carries dev.multiarch-lab.test, and is removed in afterAll.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { docker, freePort, openApp, pushSourceImage, startTestRegistry } from './helpers/app.js';

const TEST_LABEL = 'dev.multiarch-lab.test=e2e-tutorial';
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

const suffix = randomBytes(4).toString('hex');
const tour = { name: `mal-e2e-tut-${suffix}`, volume: `mal-e2e-tutvol-${suffix}`, port: 0 };
const own = { name: `mal-e2e-tutown-${suffix}`, port: 0 };
const localImages = new Set<string>();
let workDir = '';

/** The stand-in for alpine:3.15: the multi-platform busybox image, pushed into the test registry and untagged here again. */
async function seedBase(port: number): Promise<string> {
  const base = `localhost:${port}/alpine:3.15`;
  await pushSourceImage(base);
  return base;
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** What the registry itself holds under a tag, read without the app. */
async function registryIndex(port: number, repository: string, tag: string): Promise<{ status: number; digest: string | null; platforms: string[] }> {
  const res = await fetch(`http://localhost:${port}/v2/${repository}/manifests/${tag}`, { headers: { Accept: ACCEPT } });
  if (res.status !== 200) return { status: res.status, digest: null, platforms: [] };
  const body = (await res.json()) as { manifests?: Array<{ platform?: { os: string; architecture: string; variant?: string } }> };
  const platforms = (body.manifests ?? [])
    .map((m) => m.platform)
    .filter((p): p is { os: string; architecture: string; variant?: string } => !!p && p.os !== 'unknown')
    .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/'));
  return { status: 200, digest: res.headers.get('docker-content-digest'), platforms };
}

// Tall enough that the Build view's result fits the window (the content pane scrolls, not the page).
test.use({ viewport: { width: 1280, height: 2400 } });

test.beforeAll(async () => {
  tour.port = await freePort();
  own.port = await freePort();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'mal-e2e-tutorial-'));
});

test.afterAll(async () => {
  // By our own names only: never the user's `registry`, its volume, or anybody else's images.
  for (const name of [tour.name, own.name]) await docker(['rm', '-f', '-v', name]).catch(() => undefined);
  await docker(['volume', 'rm', '-f', tour.volume]).catch(() => undefined);
  for (const image of localImages) await docker(['image', 'rm', image]).catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('the guided tour: from no registry to a pushed three-platform index, then every platform run', async ({ page }, testInfo) => {
  test.setTimeout(420_000);
  const problems = await openApp(page);
  const nav = page.getByRole('navigation', { name: 'Areas' });
  const reference = `localhost:${tour.port}/e2e-hello:1`;
  localImages.add(reference);

  await test.step('Settings: the registry gets our own name, port and volume', async () => {
    await nav.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Container name').fill(tour.name);
    await page.getByLabel('Port', { exact: true }).fill(String(tour.port));
    await page.getByLabel('Volume', { exact: true }).fill(tour.volume);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
  });

  const strip = page.getByTestId('tutorial');
  await test.step('the Build view opens the guided tour: five steps, the Doctor already done', async () => {
    await nav.getByRole('link', { name: 'Build', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Build', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Guided tour' }).click();
    await expect(strip).toBeVisible();
    await expect(strip.locator('.tour-step')).toHaveCount(5);
    await expect(strip.getByTestId('tutorial-state-doctor')).toHaveText('done', { timeout: 60_000 });
    await expect(strip.getByTestId('tutorial-state-registry')).toHaveText('to do');
    await expect(strip.getByTestId('tutorial-state-build')).toHaveText('to do');
    // The tour's own words, from the core.
    await strip.getByRole('button', { name: /1\. Doctor/ }).click();
    await expect(page.getByRole('heading', { name: 'Doctor', level: 1 })).toBeVisible();
    const detail = strip.getByTestId('tutorial-detail');
    await detail.getByText('Why is it called amd64?').click();
    await expect(detail).toContainText('x86_64');
  });

  await test.step('Registry: Start brings our registry up, and the tour marks it done', async () => {
    await strip.getByRole('button', { name: /2\. Registry/ }).click();
    await expect(page.getByRole('heading', { name: 'Registry', level: 1 })).toBeVisible();
    await strip.getByText('What is a manifest list?').click();
    await expect(strip.getByTestId('tutorial-detail')).toContainText('one manifest per platform');
    const empty = page.getByTestId('registry-empty');
    await expect(empty).toBeVisible({ timeout: 30_000 });
    await empty.getByRole('button', { name: 'Start registry' }).click();
    await expect(page.getByTestId('registry-state')).toHaveText('running', { timeout: 120_000 });
    await expect(page.getByTestId('registry-address')).toHaveText(`localhost:${tour.port}`);
    await expect(strip.getByTestId('tutorial-state-registry')).toHaveText('done', { timeout: 30_000 });
  });

  await test.step('Builder: with the containerd image store the engine’s own builder is enough', async () => {
    await strip.getByRole('button', { name: /3\. Builder/ }).click();
    await expect(page.getByRole('heading', { name: 'Builder', level: 1 })).toBeVisible();
    await expect(strip.getByTestId('tutorial-state-builder')).toHaveText('done', { timeout: 60_000 });
  });

  const base = await test.step('seed the base image (Docker Hub is out of reach here)', () => seedBase(tour.port));

  await test.step('Build: the sample project on our base, three platforms, the modern way', async () => {
    await strip.getByRole('button', { name: /4\. Build/ }).click();
    await expect(page.getByRole('heading', { name: 'Build', level: 1 })).toBeVisible();
    await expect(page.getByLabel(/Sample project/)).toBeChecked();
    await page.getByLabel('Base image').fill(base);
    await page.getByRole('button', { name: 'Create sample project' }).click();
    await expect(page.getByTestId('sample-dir')).toContainText('hello-multiarch');
    const dockerfile = page.getByTestId('build-dockerfile');
    await dockerfile.locator('summary').click();
    await expect(dockerfile.locator('.dockerfile-line', { hasText: `FROM ${base}` })).toHaveCount(1);
    await expect(dockerfile.locator('.dockerfile-line', { hasText: 'COPY <<-"SCRIPT" /hello.sh' })).toHaveCount(1);

    for (const p of THREE) await expect(page.getByRole('checkbox', { name: p, exact: true })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: 'linux/s390x', exact: true })).not.toBeChecked();
    await page.getByLabel('Image (repository and tag)').fill(reference);
    await expect(page.getByLabel(/Modern: one buildx build/)).toBeChecked();
    await expect(page.getByLabel('Builder', { exact: true })).toContainText('Automatic: default');
    await page.getByText('The same with docker').click();
    await expect(page.locator('.commands .command code').first()).toContainText(`docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 --tag ${reference}`);

    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.getByTestId('build-state')).toHaveText('pushed', { timeout: 240_000 });
  });

  await test.step('the result: the registry’s own digest and three platforms, a timeline per platform', async () => {
    const held = await registryIndex(tour.port, 'e2e-hello', '1');
    expect(held.status).toBe(200);
    expect(held.platforms.sort()).toEqual([...THREE].sort());
    await expect(page.getByTestId('result-reference')).toHaveText(reference);
    await expect(page.getByTestId('result-digest')).toHaveText(held.digest!);
    for (const p of THREE) await expect(page.getByTestId('result-platforms').locator(`[data-platform="${p}"]`)).toHaveCount(1);
    for (const p of THREE) await expect(page.getByTestId(`platform-state-${p}`)).toHaveText('done');
    // Where the time went: one line per platform; arm64 ran its RUN under QEMU here (or took it from the cache).
    const timing = page.getByTestId('build-timing');
    await expect(timing.locator('li')).toHaveCount(3);
    await expect(timing.locator('[data-platform="linux/amd64"] [data-field="summary"]')).toHaveText(/^linux\/amd64: [\d.]+ m?s, (every program ran natively|its RUN steps came from the cache)/);
    await expect(timing.locator('[data-platform="linux/arm64"] [data-field="summary"]')).toHaveText(/^linux\/arm64: [\d.]+ m?s, ([\d.]+ m?s of it emulated in `RUN chmod \+x \/hello\.sh`|its RUN steps came from the cache)/);
    const timeline = page.getByTestId('build-timeline');
    await expect(timeline.locator('.timeline-row')).toHaveCount(3);
    // Bars are placed through element.style, which the CSP allows: a placed bar has a width.
    const bar = timeline.locator('.timeline-row[data-platform="linux/arm64"] .timeline-bar').first();
    expect((await bar.boundingBox())?.width ?? 0).toBeGreaterThan(0);
    await expect(page.getByTestId('build-steps')).toContainText(`docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 --tag ${reference}`);
    await expect(page.getByTestId('build-log-count')).not.toHaveText('0 lines');
    await expect(strip.getByTestId('tutorial-state-build')).toHaveText('done');
    // The content pane scrolls, not the page: shoot the build's own section.
    const section = page.getByTestId('build-run');
    await section.screenshot({ path: testInfo.outputPath('build-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await section.screenshot({ path: testInfo.outputPath('build-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await testInfo.attach('build', { path: testInfo.outputPath('build-light.png'), contentType: 'image/png' });
    await testInfo.attach('build-dark', { path: testInfo.outputPath('build-dark.png'), contentType: 'image/png' });
  });

  await test.step('Open in the registry browser lands on the pushed tag’s tree', async () => {
    await page.getByRole('button', { name: 'Open in the registry browser' }).click();
    await expect(page.getByRole('heading', { name: 'Registry', level: 1 })).toBeVisible();
    const tree = page.getByTestId('manifest-tree');
    await expect(tree).toBeVisible({ timeout: 30_000 });
    for (const p of THREE) await expect(tree.locator(`[data-platform="${p}"]`)).toHaveCount(1);
  });

  await test.step('Runs: the last build’s image, each platform prints its own machine', async () => {
    await nav.getByRole('link', { name: 'Build', exact: true }).click();
    await page.getByTestId('build-run').getByRole('button', { name: 'Run every platform' }).click();
    await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
    await expect(page.getByLabel('Image reference')).toHaveValue(reference);
    for (const p of THREE) await expect(page.getByRole('checkbox', { name: new RegExp(`^${p.replace(/\//g, '\\/')}( |$)`) })).toBeChecked({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Run 3 platforms' }).click();
    const matrix = page.getByTestId('runs-matrix');
    await expect(matrix).toBeVisible({ timeout: 180_000 });
    const expected: Record<string, { machine: string; execution: string }> = {
      'linux/amd64': { machine: 'x86_64', execution: 'native' },
      'linux/arm64': { machine: 'aarch64', execution: 'emulated' },
      'linux/arm/v7': { machine: 'armv7l', execution: 'emulated' },
    };
    for (const [platform, want] of Object.entries(expected)) {
      const card = page.getByTestId(`run-card-${platform}`);
      await expect(card.getByTestId('run-result')).toHaveText('pass');
      await expect(card.getByTestId('run-printed')).toHaveText(want.machine);
      await expect(card.getByTestId('run-execution')).toHaveText(want.execution);
      await expect(card.getByTestId('run-stdout')).toContainText('Hello from the Multiarch Lab sample');
      await expect(card.getByTestId('run-exit-code')).toHaveText('0');
      await expect(card.locator('.command code')).toHaveText(`$ docker run --rm --platform ${platform} ${reference}`);
    }
    await expect(strip.getByTestId('tutorial-state-runs')).toHaveText('done');
    await expect(strip.getByTestId('tutorial-count')).toHaveText('5 of 5 done');
    await strip.screenshot({ path: testInfo.outputPath('tour.png') });
  });

  expect(problems).toEqual([]);
});

test('a folder of my own: the heredoc warning first, the failing line, the old-school way, 100,000 log lines, and Cancel', async ({ page }, testInfo) => {
  test.setTimeout(420_000);
  // Its own registry, started from here: this test does not depend on the tour above.
  await startTestRegistry({ name: own.name, port: own.port, label: TEST_LABEL });
  const base = await seedBase(own.port);

  const problems = await openApp(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Build', exact: true }).click();
  await page.getByLabel(/A folder of my own/).check();
  // Only amd64 (native): these builds are about the view, not about emulation.
  for (const p of THREE.slice(1)) await page.getByRole('checkbox', { name: p, exact: true }).uncheck();
  await page.getByLabel(/Build every step again/).check();

  const project = async (name: string, lines: string[]) => {
    const dir = path.join(workDir, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'Dockerfile'), `${lines.join('\n')}\n`);
    await page.getByLabel('Folder', { exact: true }).fill(dir);
    return dir;
  };

  await test.step('a heredoc indented with spaces is flagged before anything builds; the failing RUN shows its line', async () => {
    await project('spaces', [`FROM ${base}`, 'COPY <<-"SCRIPT" /hello.sh', '    #!/bin/sh', '    echo hello', 'SCRIPT', 'RUN /bin/busybox false']);
    const reference = `localhost:${own.port}/e2e-own:spaces`;
    await page.getByLabel('Image (repository and tag)').fill(reference);
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    const warnings = page.getByTestId('build-warnings');
    await expect(warnings).toBeVisible();
    await expect(warnings).toContainText('line 3');
    await expect(page.getByTestId('build-run')).toHaveCount(0);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('region', { name: '2. Platforms, image and builder' }).screenshot({ path: testInfo.outputPath('build-warning-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await warnings.getByRole('button', { name: 'Build anyway' }).click();
    await expect(page.getByTestId('build-state')).toHaveText('failed', { timeout: 120_000 });
    const failure = page.getByTestId('build-failure');
    await expect(failure.getByTestId('build-failed-line')).toContainText('line 6');
    await expect(failure).toContainText('RUN /bin/busybox false');
    await expect(page.getByTestId('build-dockerfile').locator('.dockerfile-line-failed')).toHaveAttribute('data-line', '6');
    expect((await registryIndex(own.port, 'e2e-own', 'spaces')).status).toBe(404);
    await page.getByTestId('build-run').screenshot({ path: testInfo.outputPath('build-failed.png') });
  });

  await test.step('the old-school way: one build and push per platform, then the list joined and pushed', async () => {
    await project('two-ways', [`FROM ${base}`, 'RUN /bin/busybox uname -m > /machine']);
    const reference = `localhost:${own.port}/e2e-own:old-school`;
    localImages.add(reference).add(`${reference}-amd64`).add(`${reference}-arm64`);
    await page.getByRole('checkbox', { name: 'linux/arm64', exact: true }).check();
    await page.getByLabel(/Old-school: one build per platform/).check();
    await page.getByLabel('Image (repository and tag)').fill(reference);
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.getByTestId('build-state')).toHaveText('pushed', { timeout: 240_000 });
    const steps = page.getByTestId('build-steps');
    await expect(steps).toContainText(`docker push ${reference}-arm64`);
    await expect(steps).toContainText(`docker manifest create --insecure ${reference} --amend ${reference}-amd64 --amend ${reference}-arm64`);
    await expect(steps).toContainText(`docker manifest push --insecure ${reference}`);
    const held = await registryIndex(own.port, 'e2e-own', 'old-school');
    expect(held.platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
    await expect(page.getByTestId('result-digest')).toHaveText(held.digest!);
    await expect(page.getByTestId('build-timeline').locator('.timeline-row')).toHaveCount(2);
    await page.getByTestId('build-run').screenshot({ path: testInfo.outputPath('build-old-school.png') });
    await page.getByLabel(/Modern: one buildx build/).check();
    await page.getByRole('checkbox', { name: 'linux/arm64', exact: true }).uncheck();
  });

  await test.step('a build printing 100,000 lines: every line counted, only the visible rows in the page', async () => {
    // BuildKit in the engine clips a step's log above 200 KiB/s: 10,000 short lines a second stay under it.
    await project('long', [
      `FROM ${base}`,
      'RUN i=0; while [ $i -lt 100000 ]; do echo "line $i"; i=$((i+1)); if [ $((i % 10000)) -eq 0 ]; then /bin/busybox sleep 1; fi; done',
    ]);
    const reference = `localhost:${own.port}/e2e-own:long`;
    localImages.add(reference);
    await page.getByLabel('Image (repository and tag)').fill(reference);
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.getByTestId('build-state')).toHaveText('pushed', { timeout: 240_000 });
    const count = Number((await page.getByTestId('build-log-count').innerText()).replace(/[^0-9]/g, ''));
    expect(count).toBeGreaterThanOrEqual(100_000);
    const viewport = page.getByTestId('build-log-viewport');
    expect(await viewport.locator('.log-row').count()).toBeLessThan(80);
    // The page still answers at once with that many lines behind the panel.
    const started = Date.now();
    await viewport.focus();
    await page.keyboard.press('Home');
    await expect(viewport.locator('.log-row[data-line="1"]')).toBeVisible();
    await page.keyboard.press('End');
    await expect(viewport.locator('.log-row', { hasText: /line 99999$/ })).toBeVisible();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await viewport.locator('.log-row').count()).toBeLessThan(80);
    await page.getByLabel('Show', { exact: true }).selectOption('linux/amd64');
    await expect(viewport.locator('.log-row', { hasText: /line 99999$/ })).toBeVisible();
  });

  await test.step('Cancel stops a running build: marked cancelled, nothing pushed', async () => {
    await project('slow', [`FROM ${base}`, 'RUN /bin/busybox sleep 120']);
    await page.getByLabel('Image (repository and tag)').fill(`localhost:${own.port}/e2e-own:slow`);
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.getByTestId('build-state')).toHaveText('building');
    await expect(page.locator('.platform-progress[data-platform="linux/amd64"] .build-step-running')).toHaveCount(1, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(page.getByTestId('build-state')).toHaveText('cancelled', { timeout: 30_000 });
    await expect(page.getByTestId('build-cancelled')).toBeVisible();
    await expect(page.getByTestId('build-result')).toHaveCount(0);
    await expect(page.getByTestId('platform-state-linux/amd64')).toHaveText('cancelled');
    expect((await registryIndex(own.port, 'e2e-own', 'slow')).status).toBe(404);
  });

  expect(problems).toEqual([]);
});
