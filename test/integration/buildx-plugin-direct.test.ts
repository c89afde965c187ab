/**
 * `docker buildx …` started as the buildx plugin itself (core/docker/buildx-plugin.ts, issues 13 and 15), on the real
 * docker CLI and engine. A private DOCKER_CONFIG holds a buildx plugin that logs how it was started (its parent
 * process and the variables docker sets) and then runs the real one, so the docker CLI itself starts it too.
 *  - The probe (through docker) finds that plugin, and a `buildx ls` through the app then starts it directly, once,
 *    with what docker gives it, and prints what `docker buildx ls` prints.
 *  - The CLI's `builder ls` starts exactly one plugin process and no docker process.
 *  - A docker that is a wrapper script gets no shortcut: docker starts the plugin.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DockerCli } from '../../core/docker/docker-cli.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = path.join(ROOT, 'dist', 'cli', 'index.js');
const REAL_PLUGIN = '/usr/libexec/docker/cli-plugins/docker-buildx';

let dir: string;
let config: string;
let log: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-buildx-direct-'));
  config = path.join(dir, 'docker-config');
  log = path.join(dir, 'plugin.log');
  await mkdir(path.join(config, 'cli-plugins'), { recursive: true });
  const plugin = path.join(config, 'cli-plugins', 'docker-buildx');
  // one line per start: parent's name, the original-command variable, the arguments
  await writeFile(plugin, `#!/bin/sh\necho "$(cat /proc/$PPID/comm)|\${DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND:-}|$*" >> '${log}'\nexec ${REAL_PLUGIN} "$@"\n`);
  await chmod(plugin, 0o755);
  await writeFile(log, '');
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, DOCKER_CONFIG: config, MULTIARCH_LAB_DATA_DIR: path.join(dir, 'data'), NO_COLOR: '1' };
  delete env.DOCKER_CONTEXT;
  delete env.MULTIARCH_LAB_DOCKER_CLI;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const starts = async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => {
  const [parent = '', original = '', args = ''] = l.split('|');
  return { parent, original, args };
});

describe('the buildx plugin started directly', () => {
  test('the probe finds the plugin docker starts; buildx ls then starts it once, directly, and prints what docker buildx ls prints', async () => {
    const cli = new DockerCli({ env, platform: 'linux', probeCacheFile: path.join(dir, 'data', 'cache', 'buildx-probe.json') });
    const resolved = await cli.resolve();
    expect(resolved.path).toBe('/usr/bin/docker');
    expect(resolved.probes[0]?.plugin).toBe(path.join(config, 'cli-plugins', 'docker-buildx'));
    // the probe went through docker (it also asked the plugin for its metadata)
    const probeStarts = await starts();
    expect(probeStarts.some((s) => s.parent === 'docker' && s.args === 'docker-cli-plugin-metadata')).toBe(true);
    expect(probeStarts.some((s) => s.parent === 'docker' && s.args === 'buildx version' && s.original === '/usr/bin/docker')).toBe(true);

    await writeFile(log, '');
    const viaApp = await cli.run(['buildx', 'ls', '--format', 'json'], { timeoutMs: 30_000 });
    const appStarts = await starts();
    expect(appStarts).toEqual([{ parent: 'node', original: '/usr/bin/docker', args: 'buildx ls --format json' }]);

    await writeFile(log, '');
    const viaDocker = await run('/usr/bin/docker', ['buildx', 'ls', '--format', 'json'], { env });
    expect((await starts()).map((s) => s.parent)).toEqual(['docker', 'docker']);
    expect(viaApp.stdout).toBe(viaDocker.stdout);
  });

  test('a failing buildx command fails as through docker: same exit code, same words, and the errors name `docker buildx`', async () => {
    const cli = new DockerCli({ env, platform: 'linux', probeCacheFile: path.join(dir, 'data', 'cache', 'buildx-probe.json') });
    const viaApp = await cli.run(['buildx', 'inspect', 'mal-no-such-builder'], { timeoutMs: 30_000, allowFailure: true });
    const viaDocker = await run('/usr/bin/docker', ['buildx', 'inspect', 'mal-no-such-builder'], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(viaApp.code).toBe(viaDocker.code);
    expect(viaApp.code).not.toBe(0);
    expect(viaApp.stderr).toBe(viaDocker.stderr);
    await expect(cli.run(['buildx', 'inspect', 'mal-no-such-builder'], { timeoutMs: 30_000 })).rejects.toThrow(/`docker buildx inspect mal-no-such-builder` failed/);
    // a timeout's message, written by the runner once the process runs
    await expect(cli.run(['buildx', 'ls'], { timeoutMs: 1 })).rejects.toThrow(/^`docker buildx ls` did not finish within/);
  });

  test('`multiarch-lab builder ls` starts one plugin process and no docker process', async () => {
    await writeFile(log, '');
    // BUILDX_BUILDER (which ls ignores) keeps this run out of the case answered with no process at all
    // (core/builder/native-ls.ts, test/integration/builder-native-ls.test.ts)
    const { stdout } = await run(process.execPath, [ENTRY, 'builder', 'ls', '--json'], { env: { ...env, BUILDX_BUILDER: 'default' } });
    expect(JSON.parse(stdout).builders.map((b: { name: string }) => b.name)).toContain('default');
    const lsStarts = (await starts()).filter((s) => s.args.startsWith('buildx ls'));
    expect(lsStarts).toHaveLength(1);
    expect(lsStarts[0]?.parent).toBe('node');
    expect((await starts()).some((s) => s.parent === 'docker')).toBe(false);
  });

  test('a docker that is a wrapper script: docker starts the plugin, as before', async () => {
    const wrapper = path.join(dir, 'docker-wrapper');
    await writeFile(wrapper, '#!/bin/sh\nexec /usr/bin/docker "$@"\n');
    await chmod(wrapper, 0o755);
    const cli = new DockerCli({ env: { ...env, MULTIARCH_LAB_DOCKER_CLI: wrapper }, platform: 'linux', probeCacheFile: path.join(dir, 'data', 'cache', 'wrapper.json') });
    expect((await cli.resolve()).probes[0]?.plugin).toBeUndefined();
    await writeFile(log, '');
    await cli.run(['buildx', 'ls'], { timeoutMs: 30_000 });
    const lsStarts = (await starts()).filter((s) => s.args === 'buildx ls');
    // the wrapper execs docker, which names itself
    expect(lsStarts).toEqual([{ parent: 'docker', original: '/usr/bin/docker', args: 'buildx ls' }]);
  });
});
