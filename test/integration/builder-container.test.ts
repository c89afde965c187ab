/**
 * The classic recipe for real: a host-networked docker-container builder made by the app, started from the
 * BuildKit image the provisioning loads (../shared/test-images), used by both build ways through `--builder`,
 * pushing to a registry on localhost through the host network, and every platform of the result run.
 *
 * Builders are global buildx state and cannot carry labels: this one is named mal-test-bctr-<random>, is never
 * made current, and is removed (container and state volume too) whatever happens. Images carry
 * dev.multiarch-lab.test=builder-container.
 */
import { currentBuilder, docker, removeNodeLeftovers } from '../helpers/buildx-cli.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BuildResult } from '../../core/contract/build.js';
import { createCore, type Core } from '../../core/index.js';
import { RegistryClient } from '../../core/registry/client.js';
import { inspectReference } from '../../core/registry/manifest.js';
import { SAMPLE_GREETING } from '../../core/tutorial/sample.js';
import { seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';

const BUILDKIT_IMAGE = 'moby/buildkit:buildx-stable-1';
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const TEST_LABELS = { 'dev.multiarch-lab.test': 'builder-container' };
const EXPECTED_MACHINE: Record<string, string> = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64', 'linux/arm/v7': 'armv7l' };


const suffix = randomBytes(4).toString('hex');
const BUILDER = `mal-test-bctr-${suffix}`;
let core: Core;
let registry: RegistryProcess;
let work: string;
let base: string;
let repo: string;
let previousCurrent: string;
let haveBuildkit = false;
const localImages = new Set<string>();

beforeAll(async () => {
  haveBuildkit = (await docker(['image', 'inspect', BUILDKIT_IMAGE])).code === 0;
  if (!haveBuildkit) {
    console.warn(`[builder-container] ${BUILDKIT_IMAGE} is not on this engine (scripts/provision-test-engine.sh loads it from ../shared/test-images): these tests fail`);
  }
  previousCurrent = await currentBuilder();
  registry = await startRegistryProcess();
  await seedMultiArchImage(registry, 'alpine', '3.15');
  base = `${registry.localhostAddress}/alpine:3.15`;
  repo = `${registry.localhostAddress}/bctr-${suffix}`;
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-test-bctr-'));
  core = createCore({
    mode: 'cli',
    dataDir: path.join(work, 'data'),
    env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_RESOURCE_LABELS: 'dev.multiarch-lab.test=builder-container' },
  });
}, 120_000);

afterAll(async () => {
  await docker(['buildx', 'rm', BUILDER]);
  await removeNodeLeftovers(`${BUILDER}0`);
  for (const image of localImages) await docker(['image', 'rm', image]);
  await core?.close();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
  expect(await currentBuilder()).toBe(previousCurrent);
}, 120_000);

/** The index a user would check: the registry and `docker buildx imagetools inspect` agree on its three platforms. */
async function expectThreePlatforms(result: BuildResult): Promise<void> {
  expect(result.platforms).toEqual(THREE);
  const inspected = await inspectReference({ reference: result.reference });
  expect(inspected.digest).toBe(result.digest);
  expect(inspected.platforms).toEqual(THREE);
  const shown = await docker(['buildx', 'imagetools', 'inspect', result.reference]);
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toContain(`Digest:    ${result.digest}`);
}

/** The app's run matrix over every platform of the pushed image: each prints its own machine. */
async function expectEveryPlatformRuns(reference: string): Promise<void> {
  const matrix = await core.call('runs:start', { reference, concurrency: 3 });
  expect(matrix.imagePlatforms).toEqual(THREE);
  expect(matrix.runs.map((r) => [r.platform, r.printed, r.result])).toEqual(THREE.map((p) => [p, EXPECTED_MACHINE[p], 'pass']));
  for (const r of matrix.runs) expect(r.stdout).toContain(SAMPLE_GREETING);
  expect(matrix.ok).toBe(true);
}

/**
 * Where the time went, checked against the same build's timeline: the node of this builder runs on this amd64
 * engine, so amd64's RUN is native and arm64's and arm/v7's are emulated, and the ratio compares two measured steps.
 */
