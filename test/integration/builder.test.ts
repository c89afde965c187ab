/**
 * Builders for real, on the test engine (offline: no Docker Hub). Every builder and context made here is named
 * mal-test-bld-<random>… / mal-test-ctx-<random> (buildx builders and contexts cannot carry labels, so the names
 * are the guard); stand-in containers and volumes carry dev.multiarch-lab.test. The builder that was current
 * before is made current again, and everything made here is removed, whatever happens.
 */
import { currentBuilder, docker, removeNodeLeftovers } from '../helpers/buildx-cli.js';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, createCore, type Core, type TaskSnapshot } from '../../core/index.js';

const TEST_LABEL = 'dev.multiarch-lab.test=builder';


async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

const suffix = randomBytes(4).toString('hex');
const HOST = `mal-test-bld-${suffix}-host`;
const BOOT = `mal-test-bld-${suffix}-boot`;
const GONE = `mal-test-bld-${suffix}-gone`;
const KEEP = `mal-test-bld-${suffix}-keep`;
const DUAL = `mal-test-bld-${suffix}-dual`;
const CONF = `mal-test-bld-${suffix}-conf`;
const CONTEXT = `mal-test-ctx-${suffix}`;
const ALL_BUILDERS = [HOST, BOOT, GONE, KEEP, DUAL, CONF];

let core: Core;
let dataDir: string;
let previousCurrent: string;
const taskUpdates: TaskSnapshot[] = [];

/** A stopped container and a state volume named the way buildx names a started node's, so removal has something to remove. */
async function standInNode(node: string): Promise<{ container: string; volume: string }> {
  const container = `buildx_buildkit_${node}`;
  const volume = `${container}_state`;
  const v = await docker(['volume', 'create', '--label', TEST_LABEL, volume]);
  expect(v.code, v.stderr).toBe(0);
  const c = await docker(['create', '--name', container, '--label', TEST_LABEL, '-v', `${volume}:/var/lib/buildkit`, 'multiarch-lab-test/busybox:1', 'sleep', '600']);
  expect(c.code, c.stderr).toBe(0);
  return { container, volume };
}

async function containerExists(name: string): Promise<boolean> {
  const r = await docker(['ps', '-a', '--filter', `name=^/${name}$`, '--format', '{{.Names}}']);
  return r.stdout.split('\n').includes(name);
}

async function volumeExists(name: string): Promise<boolean> {
  const r = await docker(['volume', 'ls', '--filter', `name=^${name}$`, '--format', '{{.Name}}']);
  return r.stdout.split('\n').includes(name);
}

beforeAll(async () => {
  const ping = await docker(['buildx', 'version']);
  expect(ping.code, `docker buildx must work here (run scripts/provision-test-engine.sh): ${ping.stderr}`).toBe(0);
  previousCurrent = await currentBuilder();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-test-builder-'));
  core = createCore({ mode: 'cli', dataDir, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_RESOURCE_LABELS: TEST_LABEL } });
  core.events.on('task:update', (t) => taskUpdates.push(t));
});

afterAll(async () => {
  await docker(['buildx', 'use', previousCurrent]);
  for (const name of ALL_BUILDERS) await docker(['buildx', 'rm', name]);
  await docker(['context', 'rm', '-f', CONTEXT]);
  for (const name of ALL_BUILDERS) {
    await removeNodeLeftovers(`${name}0`);
  }
  await core?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  // If something above failed half-way, the user's current builder must still be what it was.
  expect(await currentBuilder()).toBe(previousCurrent);
});

