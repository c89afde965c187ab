/**
 * Which buildx plugin the docker CLI would start (core/docker/buildx-plugin.ts): the config folder's cli-plugins
 * before the system folders, and no answer wherever the app cannot be sure (a wrapper script as docker, extra
 * plugin folders in config.json, a config.json it cannot read, a candidate it could not run, not Linux).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildxPluginEnv, findBuildxPlugin, REEXEC_ENV } from '../../../core/docker/buildx-plugin.js';

let dir: string;
let config: string;
// node is a native executable, as the docker CLI is
const nativeDocker = process.execPath;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-buildx-plugin-'));
  config = path.join(dir, 'docker-config');
  await mkdir(path.join(config, 'cli-plugins'), { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function userPlugin(mode = 0o755): Promise<string> {
  const file = path.join(config, 'cli-plugins', 'docker-buildx');
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, mode);
  return file;
}

const SYSTEM = ['/usr/local/lib/docker/cli-plugins', '/usr/local/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins', '/usr/libexec/docker/cli-plugins'].map((d) => path.join(d, 'docker-buildx'));

describe('findBuildxPlugin', () => {
  test('the config folder’s plugin comes before the system’s', async () => {
    const file = await userPlugin();
    expect(await findBuildxPlugin(nativeDocker, { DOCKER_CONFIG: config }, 'linux')).toBe(file);
  });

  test('without one there, the first system folder that has it (or none)', async () => {
    const expected = SYSTEM.find((f) => existsSync(f));
    expect(await findBuildxPlugin(nativeDocker, { DOCKER_CONFIG: config }, 'linux')).toBe(expected);
  });

  test('a docker that is a script (a wrapper such as podman’s) gets no answer: its `buildx` may be another program', async () => {
    await userPlugin();
    const script = path.join(dir, 'docker');
    await writeFile(script, '#!/bin/sh\nexec podman "$@"\n');
    await chmod(script, 0o755);
    expect(await findBuildxPlugin(script, { DOCKER_CONFIG: config }, 'linux')).toBeUndefined();
  });

  test('extra plugin folders in config.json, or a config.json that cannot be read, give no answer', async () => {
    await userPlugin();
    await writeFile(path.join(config, 'config.json'), JSON.stringify({ cliPluginsExtraDirs: ['/opt/plugins'] }));
    expect(await findBuildxPlugin(nativeDocker, { DOCKER_CONFIG: config }, 'linux')).toBeUndefined();
    await writeFile(path.join(config, 'config.json'), '{ not json');
    expect(await findBuildxPlugin(nativeDocker, { DOCKER_CONFIG: config }, 'linux')).toBeUndefined();
    await writeFile(path.join(config, 'config.json'), JSON.stringify({ auths: {}, cliPluginsExtraDirs: [] }));
    expect(await findBuildxPlugin(nativeDocker, { DOCKER_CONFIG: config }, 'linux')).toBe(path.join(config, 'cli-plugins', 'docker-buildx'));
  });

  test('a first candidate that is not executable gives no answer (the CLI would stop there too)', async () => {
    await userPlugin(0o644);
    expect(await findBuildxPlugin(nativeDocker, { DOCKER_CONFIG: config }, 'linux')).toBeUndefined();
  });

  test('elsewhere than Linux: no answer', async () => {
    await userPlugin();
    expect(await findBuildxPlugin(nativeDocker, { DOCKER_CONFIG: config }, 'darwin')).toBeUndefined();
  });
});

describe('buildxPluginEnv', () => {
  test('adds what the docker CLI adds: the original command and the OTEL command path', () => {
    const env = buildxPluginEnv({ PATH: '/usr/bin', DOCKER_HOST: 'unix:///x.sock' }, '/usr/bin/docker');
    expect(env).toEqual({ PATH: '/usr/bin', DOCKER_HOST: 'unix:///x.sock', [REEXEC_ENV]: '/usr/bin/docker', OTEL_RESOURCE_ATTRIBUTES: 'docker.cli.cobra.command_path=docker%20buildx' });
  });

  test('keeps the user’s own OTEL attributes first', () => {
    expect(buildxPluginEnv({ OTEL_RESOURCE_ATTRIBUTES: ' a=b ' }, 'docker').OTEL_RESOURCE_ATTRIBUTES).toBe('a=b,docker.cli.cobra.command_path=docker%20buildx');
  });
});