function expectTiming(result: BuildResult): void {
  expect(result.timing.platforms.map((p) => p.platform)).toEqual(THREE);
  for (const t of result.timing.platforms) {
    expect(t.nativePlatform).toBe('linux/amd64');
    expect(t.node).toBeUndefined();
    const run = t.steps.find((s) => s.name.startsWith('RUN '))!;
    expect(run).toMatchObject({ cached: false, execution: t.platform === 'linux/amd64' ? 'native' : 'emulated' });
    const progress = result.timeline.find((p) => p.platform === t.platform)!.steps.find((s) => s.name === run.name)!;
    expect(run.ms).toBe(progress.endedAt! - progress.startedAt!);
    expect(t.wallMs).toBeGreaterThanOrEqual(run.ms!);
    if (t.platform === 'linux/amd64') {
      expect(t.emulatedMs).toBe(0);
      expect(t.summary).toMatch(/^linux\/amd64: [\d.]+ m?s, every program ran natively/);
    } else {
      expect(t.emulatedMs).toBe(run.ms);
      expect(t.slowestEmulated).toMatchObject({ name: run.name, comparedWith: 'linux/amd64' });
      expect(t.slowestEmulated!.ratio).toBeCloseTo(run.ms! / t.slowestEmulated!.nativeMs!, 6);
      expect(t.summary).toContain(`of it emulated in \`${run.name}\` (`);
    }
    console.log(`[builder-container] ${result.mode}: ${t.summary}`);
  }
}

