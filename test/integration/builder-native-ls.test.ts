/**
 * `docker buildx ls` answered from buildx's files and the engine, with no process (core/builder/native-ls.ts, issue
 * 15), against buildx itself on the real engine, state by state: the default builder alone; a docker-container
 * builder created and never started (inactive); started (running); its container stopped; one with pinned
 * platforms and network=host; one with a buildkitd config file and an env.* driver option (as the app creates
 * them); the current builder switched. In each: the native output is byte for byte what
 * `docker buildx ls --format LS_TEMPLATE` prints, and `builder:list` through the app gives the same BuilderList as
 * the app running buildx (BUILDX_BUILDER set, which ls ignores and the native path does not take: it falls back).
 * A builder outside the verified set (the remote driver) makes the app run buildx again.
 *
 * Everything happens in a DOCKER_CONFIG of the test's own, so a user's builders and current builder are never
 * touched; it holds a buildx plugin that logs each start and runs the real one, to count `buildx ls` processes.
 * Builders are named mal-test-nls-<random>-… (buildx state cannot carry labels) and removed with their
 * containers and volumes whatever happens.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nativeBuildxLs } from '../../core/builder/native-ls.js';
import { DockerCli } from '../../core/docker/docker-cli.js';
import { LS_TEMPLATE } from '../../core/docker/parsers/buildx-ls.js';
import type { BuilderList } from '../../core/contract/builder.js';
import { createCore, type Core } from '../../core/index.js';
import { removeNodeLeftovers } from '../helpers/buildx-cli.js';

const BUILDKIT_IMAGE = 'moby/buildkit:buildx-stable-1';
const REAL_PLUGIN = '/usr/libexec/docker/cli-plugins/docker-buildx';
const suffix = randomBytes(4).toString('hex');
const PLAIN = `mal-test-nls-${suffix}-plain`;
const PINNED = `mal-test-nls-${suffix}-pinned`;
const REMOTE = `mal-test-nls-${suffix}-remote`;
// as the app makes them: a buildkitd config file (stored in the instance as Files) and an env.* driver option
const CONFIGURED = `mal-test-nls-${suffix}-conf`;

let dir: string;
let log: string;
let env: NodeJS.ProcessEnv;
let nativeCore: Core;
let spawnCore: Core;
let cli: DockerCli;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function docker(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile('/usr/bin/docker', args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}

async function mustDocker(args: string[]): Promise<Ran> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

/** How many `buildx ls` processes started since the log was last cleared. */
async function lsStarts(): Promise<number> {
  return (await readFile(log, 'utf8')).split('\n').filter((l) => l.includes('|buildx ls')).length;
}

/**
 * The state compared both ways: buildx's own output (which also leaves buildx's files as ls leaves them) against
 * the native one, byte for byte; then the app's BuilderList with and without the native path.
 */
async function compare(expectNative: boolean): Promise<{ viaNative: BuilderList; viaBuildx: BuilderList }> {
  const spawned = await mustDocker(['buildx', 'ls', '--format', LS_TEMPLATE]);
  const resolved = await cli.resolve();
  const native = await nativeBuildxLs(await cli.commandEnv(), resolved.buildx, { timeoutMs: 30_000 });
  if (expectNative) expect(native).toBe(spawned.stdout);
  else expect(native).toBeUndefined();

  await writeFile(log, '');
  const viaNative = await nativeCore.call('builder:list', {});
  const nativeProcesses = await lsStarts();
  await writeFile(log, '');
  const viaBuildx = await spawnCore.call('builder:list', {});
  const buildxProcesses = await lsStarts();
  expect(viaNative).toEqual(viaBuildx);
  expect(nativeProcesses).toBe(expectNative ? 0 : 1);
  expect(buildxProcesses).toBe(1);
  return { viaNative, viaBuildx };
}