describe('creating the host-networked builder', () => {
  it('creates it with network=host, makes it current, and docker buildx inspect agrees', async () => {
    try {
      const result = await core.call('builder:create', { name: HOST, bootstrap: false });
      expect(result.builder).toMatchObject({ name: HOST, driver: 'docker-container', current: true, status: 'inactive' });
      expect(result.builder.nodes[0]?.driverOptions).toEqual({ network: 'host' });
      expect(result.bootstrapped).toBe(false);
      expect(result.commands).toEqual([
        ['docker', 'buildx', 'create', '--name', HOST, '--driver', 'docker-container', '--driver-opt', 'network=host'],
        ['docker', 'buildx', 'use', HOST],
      ]);

      const inspected = await docker(['buildx', 'inspect', HOST]);
      expect(inspected.code, inspected.stderr).toBe(0);
      expect(inspected.stdout).toMatch(/^Driver:\s+docker-container$/m);
      expect(inspected.stdout).toMatch(/^Driver Options:\s+network="host"$/m);
      expect(await currentBuilder()).toBe(HOST);

      const task = taskUpdates.filter((t) => t.id === result.taskId).at(-1);
      expect(task?.state).toBe('succeeded');
      expect(task?.steps.map((s) => [s.id, s.state])).toEqual([['create', 'done'], ['use', 'done']]);
      expect(task?.steps[0]?.command).toEqual(result.commands[0]);

      const viaCore = await core.call('builder:inspect', { name: HOST });
      expect(viaCore.current).toBe(true);
    } finally {
      await docker(['buildx', 'use', previousCurrent]);
    }
    expect(await currentBuilder()).toBe(previousCurrent);
  });

  it('refuses a taken name with a conflict, without touching the existing builder', async () => {
    const error = await rejection(core.call('builder:create', { name: HOST, bootstrap: false, use: false }));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(`A builder named "${HOST}" already exists.`);
    expect(error.hint).toMatch(/docker buildx use|docker buildx rm/);
    expect((await docker(['buildx', 'inspect', HOST])).stdout).toMatch(/network="host"/);
  });

  it('use switches the current builder; an unknown name is not-found', async () => {
    try {
      const r = await core.call('builder:use', { name: HOST });
      expect(r.command).toEqual(['docker', 'buildx', 'use', HOST]);
      expect(await currentBuilder()).toBe(HOST);
      const list = await core.call('builder:list', {});
      expect(list.current).toBe(HOST);
      expect(list.builders.find((b) => b.name === HOST)?.current).toBe(true);
    } finally {
      await docker(['buildx', 'use', previousCurrent]);
    }
    const error = await rejection(core.call('builder:use', { name: `mal-test-bld-${suffix}-none` }));
    expect(error.code).toBe('not-found');
  });

  it('bootstrap offline fails naming the BuildKit image it could not pull, and the builder stays created', async () => {
    // The provisioning loads moby/buildkit:buildx-stable-1, so the offline path is walked with an image name
    // that is on no engine here; buildx pulls it from Docker Hub exactly as it would the default one.
    const absent = `mal-test-absent/buildkit:${suffix}`;
    const local = await docker(['image', 'inspect', absent]);
    expect(local.code, `this test needs the engine without ${absent} and without Docker Hub`).not.toBe(0);

    const error = await rejection(core.call('builder:create', { name: BOOT, use: false, driverOpts: { network: 'host', image: absent } }));
    expect(error.code).toBe('pull-failed');
    expect(error.message).toContain(absent);
    expect(error.message).toContain('Docker Hub could not be reached');
    expect(error.message).toContain(`The builder "${BOOT}" was created but could not start`);
    expect(error.hint).toMatch(/docker load/);

    const task = taskUpdates.filter((t) => t.kind === 'builder:create' && t.title.includes(BOOT)).at(-1);
    expect(task?.state).toBe('failed');
    expect(task?.steps.map((s) => [s.id, s.state])).toEqual([['create', 'done'], ['bootstrap', 'failed']]);
    // The bootstrap output was streamed into progress while it ran.
    const messages = taskUpdates.filter((t) => t.id === task?.id).map((t) => t.progress?.message ?? '');
    expect(messages.some((m) => /booting buildkit|pulling image/.test(m))).toBe(true);

    expect((await docker(['buildx', 'inspect', BOOT])).code).toBe(0);
    expect(await currentBuilder()).toBe(previousCurrent);
  });

  it('writes a buildkitd.toml for insecure registries and hands it to buildx', async () => {
    const result = await core.call('builder:create', { name: CONF, use: false, bootstrap: false, insecureRegistries: ['192.168.1.20:5000', 'registry.localhost:5000'] });
    expect(result.configFile).toBe(path.join(dataDir, 'builders', CONF, 'buildkitd.toml'));
    expect(existsSync(result.configFile ?? '')).toBe(true);
    expect(readFileSync(result.configFile ?? '', 'utf8')).toContain('[registry."192.168.1.20:5000"]\n  http = true\n  insecure = true');
    expect(result.commands[0]).toContain('--buildkitd-config');

    // buildx keeps its own copy of the file with the builder.
    const ls = await docker(['buildx', 'ls', '--format', 'json']);
    const entry = ls.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { Name: string; Nodes: { Files?: Record<string, string> }[] }).find((b) => b.Name === CONF);
    const stored = Buffer.from(entry?.Nodes[0]?.Files?.['buildkitd.toml'] ?? '', 'base64').toString('utf8');
    expect(stored).toContain('[registry."registry.localhost:5000"]');
  });

  it('refuses driver options with shell characters and bad endpoints as invalid input', async () => {
    const a = await core.dispatch('builder:create', { name: `mal-test-bld-${suffix}-bad`, driverOpts: { network: 'host; id' } });
    expect(a.ok ? undefined : a.error.code).toBe('invalid-input');
    const b = await core.dispatch('builder:append-node', { name: HOST, endpoint: '--help' });
    expect(b.ok ? undefined : b.error.code).toBe('invalid-input');
    expect((await docker(['buildx', 'inspect', `mal-test-bld-${suffix}-bad`])).code).not.toBe(0);
  });
});

