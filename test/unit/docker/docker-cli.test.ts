import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DockerCli, resolveDockerBinary } from '../../../core/docker/docker-cli.js';

/**
 * Stand-in docker binaries (small scripts) in temporary PATH folders: one without buildx, one with.
 * They answer `buildx version` the way the real CLI does and echo other invocations so tests can see
 * the arguments and environment the CLI was started with.
 */
let dir: string;
let noBuildx: string;
let withBuildx: string;

async function fakeDocker(folder: string, buildx: boolean): Promise<string> {
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, 'docker');
  const script = `#!/bin/sh
if [ "$1" = "buildx" ] && [ "$2" = "version" ]; then
  ${buildx ? 'echo "github.com/docker/buildx v0.12.1 abc123"; exit 0' : `echo "docker: 'buildx' is not a docker command." >&2; echo "See 'docker --help'" >&2; exit 1`}
fi
if [ "$1" = "fail" ]; then echo "first line" >&2; echo "Error response from daemon: it broke" >&2; exit 2; fi
printf 'args=%s|host=%s|context=%s|hints=%s\\n' "$*" "\${DOCKER_HOST-unset}" "\${DOCKER_CONTEXT-unset}" "$DOCKER_CLI_HINTS"
`;
  await writeFile(file, script);
  await chmod(file, 0o755);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-'));
  noBuildx = await fakeDocker(path.join(dir, 'plain'), false);
  withBuildx = await fakeDocker(path.join(dir, 'full'), true);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const onlyFake = { extraPaths: [] as string[] };

describe('choosing the docker binary', () => {
  test('the first docker on PATH lacking buildx gives way to a later one that has it', async () => {
    const env = { PATH: `${path.dirname(noBuildx)}:${path.dirname(withBuildx)}` };
    const r = await resolveDockerBinary({ env, platform: 'linux', ...onlyFake });
    expect(r.path).toBe(withBuildx);
    expect(r.buildx?.version).toBe('0.12.1');
    expect(r.probes.map((p) => [p.path, Boolean(p.buildx)])).toEqual([
      [noBuildx, false],
      [withBuildx, true],
    ]);
    expect(r.probes[0]?.buildxError).toBe('the buildx plugin is not installed for this docker CLI');
  });

  test('the first on PATH is kept when it has buildx', async () => {
    const env = { PATH: `${path.dirname(withBuildx)}:${path.dirname(noBuildx)}` };
    const r = await resolveDockerBinary({ env, platform: 'linux', ...onlyFake });
    expect(r.path).toBe(withBuildx);
    expect(r.probes).toHaveLength(1);
  });

  test('MULTIARCH_LAB_DOCKER_CLI wins even without buildx, and says buildx is missing', async () => {
    const env = { PATH: path.dirname(withBuildx), MULTIARCH_LAB_DOCKER_CLI: noBuildx };
    const r = await resolveDockerBinary({ env, platform: 'linux', ...onlyFake });
    expect(r).toMatchObject({ path: noBuildx, fromOverride: true, buildx: null });
    const cli = new DockerCli({ env });
    await expect(cli.requireBuildx()).rejects.toMatchObject({ code: 'buildx-missing', hint: expect.stringMatching(/docker-buildx/) });
  });
});

describe('DockerCli.run', () => {
  test('runs against the engine the app is connected to', async () => {
    const cli = new DockerCli({
      env: { PATH: path.dirname(withBuildx), DOCKER_CONTEXT: 'stale' },
      engineEnv: async () => ({ DOCKER_HOST: 'unix:///run/engine.sock', DOCKER_CONTEXT: undefined }),
    });
    const r = await cli.run(['buildx', 'ls']);
    expect(r.stdout.trim()).toBe('args=buildx ls|host=unix:///run/engine.sock|context=unset|hints=false');
  });

  test('a non-zero exit becomes command-failed naming the command and the daemon\'s words', async () => {
    const cli = new DockerCli({ env: { PATH: path.dirname(withBuildx) } });
    const error = await cli.run(['fail', 'now please']).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'command-failed',
      message: "`docker fail 'now please'` failed (exit code 2): first line Error response from daemon: it broke",
      details: { command: ['docker', 'fail', 'now please'], code: 2 },
    });
    const allowed = await cli.run(['fail'], { allowFailure: true });
    expect(allowed.code).toBe(2);
  });

  test('no docker at all is a not-found error with install advice', async () => {
    const cli = new DockerCli({ env: { PATH: path.join(dir, 'empty') }, platform: 'win32' });
    await expect(cli.run(['version'])).rejects.toMatchObject({ code: 'not-found', hint: expect.stringMatching(/Install the Docker CLI/) });
  });
});
