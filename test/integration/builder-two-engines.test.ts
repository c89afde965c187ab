/**
 * A builder across two engines, for real: a second dockerd in its own network namespace (the recipe of
 * ../shared/test-images/README.md; never beside the first engine, whose docker0 it would take down), the
 * BuildKit image loaded into it, appended to a host-networked builder for linux/arm64 while the first node takes
 * linux/amd64. One build for both platforms: the result and the timeline name the second node for arm64 and the
 * first for amd64, and the RUN step's own output proves where it ran (each node sees its own network interfaces).
 *
 * Both engines run on this one x86_64 CPU, so the arm64 node here builds arm64 under emulation: the app must say
 * so (a real arm64 machine as the second node would make it native).
 *
 * Everything is named mal-t13-… / mal-test-b2e-…, and removed in reverse: builder, context, dockerd, veth, netns.
 * The first engine's docker0 route is checked before and after. The docker context and the builders live in a
 * DOCKER_CONFIG of the test's own (set for this file's process), never in the user's ~/.docker.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BuildLogEvent, BuildProgressEvent, BuildResult } from '../../core/contract/build.js';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import { createCore, type Core } from '../../core/index.js';
import { RegistryClient } from '../../core/registry/client.js';
import { runCommand } from '../../core/docker/exec.js';
import { docker, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { docker0Route, startSecondEngine, type SecondEngine } from '../helpers/second-engine.js';

const BUSYBOX_STATE = '/var/lib/multiarch-lab-test/busybox';
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI_ENTRY = path.join(ROOT, 'cli', 'index.ts');
const TWO = ['linux/amd64', 'linux/arm64'];
const suffix = randomBytes(3).toString('hex');
const BUILDER = `mal-test-b2e-${suffix}`;
const ARM_NODE = `${BUILDER}-arm`;
/** A second builder whose first node pins two platforms (amd64 and arm/v7), the second engine arm64. */
const PAIR = `mal-test-b2e-${suffix}-p`;
const PAIR_ARM = `${PAIR}-arm`;

let routeBefore: string | undefined;
let engine: SecondEngine | undefined;
let registry: RegistryProcess | undefined;
let core: Core;
let work: string;
let project: string;
const savedDockerConfig = process.env.DOCKER_CONFIG;
let dockerConfig: string | undefined;

beforeAll(async () => {
  expect(process.getuid?.(), 'a second engine needs root (network namespaces, dockerd)').toBe(0);
  dockerConfig = await mkdtemp(path.join(os.tmpdir(), 'mal-test-b2e-config-'));
  process.env.DOCKER_CONFIG = dockerConfig;
  routeBefore = await docker0Route();
  expect(routeBefore, 'the first engine must have its docker0 route before the test').toBeDefined();
  for (const arch of ['amd64', 'arm64']) {
    expect(existsSync(path.join(BUSYBOX_STATE, arch, 'rootfs', 'bin', 'busybox')), `${BUSYBOX_STATE}/${arch} comes from scripts/provision-test-engine.sh`).toBe(true);
  }
  engine = await startSecondEngine();
  // The registry listens on the host's end of the veth: the first node (host network) and the second (in the
  // namespace) both reach it there; it is no localhost, so both nodes get it as a plain-HTTP registry.
  registry = await startRegistryProcess({ bindAddress: engine.hostAddress });

  work = await mkdtemp(path.join(os.tmpdir(), 'mal-test-b2e-'));
  project = path.join(work, 'project');
  await mkdir(project, { recursive: true });
  for (const arch of ['amd64', 'arm64']) await cp(path.join(BUSYBOX_STATE, arch, 'rootfs'), path.join(project, `rootfs-${arch}`), { recursive: true, verbatimSymlinks: true });
  // No base image to pull: the busybox root comes with the context. The RUN prints the interfaces the node's
  // build container sees (BuildKit without CNI runs steps in its own network: host for the first node, the
  // namespace for the second) and the machine it believes it is.
  await writeFile(path.join(project, 'Dockerfile'), 'FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nRUN cat /proc/net/dev && uname -m\n');
  core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
}, 300_000);