describe('the host-networked docker-container builder, for real', () => {
  let dir: string;

  test('the app creates it with network=host and bootstraps it from the loaded BuildKit image, without making it current', async () => {
    expect(haveBuildkit, `${BUILDKIT_IMAGE} must be loaded (run scripts/provision-test-engine.sh)`).toBe(true);
    const created = await core.call('builder:create', { name: BUILDER, use: false, bootstrap: true });
    expect(created.bootstrapped).toBe(true);
    expect(created.commands).toEqual([
      ['docker', 'buildx', 'create', '--name', BUILDER, '--driver', 'docker-container', '--driver-opt', 'network=host'],
      ['docker', 'buildx', 'inspect', '--bootstrap', BUILDER],
    ]);
    expect(created.builder).toMatchObject({ name: BUILDER, driver: 'docker-container', current: false, status: 'running' });
    const node = created.builder.nodes[0]!;
    expect(node.driverOptions).toEqual({ network: 'host' });
    // The platforms come from BuildKit itself: amd64 native here, the rest through the QEMU handlers.
    expect(node.platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64', 'linux/arm/v7']));

    // What a user would check: buildx agrees, and the BuildKit container runs on the host network.
    const inspected = await docker(['buildx', 'inspect', BUILDER]);
    expect(inspected.stdout).toMatch(/^Status:\s+running$/m);
    const net = await docker(['inspect', '--format', '{{.HostConfig.NetworkMode}} {{.Config.Image}}', `buildx_buildkit_${BUILDER}0`]);
    expect(net.stdout.trim()).toBe(`host ${BUILDKIT_IMAGE}`);
    expect(await currentBuilder()).toBe(previousCurrent);

    const init = await core.call('tutorial:init', { dir: path.join(work, 'hello'), base });
    dir = init.dir;
  }, 180_000);

  test('the modern way through --builder: one index with three platforms pushed to localhost, and every platform runs', async () => {
    const tag = `${repo}/hello:modern`;
    localImages.add(tag);
    const result = await core.call('build:run', { context: dir, platforms: THREE, tag, mode: 'modern', builder: BUILDER, noCache: true, labels: TEST_LABELS });
    expect(result.builder).toBe(BUILDER);
    expect(result.commands[0]).toEqual([
      'docker', 'buildx', 'build', '--platform', THREE.join(','), '--tag', tag, '--output', 'type=registry,registry.insecure=true', '--provenance=false',
      '--builder', BUILDER, '--no-cache', '--label', 'dev.multiarch-lab.test=builder-container', dir,
    ]);
    await expectThreePlatforms(result);
    // The RUN step ran for each platform (no cache), in this builder.
    for (const p of result.timeline) expect(p.steps.find((s) => s.name.startsWith('RUN '))?.state).toBe('done');
    // A docker-container builder keeps what it builds to itself: nothing lands in the engine's image store.
    expect(result.localImages).toEqual([]);
    expectTiming(result);
    await expectEveryPlatformRuns(tag);
  }, 300_000);

  test('the old-school way through --builder: per-platform builds loaded into the engine, pushed, joined, and every platform runs', async () => {
    const tag = `${repo}/hello:old`;
    const perPlatform = [`${repo}/hello:old-amd64`, `${repo}/hello:old-arm64`, `${repo}/hello:old-armv7`];
    for (const t of [tag, ...perPlatform]) localImages.add(t);
    const result = await core.call('build:run', { context: dir, platforms: THREE, tag, mode: 'old-school', builder: BUILDER, noCache: true, labels: TEST_LABELS });
    expect(result.builder).toBe(BUILDER);
    expect(result.commands.filter((c) => c[1] === 'build').every((c) => c.includes('--builder') && c[c.indexOf('--builder') + 1] === BUILDER)).toBe(true);
    await expectThreePlatforms(result);
    expect(result.images.map((i) => i.reference)).toEqual(perPlatform);
    // --load sent each platform's image from the builder's container into the engine, whence docker push took it.
    expect(result.localImages).toEqual(perPlatform);
    expectTiming(result);
    await expectEveryPlatformRuns(tag);

    // The build history keeps each tag's time per platform, newest first.
    const history = await core.call('build:history', { reference: tag });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ reference: tag, mode: 'old-school', builder: BUILDER, noCache: true, digest: result.digest });
    expect(history[0]!.platforms.map((p) => [p.platform, p.wallMs, p.emulatedMs, p.summary])).toEqual(result.timing.platforms.map((p) => [p.platform, p.wallMs, p.emulatedMs, p.summary]));
    const all = await core.call('build:history', {});
    expect(all.map((h) => h.reference)).toEqual([tag, `${repo}/hello:modern`]);
  }, 300_000);

  test('a cache in the local registry: written by one build, read by the next after the builder’s own cache is gone', async () => {
    const tag = `${repo}/hello:cached`;
    const cacheRef = `${repo}/hello:buildcache`;
    localImages.add(tag);
    const first = await core.call('build:run', { context: dir, platforms: THREE, tag, mode: 'modern', builder: BUILDER, noCache: true, cacheRef, labels: TEST_LABELS });
    expect(first.cache).toEqual({ ref: cacheRef, used: true, refs: [cacheRef] });
    expect(first.commands[0]).toEqual(expect.arrayContaining(['--cache-to', `type=registry,ref=${cacheRef},mode=max,registry.insecure=true`]));
    for (const p of first.timeline) expect(p.steps.find((s) => s.name.startsWith('RUN '))?.cached).toBe(false);
    // the cache tag is in the registry, as a user would see it
    const client = new RegistryClient({ registry: registry.localhostAddress });
    expect((await client.tags(`bctr-${suffix}/hello`)).items).toContain('buildcache');

    // Empty the builder's own cache: whatever the next build finds cached came from the registry.
    const pruned = await docker(['buildx', 'prune', '--builder', BUILDER, '--all', '--force']);
    expect(pruned.code, pruned.stderr).toBe(0);
    const second = await core.call('build:run', { context: dir, platforms: THREE, tag, mode: 'modern', builder: BUILDER, cacheRef, labels: TEST_LABELS });
    for (const p of second.timeline) {
      expect(p.steps.filter((s) => !s.name.startsWith('FROM ')).map((s) => [s.name, s.cached])).toEqual([
        ['COPY <<-SCRIPT /hello.sh', true],
        ['RUN chmod +x /hello.sh', true],
      ]);
    }
    for (const t of second.timing.platforms) {
      expect(t.emulatedMs).toBe(0);
      console.log(`[builder-container] cached: ${t.summary}`);
    }
    // (not the same digest: each image config records when it was made)
    expect(second.platforms).toEqual(THREE);
  }, 300_000);

  test('the default docker driver cannot write a registry cache: the build goes on without it and says so', async () => {
    const tag = `${repo}/hello:default-cache`;
    const cacheRef = `${repo}/hello:nocache`;
    localImages.add(tag);
    const seen: string[] = [];
    const off = core.events.on('build:log', (e) => seen.push(...e.lines.filter((l) => l.stream === 0).map((l) => l.text)));
    const result = await core.call('build:run', { context: dir, platforms: ['linux/amd64'], tag, mode: 'modern', builder: 'default', cacheRef, labels: TEST_LABELS }).finally(off);
    expect(result.cache).toMatchObject({ ref: cacheRef, used: false });
    expect(result.cache?.reason).toContain('docker driver');
    expect(result.commands[0]).not.toContain('--cache-to');
    expect(seen.some((l) => l.startsWith('warning: no registry cache: the builder default uses the docker driver'))).toBe(true);
    const client = new RegistryClient({ registry: registry.localhostAddress });
    expect((await client.tags(`bctr-${suffix}/hello`)).items).not.toContain('nocache');
  }, 300_000);

  test('removing it removes its BuildKit container and state volume', async () => {
    const removed = await core.call('builder:remove', { name: BUILDER });
    expect(removed.checked).toEqual({ containers: [`buildx_buildkit_${BUILDER}0`], volumes: [`buildx_buildkit_${BUILDER}0_state`] });
    expect((await docker(['buildx', 'inspect', BUILDER])).code).not.toBe(0);
    expect((await docker(['ps', '-a', '--filter', `name=^/buildx_buildkit_${BUILDER}0$`, '--format', '{{.Names}}'])).stdout.trim()).toBe('');
  }, 120_000);
});
