/**
 * On the real host-networked docker-container builder (BuildKit image loaded by the provisioning):
 *  - the "fast way" sample (`init --sample fast`): its `FROM --platform=$BUILDPLATFORM` stage runs natively on
 *    this amd64 node once for every target, the target stage runs no program, and each platform's container
 *    prints its own machine and the line the native stage wrote for it;
 *  - the old-school way with a registry cache keeps one cache ref per platform (an export replaces a whole ref),
 *    and after the builder's own cache is emptied the second build's timeline shows every step cached.
 * The builder is named mal-test-bctrf-<random>, never made current, removed whatever happens; images carry
 * dev.multiarch-lab.test=builder-container-fast.
 */
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../../core/index.js';
import { RegistryClient } from '../../core/registry/client.js';
import { docker, removeNodeLeftovers } from '../helpers/buildx-cli.js';
import { seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';

const BUILDKIT_IMAGE = 'moby/buildkit:buildx-stable-1';
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const LABEL = 'builder-container-fast';
const TEST_LABELS = { 'dev.multiarch-lab.test': LABEL };
const EXPECTED_MACHINE: Record<string, string> = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64', 'linux/arm/v7': 'armv7l' };

const suffix = randomBytes(4).toString('hex');
const BUILDER = `mal-test-bctrf-${suffix}`;
let core: Core;
let registry: RegistryProcess;
let work: string;
let base: string;
let repo: string;
const localImages = new Set<string>();

beforeAll(async () => {
  if ((await docker(['image', 'inspect', BUILDKIT_IMAGE])).code !== 0) {
    console.warn(`[builder-container-fast] ${BUILDKIT_IMAGE} is not on this engine (scripts/provision-test-engine.sh loads it): these tests fail`);
  }
  registry = await startRegistryProcess();
  await seedMultiArchImage(registry, 'alpine', '3.15');
  base = `${registry.localhostAddress}/alpine:3.15`;
  repo = `${registry.localhostAddress}/bctrf-${suffix}`;
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-test-bctrf-'));
  core = createCore({
    mode: 'cli',
    dataDir: path.join(work, 'data'),
    env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_RESOURCE_LABELS: `dev.multiarch-lab.test=${LABEL}` },
  });
  await core.call('builder:create', { name: BUILDER, use: false, bootstrap: true });
}, 180_000);

afterAll(async () => {
  await docker(['buildx', 'rm', BUILDER]);
  await removeNodeLeftovers(`${BUILDER}0`);
  for (const image of localImages) await docker(['image', 'rm', image]);
  await core?.close();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

describe('the fast way sample on the docker-container builder', () => {
  test('its $BUILDPLATFORM stage runs natively for every target; the target stage runs nothing; each platform runs', async () => {
    const init = await core.call('tutorial:init', { dir: path.join(work, 'fast'), base, sample: 'fast' });
    expect(init.sample).toBe('fast');
    const text = await readFile(init.dockerfile, 'utf8');
    expect(text).toContain(`FROM --platform=$BUILDPLATFORM ${base} AS prepare`);
    expect(text).toContain('COPY --from=prepare /out/ /');
    // the readiness check has nothing to say about it: no emulated compile, the script starts
    const ready = await core.call('build:readiness', { context: init.dir, platforms: THREE });
    expect(ready.findings).toEqual([]);

    const tag = `${repo}/hello-fast:1`;
    const result = await core.call('build:run', { context: init.dir, platforms: THREE, tag, mode: 'modern', builder: BUILDER, noCache: true, labels: TEST_LABELS });
    expect(result.platforms).toEqual(THREE);
    for (const t of result.timing.platforms) {
      const prepare = t.steps.filter((s) => s.stage === 'prepare');
      const run = prepare.find((s) => s.name.startsWith('RUN '));
      // the stage's RUN ran (no cache) once for this target, as linux/amd64, on the node's own CPU
      expect(run, `${t.platform}: ${JSON.stringify(t.steps)}`).toMatchObject({ cached: false, runsAs: 'linux/amd64', execution: 'native' });
      expect(t.steps.filter((s) => s.stage !== 'prepare').every((s) => s.execution !== 'emulated' && !s.name.startsWith('RUN '))).toBe(true);
      expect(t.emulatedMs).toBe(0);
      expect(t.nativeMs).toBeGreaterThan(0);
      console.log(`[builder-container-fast] ${t.summary}`);
    }

    const matrix = await core.call('runs:start', { reference: tag, concurrency: 3 });
    expect(matrix.runs.map((r) => [r.platform, r.printed, r.result])).toEqual(THREE.map((p) => [p, EXPECTED_MACHINE[p], 'pass']));
    for (const r of matrix.runs) expect(r.stdout).toContain(`prepared natively on linux/amd64 for ${r.platform}`);
  }, 400_000);
});

describe('a registry cache per platform', () => {
  test('old-school keeps REF-<arch> per platform; the next build after a prune shows every step cached', async () => {
    const init = await core.call('tutorial:init', { dir: path.join(work, 'plain'), base });
    const tag = `${repo}/hello:os-cache`;
    const cacheRef = `${repo}/hello:buildcache`;
    const two = ['linux/amd64', 'linux/arm64'];
    for (const p of ['amd64', 'arm64']) localImages.add(`${repo}/hello:os-cache-${p}`);
    const first = await core.call('build:run', { context: init.dir, platforms: two, tag, mode: 'old-school', builder: BUILDER, noCache: true, cacheRef, labels: TEST_LABELS });
    expect(first.cache).toEqual({ ref: cacheRef, used: true, refs: [`${cacheRef}-amd64`, `${cacheRef}-arm64`] });
    expect(first.commands).toContainEqual(expect.arrayContaining(['--cache-to', `type=registry,ref=${cacheRef}-arm64,mode=max,registry.insecure=true`]));
    const client = new RegistryClient({ registry: registry.localhostAddress });
    expect((await client.tags(`bctrf-${suffix}/hello`)).items).toEqual(expect.arrayContaining(['buildcache-amd64', 'buildcache-arm64']));
    expect((await client.tags(`bctrf-${suffix}/hello`)).items).not.toContain('buildcache');

    const pruned = await docker(['buildx', 'prune', '--builder', BUILDER, '--all', '--force']);
    expect(pruned.code, pruned.stderr).toBe(0);
    const second = await core.call('build:run', { context: init.dir, platforms: two, tag, mode: 'old-school', builder: BUILDER, cacheRef, labels: TEST_LABELS });
    for (const t of second.timing.platforms) {
      const built = t.steps.filter((s) => s.name.startsWith('RUN ') || s.name.startsWith('COPY '));
      expect(built.map((s) => [s.name, s.cached])).toEqual([
        ['COPY <<-SCRIPT /hello.sh', true],
        ['RUN chmod +x /hello.sh', true],
      ]);
      expect(t.emulatedMs).toBe(0);
      console.log(`[builder-container-fast] old-school cached: ${t.summary}`);
    }
  }, 400_000);
});