describe('removing a builder', () => {
  it('removes its container and state volume and checks that none is left', async () => {
    await core.call('builder:create', { name: GONE, use: false, bootstrap: false });
    const { container, volume } = await standInNode(`${GONE}0`);
    expect((await core.call('builder:inspect', { name: GONE })).nodes[0]?.status).toBe('stopped');

    const r = await core.call('builder:remove', { name: GONE });
    expect(r.command).toEqual(['docker', 'buildx', 'rm', GONE]);
    expect(r.checked).toEqual({ containers: [container], volumes: [volume] });
    expect(await containerExists(container)).toBe(false);
    expect(await volumeExists(volume)).toBe(false);
    expect((await docker(['buildx', 'inspect', GONE])).code).not.toBe(0);
  });

  it('keeps the state volume when asked', async () => {
    await core.call('builder:create', { name: KEEP, use: false, bootstrap: false });
    const { container, volume } = await standInNode(`${KEEP}0`);
    const r = await core.call('builder:remove', { name: KEEP, keepState: true });
    expect(r.keptVolumes).toEqual([volume]);
    expect(await containerExists(container)).toBe(false);
    expect(await volumeExists(volume)).toBe(true);
    await docker(['volume', 'rm', volume]);
  });

  it('removes the builder whose bootstrap failed; a second removal is not-found', async () => {
    await core.call('builder:remove', { name: BOOT });
    expect((await docker(['buildx', 'inspect', BOOT])).code).not.toBe(0);
    const error = await rejection(core.call('builder:remove', { name: BOOT }));
    expect(error.code).toBe('not-found');
  });

  it('refuses to remove the default builder, in words', async () => {
    const error = await rejection(core.call('builder:remove', { name: 'default' }));
    expect(error.code).toBe('unsupported');
    expect((await docker(['buildx', 'inspect', 'default'])).code).toBe(0);
  });
});