const named = (list: BuilderList, name: string) => list.builders.find((b) => b.name === name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-test-nls-'));
  const config = path.join(dir, 'docker-config');
  log = path.join(dir, 'plugin.log');
  await mkdir(path.join(config, 'cli-plugins'), { recursive: true });
  const plugin = path.join(config, 'cli-plugins', 'docker-buildx');
  await writeFile(plugin, `#!/bin/sh\necho "$(cat /proc/$PPID/comm)|$*" >> '${log}'\nexec ${REAL_PLUGIN} "$@"\n`);
  await chmod(plugin, 0o755);
  await writeFile(log, '');
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, DOCKER_CONFIG: config, NO_COLOR: '1' };
  for (const k of ['DOCKER_CONTEXT', 'DOCKER_HOST', 'BUILDX_BUILDER', 'BUILDX_CONFIG', 'MULTIARCH_LAB_DOCKER_CLI']) delete env[k];
  const labels = { MULTIARCH_LAB_RESOURCE_LABELS: 'dev.multiarch-lab.test=builder-native-ls' };
  nativeCore = createCore({ mode: 'cli', dataDir: path.join(dir, 'data-native'), env: { ...env, ...labels, MULTIARCH_LAB_DATA_DIR: path.join(dir, 'data-native') } });
  spawnCore = createCore({ mode: 'cli', dataDir: path.join(dir, 'data-buildx'), env: { ...env, ...labels, MULTIARCH_LAB_DATA_DIR: path.join(dir, 'data-buildx'), BUILDX_BUILDER: 'default' } });
  cli = new DockerCli({ env, platform: 'linux', probeCacheFile: path.join(dir, 'data-test', 'buildx-probe.json') });
  // buildx's version here is the one the native path was verified against; another one would make it fall back
  expect((await cli.resolve()).buildx?.version).toMatch(/^0\.13\.1/);
  expect((await docker(['image', 'inspect', BUILDKIT_IMAGE])).code, `${BUILDKIT_IMAGE} is not loaded (scripts/provision-test-engine.sh)`).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const name of [PLAIN, PINNED, CONFIGURED, REMOTE]) await docker(['buildx', 'rm', '--force', name]);
  for (const name of [PLAIN, PINNED, CONFIGURED]) await removeNodeLeftovers(`${name}0`);
  await nativeCore?.close();
  await spawnCore?.close();
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('buildx ls without a process gives what buildx gives', () => {
  test('the default builder alone', async () => {
    const { viaNative } = await compare(true);
    expect(viaNative.builders.map((b) => b.name)).toEqual(['default']);
    expect(viaNative.current).toBe('default');
    expect(viaNative.builders[0]?.nodes[0]?.status).toBe('running');
    expect(viaNative.builders[0]?.nodes[0]?.platforms.length).toBeGreaterThan(0);
  }, 60_000);

  test('docker-container builders created and never started (inactive): plain, pinned with network=host, with a config file and an env option', async () => {
    await mustDocker(['buildx', 'create', '--name', PLAIN, '--driver', 'docker-container', '--driver-opt', `image=${BUILDKIT_IMAGE}`]);
    await mustDocker(['buildx', 'create', '--name', PINNED, '--driver', 'docker-container', '--driver-opt', `image=${BUILDKIT_IMAGE}`, '--driver-opt', 'network=host', '--platform', 'linux/arm64,linux/amd64']);
    const configFile = path.join(dir, 'buildkitd.toml');
    await writeFile(configFile, '[registry."localhost:5999"]\n  http = true\n');
    await mustDocker(['buildx', 'create', '--name', CONFIGURED, '--driver', 'docker-container', '--driver-opt', `image=${BUILDKIT_IMAGE}`, '--driver-opt', 'network=host', '--driver-opt', 'env.BUILDKIT_STEP_LOG_MAX_SIZE=10485760', '--buildkitd-config', configFile]);
    const { viaNative } = await compare(true);
    expect(named(viaNative, CONFIGURED)?.nodes[0]?.driverOptions).toEqual({ image: BUILDKIT_IMAGE, network: 'host', 'env.BUILDKIT_STEP_LOG_MAX_SIZE': '10485760' });
    expect(named(viaNative, PLAIN)?.nodes[0]?.status).toBe('inactive');
    const pinned = named(viaNative, PINNED)?.nodes[0];
    expect(pinned?.status).toBe('inactive');
    expect(pinned?.pinnedPlatforms).toEqual(['linux/arm64', 'linux/amd64']);
    expect(pinned?.driverOptions).toEqual({ image: BUILDKIT_IMAGE, network: 'host' });
  }, 120_000);

  test('all started (running): BuildKit version, pinned platforms first, then the workers', async () => {
    await mustDocker(['buildx', 'inspect', '--bootstrap', PLAIN]);
    await mustDocker(['buildx', 'inspect', '--bootstrap', PINNED]);
    await mustDocker(['buildx', 'inspect', '--bootstrap', CONFIGURED]);
    const { viaNative } = await compare(true);
    expect(named(viaNative, CONFIGURED)?.nodes[0]?.status).toBe('running');
    const plain = named(viaNative, PLAIN)?.nodes[0];
    expect(plain?.status).toBe('running');
    expect(plain?.buildkitVersion).toBeTruthy();
    const pinned = named(viaNative, PINNED)?.nodes[0];
    expect(pinned?.status).toBe('running');
    expect(pinned?.platforms.slice(0, 2)).toEqual(['linux/arm64', 'linux/amd64']);
    expect(pinned?.platforms.length).toBeGreaterThan(2);
  }, 180_000);

  test('one container stopped, and the current builder switched to the other', async () => {
    await mustDocker(['stop', `buildx_buildkit_${PLAIN}0`]);
    await mustDocker(['buildx', 'use', PINNED]);
    const { viaNative } = await compare(true);
    expect(named(viaNative, PLAIN)?.nodes[0]?.status).toBe('stopped');
    expect(named(viaNative, PINNED)?.nodes[0]?.status).toBe('running');
    expect(viaNative.current).toBe(PINNED);
  }, 120_000);

  test('a builder outside the verified set (remote driver): the app runs buildx, with the same answer', async () => {
    await mustDocker(['buildx', 'create', '--name', REMOTE, '--driver', 'remote', 'tcp://127.0.0.1:9']);
    const { viaNative } = await compare(false);
    expect(named(viaNative, REMOTE)).toBeDefined();
    await mustDocker(['buildx', 'rm', REMOTE]);
    // and back in the verified set, no process again
    await compare(true);
  }, 120_000);
});