afterAll(async () => {
  await docker(['buildx', 'rm', BUILDER]).catch(() => undefined);
  await docker(['buildx', 'rm', PAIR]).catch(() => undefined);
  await docker(['rm', '-f', '-v', `buildx_buildkit_${PAIR}0`]).catch(() => undefined);
  await docker(['rm', '-f', '-v', `buildx_buildkit_${BUILDER}0`]).catch(() => undefined);
  await core?.close();
  await registry?.stop();
  const problems = engine ? await engine.stop() : [];
  if (work) await rm(work, { recursive: true, force: true });
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
  if (dockerConfig) await rm(dockerConfig, { recursive: true, force: true });
  expect(problems, 'the second engine came down cleanly').toEqual([]);
  // The trap of a second dockerd: the first engine's bridge must still be there.
  // (compared without its state words: "linkdown" comes and goes with the containers on it)
  expect(await docker0Route()).toMatch(/^172\.17\.0\.0\/16 dev docker0\b/);
}, 300_000);

describe('a builder with a node on a second engine', () => {
  let result: BuildResult;
  const progress: BuildProgressEvent[] = [];
  const logs: BuildLogEvent[] = [];

  test('the app creates the builder with amd64 pinned on the first node and appends the second engine for arm64', async () => {
    const e = engine!;
    const created = await core.call('builder:create', { name: BUILDER, use: false, bootstrap: false, platforms: ['linux/amd64'], insecureRegistries: [registry!.address] });
    expect(created.commands[0]).toContain('--platform');

    const appended = await core.call('builder:append-node', {
      name: BUILDER,
      endpoint: e.context,
      nodeName: ARM_NODE,
      platforms: ['linux/arm64'],
      driverOpts: { network: 'host' },
      insecureRegistries: [registry!.address],
    });
    expect(appended.node).toBe(ARM_NODE);
    expect(appended.command.slice(0, 12)).toEqual(['docker', 'buildx', 'create', '--append', '--name', BUILDER, '--node', ARM_NODE, '--driver-opt', 'network=host', '--platform', 'linux/arm64']);
    expect(appended.command.at(-1)).toBe(e.context);

    // Per node: endpoint, status, platforms, and what it runs natively (asked of each node's engine).
    const info = await core.call('builder:inspect', { name: BUILDER });
    expect(info.nodes.map((n) => [n.name, n.endpoint, n.pinnedPlatforms, n.nativePlatform])).toEqual([
      [`${BUILDER}0`, 'unix:///var/run/docker.sock', ['linux/amd64'], 'linux/amd64'],
      [ARM_NODE, e.context, ['linux/arm64'], 'linux/amd64'],
    ]);
    expect(info.platformNodes.map((p) => [p.platform, p.node])).toEqual([
      ['linux/amd64', `${BUILDER}0`],
      ['linux/arm64', ARM_NODE],
    ]);
    const listed = (await core.call('builder:list', {})).builders.find((b) => b.name === BUILDER);
    expect(listed?.nodes.map((n) => n.nativePlatform)).toEqual(['linux/amd64', 'linux/amd64']);
  }, 120_000);

  test('one build for both platforms: amd64 on the first node, arm64 on the second, pushed as one index', async () => {
    const tag = `${registry!.address}/b2e/hello:${suffix}`;
    const offP = core.events.on('build:progress', (ev) => progress.push(ev));
    const offL = core.events.on('build:log', (ev) => logs.push(ev));
    try {
      result = await core.call('build:run', { context: project, platforms: TWO, tag, mode: 'modern', builder: BUILDER, noCache: true, insecure: true, labels: { 'dev.multiarch-lab.test': 'b2e' } });
    } finally {
      offP();
      offL();
    }
    expect(result.platforms).toEqual(TWO);
    const client = new RegistryClient({ registry: registry!.address, insecure: true });
    expect((await client.headManifest('b2e/hello', suffix)).digest).toBe(result.digest);

    // The result and the timeline say which node built which platform.
    expect(result.timeline.map((p) => [p.platform, p.node])).toEqual([
      ['linux/amd64', `${BUILDER}0`],
      ['linux/arm64', ARM_NODE],
    ]);
    expect(result.timing.platforms.map((p) => [p.platform, p.node, p.nativePlatform])).toEqual([
      ['linux/amd64', `${BUILDER}0`, 'linux/amd64'],
      ['linux/arm64', ARM_NODE, 'linux/amd64'],
    ]);
    // …live too, while it ran
    expect(progress.some((ev) => ev.platforms.find((p) => p.platform === 'linux/arm64')?.node === ARM_NODE)).toBe(true);
    const notes = logs.flatMap((ev) => ev.lines).filter((l) => l.stream === 0).map((l) => l.text);
    expect(notes).toContain(`Node ${ARM_NODE} (${engine!.context}) builds linux/arm64 emulated.`);
    // Both engines share this x86_64 CPU: arm64 ran emulated on its node, and the summary says on which node.
    const arm = result.timing.platforms[1]!;
    expect(arm.steps.find((s) => s.name.startsWith('RUN'))?.execution).toBe('emulated');
    expect(arm.summary.startsWith(`linux/arm64 on ${ARM_NODE}: `)).toBe(true);
    for (const t of result.timing.platforms) console.log(`[b2e] ${t.summary}`);
  }, 300_000);

  test('the RUN step’s own output proves the node: arm64 saw the namespace’s veth, amd64 the host’s docker0', () => {
    const lines = logs.flatMap((ev) => ev.lines).filter((l) => l.stream !== 0 && l.step?.startsWith('RUN'));
    const of = (platform: string) => lines.filter((l) => l.platform === platform).map((l) => l.text).join('\n');
    const vethInNamespace = `${engine!.id.replace('mal-t13-', 'mt')}c:`;
    expect(of('linux/arm64')).toContain(vethInNamespace);
    expect(of('linux/arm64')).not.toContain('docker0:');
    expect(of('linux/arm64')).toContain('aarch64');
    expect(of('linux/amd64')).toContain('docker0:');
    expect(of('linux/amd64')).not.toContain(vethInNamespace);
    expect(of('linux/amd64')).toContain('x86_64');
  });

  test('each node kept its own build cache (BuildKit’s buildctl du on each engine)', async () => {
    const first = await docker(['exec', `buildx_buildkit_${BUILDER}0`, 'buildctl', 'du']);
    const second = await engine!.docker(['exec', `buildx_buildkit_${ARM_NODE}`, 'buildctl', 'du']);
    for (const du of [first.stdout, second]) expect(du).toMatch(/^Total:\s+[1-9]/m);
  }, 60_000);

  // The registry cache on this builder: one buildx build would hand both nodes the same --cache-to and keep only
  // the last export, so the app splits the build per node (each with its own REF-<arch>) and joins the digests.
  describe('with the registry cache: one build per node, each with its own cache ref, joined into one list', () => {
    const repo = 'b2e/cached';
    const tag = () => `${registry!.address}/${repo}:${suffix}`;
    const cacheRef = () => `${registry!.address}/${repo}:buildcache`;
    const cacheLogs: BuildLogEvent[] = [];
    let first: BuildResult;
    let lastTask: TaskSnapshot | undefined;

    const tagsOf = async (): Promise<string[]> => {
      const res = await fetch(`http://${registry!.address}/v2/${repo}/tags/list`);
      return ((await res.json()) as { tags?: string[] }).tags ?? [];
    };
    const build = (extra: Record<string, unknown> = {}) =>
      core.call('build:run', { context: project, platforms: TWO, tag: tag(), mode: 'modern', builder: BUILDER, insecure: true, cacheRef: cacheRef(), labels: { 'dev.multiarch-lab.test': 'b2e' }, ...extra });

    test('the first build: amd64 and arm64 built apart on their own nodes, one list pushed, REF-amd64 and REF-arm64 written', async () => {
      const off = core.events.on('build:log', (ev) => cacheLogs.push(ev));
      const live: BuildProgressEvent[] = [];
      const offProgress = core.events.on('build:progress', (ev) => live.push(ev));
      const offTask = core.events.on('task:update', (t) => {
        if (t.kind === 'build') lastTask = t;
      });
      try {
        first = await build({ noCache: true });
      } finally {
        off();
        offProgress();
        offTask();
      }
      // live, from the first event on: one timeline, each platform on its node
      expect(live.length).toBeGreaterThan(0);
      for (const ev of live) {
        expect(ev.platforms.map((pl) => [pl.platform, pl.node])).toEqual([
          ['linux/amd64', `${BUILDER}0`],
          ['linux/arm64', ARM_NODE],
        ]);
      }
      expect(first.mode).toBe('modern');
      expect(first.platforms).toEqual(TWO);
      expect(first.mediaType).toMatch(/manifest\.list|image\.index/);
      const client = new RegistryClient({ registry: registry!.address, insecure: true });
      expect((await client.headManifest(repo, suffix)).digest).toBe(first.digest);

      // Why it was split, before (a note in the log) and after (the result).
      const notes = cacheLogs.flatMap((ev) => ev.lines).filter((l) => l.stream === 0).map((l) => l.text);
      expect(notes.some((n) => n.startsWith(`Split per node: the builder ${BUILDER} has 2 nodes and the cache is on: one buildx build would keep only the last node's cache`))).toBe(true);
      expect(first.cache?.reason).toContain('each node\'s platforms are built separately with their own cache ref and joined into one manifest list');

      // buildx's own metadata names the node that ran each build: amd64 on the first, arm64 on the second.
      expect(first.cache?.split?.map((n) => [n.platforms, n.node, n.confirmed, n.refs])).toEqual([
        [['linux/amd64'], `${BUILDER}0`, true, [`${cacheRef()}-amd64`]],
        [['linux/arm64'], ARM_NODE, true, [`${cacheRef()}-arm64`]],
      ]);
      expect(first.timeline.map((p) => [p.platform, p.node])).toEqual([
        ['linux/amd64', `${BUILDER}0`],
        ['linux/arm64', ARM_NODE],
      ]);
      expect(first.timing.platforms.map((p) => [p.platform, p.node, p.nativePlatform])).toEqual([
        ['linux/amd64', `${BUILDER}0`, 'linux/amd64'],
        ['linux/arm64', ARM_NODE, 'linux/amd64'],
      ]);
      // The RUN's own output agrees: arm64 ran in the namespace (its veth), amd64 on the host (docker0).
      const runLines = (platform: string) => cacheLogs.flatMap((ev) => ev.lines).filter((l) => l.stream !== 0 && l.platform === platform && l.step?.startsWith('RUN')).map((l) => l.text).join('\n');
      expect(runLines('linux/arm64')).toContain(`${engine!.id.replace('mal-t13-', 'mt')}c:`);
      expect(runLines('linux/arm64')).not.toContain('docker0:');
      expect(runLines('linux/amd64')).toContain('docker0:');

      // The registry holds one cache ref per platform, and no shared one (no build wrote it).
      const tags = await tagsOf();
      expect(tags).toEqual(expect.arrayContaining(['buildcache-amd64', 'buildcache-arm64', suffix]));
      expect(tags).not.toContain('buildcache');
      // Each cache ref is a cache manifest of its own (different content: each node exported its platform).
      const amd = await client.getManifest(repo, 'buildcache-amd64');
      const arm = await client.getManifest(repo, 'buildcache-arm64');
      expect(amd.digest).not.toBe(arm.digest);

      // The commands: one buildx build per node, pushed by digest with its own cache, then the join with the real digests.
      const [b1, b2, join] = first.commands;
      expect(b1).toEqual(expect.arrayContaining(['--platform', 'linux/amd64', '--cache-to', `type=registry,ref=${cacheRef()}-amd64,mode=max,registry.insecure=true`]));
      expect(b2).toEqual(expect.arrayContaining(['--platform', 'linux/arm64', '--cache-to', `type=registry,ref=${cacheRef()}-arm64,mode=max,registry.insecure=true`]));
      expect(b1).toContain(`type=image,name=${registry!.address}/${repo},push-by-digest=true,name-canonical=true,push=true,registry.insecure=true`);
      const pushed = first.cache!.split!.map((n) => n.pushed!);
      expect(join).toEqual(['docker', 'buildx', 'imagetools', 'create', '-t', tag(), ...pushed]);
      // The list holds exactly what the two builds pushed.
      expect(first.images.map((i) => `${registry!.address}/${repo}@${i.digest}`)).toEqual(pushed);
      // The steps list: each node's build and the join, with the commands the result gives (the join's real digests).
      expect(lastTask?.state).toBe('succeeded');
      // (the Dockerfile steps of each platform follow as `step:…`, as in any modern build)
      expect(lastTask?.steps.filter((st) => !st.id.startsWith('step:')).map((st) => [st.id, st.state])).toEqual([
        ['build:linux/amd64', 'done'],
        ['build:linux/arm64', 'done'],
        ['platform:linux/amd64', 'done'],
        ['platform:linux/arm64', 'done'],
        ['join', 'done'],
        ['verify', 'done'],
      ]);
      expect(lastTask?.steps.filter((st) => st.command).map((st) => st.command)).toEqual(first.commands);
      for (const t of first.timing.platforms) console.log(`[b2e cache 1] ${t.summary}`);
    }, 300_000);

    test('the second build, with both nodes’ own BuildKit cache emptied, is cached from the registry for BOTH platforms', async () => {
      // Only the registry can make it cached now.
      await docker(['buildx', 'prune', '--builder', BUILDER, '--all', '--force'], { timeoutMs: 120_000 });
      const firstDu = (await docker(['exec', `buildx_buildkit_${BUILDER}0`, 'buildctl', 'du'])).stdout;
      const secondDu = await engine!.docker(['exec', `buildx_buildkit_${ARM_NODE}`, 'buildctl', 'du']);
      for (const du of [firstDu, secondDu]) expect(du).toMatch(/^Total:\s+0\s*B/m);
      const second = await build();
      expect(second.cache?.split?.map((n) => n.node)).toEqual([`${BUILDER}0`, ARM_NODE]);
      for (const platform of TWO) {
        const p = second.timeline.find((t) => t.platform === platform)!;
        const run = p.steps.find((s) => s.name.startsWith('RUN'));
        expect(run?.state, `${platform}: ${JSON.stringify(p.steps.map((s) => [s.name, s.state]))}`).toBe('cached');
        expect(second.timing.platforms.find((t) => t.platform === platform)?.cachedSteps).toBeGreaterThan(0);
      }
      expect(second.platforms).toEqual(TWO);
      // The build history keeps both builds, each platform with its node and its cached steps.
      const history = await core.call('build:history', { reference: tag() });
      expect(history).toHaveLength(2);
      const cachedOf = (entry: (typeof history)[number]) => entry.platforms.map((pl) => [pl.platform, pl.node, pl.cachedSteps > 0]);
      const newest = history.find((h) => h.digest === second.digest)!;
      expect(cachedOf(newest)).toEqual([
        ['linux/amd64', `${BUILDER}0`, true],
        ['linux/arm64', ARM_NODE, true],
      ]);
      for (const t of second.timing.platforms) console.log(`[b2e cache 2] ${t.summary}`);
    }, 300_000);

    test('a platform no node pins (linux/arm/v7) is built on its own, with its own ref, wherever buildx sends it', async () => {
      const three = path.join(work, 'three');
      await mkdir(three, { recursive: true });
      for (const [arch, dir] of [['amd64', 'amd64'], ['arm64', 'arm64'], ['arm', 'armhf']] as const) {
        await cp(path.join(BUSYBOX_STATE, dir, 'rootfs'), path.join(three, `rootfs-${arch}`), { recursive: true, verbatimSymlinks: true });
      }
      await writeFile(path.join(three, 'Dockerfile'), 'FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nRUN uname -m\n');
      const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
      const threeTag = `${registry!.address}/${repo}:three-${suffix}`;
      const result = await core.call('build:run', { context: three, platforms: THREE, tag: threeTag, mode: 'modern', builder: BUILDER, insecure: true, cacheRef: cacheRef(), noCache: true, labels: { 'dev.multiarch-lab.test': 'b2e' } });
      expect(result.platforms).toEqual(THREE);
      expect(result.cache?.split?.map((n) => [n.platforms, n.refs, n.confirmed])).toEqual([
        [['linux/amd64'], [`${cacheRef()}-amd64`], true],
        [['linux/arm64'], [`${cacheRef()}-arm64`], true],
        [['linux/arm/v7'], [`${cacheRef()}-armv7`], true],
      ]);
      // the pinned ones where pinned; arm/v7 where buildx's metadata says it ran, and the timeline says the same
      const [amd, arm, armv7] = result.cache!.split!;
      expect([amd!.node, arm!.node]).toEqual([`${BUILDER}0`, ARM_NODE]);
      expect([`${BUILDER}0`, ARM_NODE]).toContain(armv7!.node);
      expect(result.timeline.map((t) => t.node)).toEqual([amd!.node, arm!.node, armv7!.node]);
      console.log(`[b2e three] linux/arm/v7 ran on ${armv7!.node} (planned ${armv7!.plannedNode})`);
      expect(await tagsOf()).toEqual(expect.arrayContaining(['buildcache-armv7']));
    }, 300_000);

    test('cancelling ends both nodes’ builds at once and puts nothing under the tag', async () => {
      const slow = path.join(work, 'slow');
      await mkdir(slow, { recursive: true });
      for (const arch of ['amd64', 'arm64']) await cp(path.join(project, `rootfs-${arch}`), path.join(slow, `rootfs-${arch}`), { recursive: true, verbatimSymlinks: true });
      await writeFile(path.join(slow, 'Dockerfile'), 'FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nRUN sleep 120\n');
      const slowTag = `${registry!.address}/${repo}:slow-${suffix}`;
      const controller = new AbortController();
      let bothRunning = false;
      const off = core.events.on('build:progress', (ev) => {
        const running = TWO.every((pl) => ev.platforms.find((x) => x.platform === pl)?.steps.some((st) => st.name.startsWith('RUN') && st.state === 'running'));
        if (running && !bothRunning) {
          bothRunning = true;
          controller.abort();
        }
      });
      const startedAt = Date.now();
      const error = await core
        .call('build:run', { context: slow, platforms: TWO, tag: slowTag, mode: 'modern', builder: BUILDER, insecure: true, cacheRef: cacheRef(), labels: { 'dev.multiarch-lab.test': 'b2e' } }, { signal: controller.signal })
        .then(() => undefined, (e: unknown) => e as { code?: string });
      off();
      expect(bothRunning, 'both nodes were running their RUN step').toBe(true);
      expect(error?.code).toBe('cancelled');
      expect(Date.now() - startedAt).toBeLessThan(60_000);
      // no buildx process of this build is left
      const left = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
      const mine: string[] = [];
      for (const pid of left) {
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmd.includes(slow) && cmd.includes('build')) mine.push(cmd.replaceAll('\0', ' '));
      }
      expect(mine).toEqual([]);
      expect(await tagsOf()).not.toContain(`slow-${suffix}`);
    }, 300_000);

    test('one node’s build failing cancels the other, names the platform and node, and puts nothing under the tag', async () => {
      const failing = path.join(work, 'failing');
      await mkdir(failing, { recursive: true });
      for (const arch of ['amd64', 'arm64']) await cp(path.join(project, `rootfs-${arch}`), path.join(failing, `rootfs-${arch}`), { recursive: true, verbatimSymlinks: true });
      // arm64 fails at once; amd64 would sleep a minute unless cancelled.
      await writeFile(path.join(failing, 'Dockerfile'), 'FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nRUN if [ "$(uname -m)" = x86_64 ]; then sleep 60; else echo no arm here; exit 3; fi\n');
      const failTag = `${registry!.address}/${repo}:failing-${suffix}`;
      const startedAt = Date.now();
      const error = await core
        .call('build:run', { context: failing, platforms: TWO, tag: failTag, mode: 'modern', builder: BUILDER, insecure: true, cacheRef: cacheRef(), labels: { 'dev.multiarch-lab.test': 'b2e' } })
        .then(() => undefined, (e: unknown) => e as { code?: string; message?: string; details?: { node?: string; platform?: string } });
      expect(error, 'the build must fail').toBeDefined();
      expect(error!.message).toContain(`on node ${ARM_NODE} (linux/arm64)`);
      expect(error!.details?.node).toBe(ARM_NODE);
      // the amd64 build was stopped, not waited for
      expect(Date.now() - startedAt).toBeLessThan(50_000);
      expect(await tagsOf()).not.toContain(`failing-${suffix}`);
    }, 300_000);
  });

  test('the CLI says why the build is split, before it and after; without --cache-ref it is one build again', async () => {
    const cliEnv: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: path.join(work, 'cli-data') };
    delete cliEnv.DOCKER_HOST;
    const cli = (args: string[]) => runCommand(TSX, [CLI_ENTRY, ...args], { env: cliEnv, cwd: work, timeoutMs: 240_000 });
    const cliRepo = `${registry!.address}/b2e/cli`;
    const cacheRef = `${cliRepo}:buildcache`;
    const split = await cli(['build', project, '--platform', TWO.join(','), '--tag', `${cliRepo}:1`, '--builder', BUILDER, '--cache-ref', cacheRef, '--label', 'dev.multiarch-lab.test=b2e']);
    expect(split.code, split.stderr).toBe(0);
    // before: the reason, ahead of the first step's progress line
    const said = split.stderr.indexOf(`Split per node: the builder ${BUILDER} has 2 nodes and the cache is on: one buildx build would keep only the last node's cache, so each node's platforms are built separately with their own cache ref and joined into one manifest list (${BUILDER}0: linux/amd64; ${ARM_NODE}: linux/arm64).`);
    expect(said, split.stderr).toBeGreaterThanOrEqual(0);
    expect(said).toBeLessThan(split.stderr.search(/^linux\/(amd|arm)64 /m));
    // after: the way, each node's platforms, refs and digest, and why
    expect(split.stdout).toContain(`  way        modern, split per node: one buildx build per node (2), each with its own cache, joined into one list (builder ${BUILDER})`);
    expect(split.stdout).toMatch(new RegExp(`^    linux/amd64 on node ${BUILDER}0: ${cacheRef}-amd64, pushed ${cliRepo}@sha256:[a-f0-9]{64}$`, 'm'));
    expect(split.stdout).toMatch(new RegExp(`^    linux/arm64 on node ${ARM_NODE}: ${cacheRef}-arm64, pushed ${cliRepo}@sha256:[a-f0-9]{64}$`, 'm'));
    expect(split.stdout).toContain(`note: split because the builder ${BUILDER} has 2 nodes and the cache is on`);
    expect(split.stdout).toMatch(new RegExp(`^  docker buildx imagetools create -t ${cliRepo}:1 ${cliRepo}@sha256:[a-f0-9]{64} ${cliRepo}@sha256:[a-f0-9]{64}$`, 'm'));

    // --json: the same result as the core's, the split included
    const json = await cli(['build', project, '--platform', TWO.join(','), '--tag', `${cliRepo}:1`, '--builder', BUILDER, '--cache-ref', cacheRef, '--label', 'dev.multiarch-lab.test=b2e', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as BuildResult;
    expect(parsed.cache?.split?.map((n) => [n.platforms, n.node, n.refs])).toEqual([
      [['linux/amd64'], `${BUILDER}0`, [`${cacheRef}-amd64`]],
      [['linux/arm64'], ARM_NODE, [`${cacheRef}-arm64`]],
    ]);
    expect(parsed.timing.platforms.map((t) => [t.platform, t.node, t.cachedSteps > 0])).toEqual([
      ['linux/amd64', `${BUILDER}0`, true],
      ['linux/arm64', ARM_NODE, true],
    ]);
    expect(parsed.commands.at(-2)?.slice(0, 6)).toEqual(['docker', 'buildx', 'imagetools', 'create', '-t', `${cliRepo}:1`]);

    const one = await cli(['build', project, '--platform', TWO.join(','), '--tag', `${cliRepo}:2`, '--builder', BUILDER, '--label', 'dev.multiarch-lab.test=b2e']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`  way        modern: one buildx build for every platform (builder ${BUILDER})`);
    expect(one.stderr).not.toContain('Split per node');
    expect(one.stdout).not.toContain('imagetools create');
  }, 300_000);

  test('a node that pins two platforms builds both in one build, writing both refs; the list joins its index and the other node’s image', async () => {
    const e = engine!;
    await core.call('builder:create', { name: PAIR, use: false, bootstrap: false, platforms: ['linux/amd64', 'linux/arm/v7'], insecureRegistries: [registry!.address] });
    try {
      await core.call('builder:append-node', { name: PAIR, endpoint: e.context, nodeName: PAIR_ARM, platforms: ['linux/arm64'], driverOpts: { network: 'host' }, insecureRegistries: [registry!.address] });
      const three = path.join(work, 'pair');
      await mkdir(three, { recursive: true });
      for (const [arch, dir] of [['amd64', 'amd64'], ['arm64', 'arm64'], ['arm', 'armhf']] as const) {
        await cp(path.join(BUSYBOX_STATE, dir, 'rootfs'), path.join(three, `rootfs-${arch}`), { recursive: true, verbatimSymlinks: true });
      }
      await writeFile(path.join(three, 'Dockerfile'), 'FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nRUN uname -m\n');
      const THREE = ['linux/amd64', 'linux/arm/v7', 'linux/arm64'];
      const pairRepo = `${registry!.address}/b2e/pair`;
      const cacheRef = `${pairRepo}:buildcache`;
      const result = await core.call('build:run', { context: three, platforms: THREE, tag: `${pairRepo}:1`, mode: 'modern', builder: PAIR, insecure: true, cacheRef, noCache: true, labels: { 'dev.multiarch-lab.test': 'b2e' } });
      expect(result.cache?.split?.map((n) => [n.platforms, n.node, n.confirmed, n.refs])).toEqual([
        [['linux/amd64', 'linux/arm/v7'], `${PAIR}0`, true, [`${cacheRef}-amd64`, `${cacheRef}-armv7`]],
        [['linux/arm64'], PAIR_ARM, true, [`${cacheRef}-arm64`]],
      ]);
      // one list of three images: the first node's pushed index gave two, the second node's image one
      expect(result.platforms).toEqual(THREE);
      expect(result.timeline.map((t) => [t.platform, t.node])).toEqual([
        ['linux/amd64', `${PAIR}0`],
        ['linux/arm/v7', `${PAIR}0`],
        ['linux/arm64', PAIR_ARM],
      ]);
      const client = new RegistryClient({ registry: registry!.address, insecure: true });
      const firstNode = await client.getManifest('b2e/pair', result.cache!.split![0]!.pushed!.split('@')[1]!);
      expect(firstNode.mediaType).toMatch(/manifest\.list|image\.index/);
      const tags = ((await (await fetch(`http://${registry!.address}/v2/b2e/pair/tags/list`)).json()) as { tags: string[] }).tags;
      expect(tags).toEqual(expect.arrayContaining(['1', 'buildcache-amd64', 'buildcache-armv7', 'buildcache-arm64']));
      expect(tags).not.toContain('buildcache');
    } finally {
      await core.call('builder:remove', { name: PAIR });
    }
  }, 300_000);

  test('removing the builder removes both nodes’ BuildKit containers, on both engines', async () => {
    await core.call('builder:remove', { name: BUILDER });
    const left = await engine!.docker(['ps', '-a', '--filter', `name=buildx_buildkit_${ARM_NODE}`, '--format', '{{.Names}}']);
    expect(left.trim()).toBe('');
    expect((await docker(['ps', '-a', '--filter', `name=^/buildx_buildkit_${BUILDER}0$`, '--format', '{{.Names}}'])).stdout.trim()).toBe('');
  }, 120_000);
});