describe('a builder with a second node', () => {
  it('appends a docker-context node and lists both nodes with who builds what', async () => {
    const ctx = await docker(['context', 'create', CONTEXT, '--description', 'Multiarch Lab test context', '--docker', 'host=unix:///var/run/docker.sock']);
    expect(ctx.code, ctx.stderr).toBe(0);
    await core.call('builder:create', { name: DUAL, use: false, bootstrap: false, platforms: ['linux/amd64'] });

    const appended = await core.call('builder:append-node', { name: DUAL, endpoint: CONTEXT, nodeName: `${DUAL}-arm`, platforms: ['linux/arm64', 'linux/arm/v7'] });
    expect(appended.node).toBe(`${DUAL}-arm`);
    expect(appended.command).toEqual(['docker', 'buildx', 'create', '--append', '--name', DUAL, '--node', `${DUAL}-arm`, '--platform', 'linux/arm64,linux/arm/v7', CONTEXT]);

    const list = await core.call('builder:list', {});
    const dual = list.builders.find((b) => b.name === DUAL);
    expect(dual?.nodes.map((n) => [n.name, n.endpoint, n.pinnedPlatforms])).toEqual([
      [`${DUAL}0`, 'unix:///var/run/docker.sock', ['linux/amd64']],
      [`${DUAL}-arm`, CONTEXT, ['linux/arm64', 'linux/arm/v7']],
    ]);
    expect(dual?.nodes[0]?.driverOptions).toEqual({ network: 'host' });
    expect(dual?.platformNodes.map((p) => [p.platform, p.node])).toEqual([
      ['linux/amd64', `${DUAL}0`],
      ['linux/arm64', `${DUAL}-arm`],
      ['linux/arm/v7', `${DUAL}-arm`],
    ]);
    // buildx itself shows the two nodes.
    const ls = await docker(['buildx', 'ls']);
    expect(ls.stdout).toContain(`${DUAL}-arm`);
    expect(ls.stdout).toMatch(new RegExp(`\\\\_ ${DUAL}0\\s`));

    const taken = await rejection(core.call('builder:append-node', { name: DUAL, endpoint: CONTEXT, nodeName: `${DUAL}-arm` }));
    expect(taken.code).toBe('conflict');
  });

  it('says in words when the endpoint is not a context, or its engine does not answer', async () => {
    const unknown = await rejection(core.call('builder:append-node', { name: DUAL, endpoint: `mal-test-ctx-${suffix}-none` }));
    expect(unknown.code).toBe('not-found');
    expect(unknown.message).toContain('nor an existing docker context');
    const refused = await rejection(core.call('builder:append-node', { name: DUAL, endpoint: 'ssh://mal-test@127.0.0.1:1' }));
    expect(refused.code).toBe('engine-unreachable');
    expect(refused.message).toContain('ssh://mal-test@127.0.0.1:1');
    expect((await core.call('builder:inspect', { name: DUAL })).nodes).toHaveLength(2);
  });

  it('removes the builder and then its context', async () => {
    await core.call('builder:remove', { name: DUAL });
    expect((await docker(['context', 'rm', CONTEXT])).code).toBe(0);
    const list = await core.call('builder:list', {});
    expect(list.builders.some((b) => b.name === DUAL || b.name === CONTEXT)).toBe(false);
  });
});

describe('the default builder and emulation', () => {
  it('reports the default docker driver on the containerd store as multi-platform capable', async () => {
    const info = await docker(['info', '--format', '{{json .DriverStatus}}']);
    expect(info.stdout).toContain('io.containerd.snapshotter.v1');
    const e = await core.call('builder:default-driver', {});
    expect(e).toMatchObject({ driver: 'docker', imageStore: 'containerd', containerdImageStore: true, multiPlatform: true, driverType: 'io.containerd.snapshotter.v1' });
    expect(e.suggestion).toBeUndefined();
    const list = await core.call('builder:list', {});
    expect(list.builders.find((b) => b.name === 'default')?.driver).toBe('docker');
  });

  it('emulators: amd64 native, arm64 emulated by the qemu-aarch64 handler', async () => {
    expect(readFileSync('/proc/sys/fs/binfmt_misc/qemu-aarch64', 'utf8')).toMatch(/^enabled/);
    const r = await core.call('builder:emulators', {});
    expect(r.source).toBe('binfmt_misc');
    const by = Object.fromEntries(r.platforms.map((p) => [p.platform, p]));
    expect(by['linux/amd64']?.support).toBe('native');
    expect(by['linux/arm64']?.support).toBe('emulated');
    expect(by['linux/arm64']?.via).toContain('qemu-aarch64');
    expect(r.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/386', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/riscv64', 'linux/ppc64le', 'linux/s390x']);
  });

  it('installing emulators offline fails with pull-failed naming the pinned tonistiigi/binfmt image', async () => {
    const local = await docker(['image', 'inspect', 'tonistiigi/binfmt:qemu-v8.1.5']);
    expect(local.code, 'this test needs the engine without tonistiigi/binfmt:qemu-v8.1.5 and without Docker Hub').not.toBe(0);
    const error = await rejection(core.call('builder:install-emulators', { platforms: ['linux/arm64'] }));
    expect(error.code).toBe('pull-failed');
    expect(error.message).toBe('Could not pull the emulator installer image tonistiigi/binfmt:qemu-v8.1.5: Docker Hub could not be reached.');
    expect(error.hint).toContain('qemu-user-static');
    const left = await docker(['ps', '-a', '--filter', 'ancestor=tonistiigi/binfmt:qemu-v8.1.5', '--format', '{{.Names}}']);
    expect(left.stdout.trim()).toBe('');
  });
});
