/**
 * The buildx probe kept between processes (issue 15): asked once, then answered from the file while nothing buildx
 * depends on changes; asked again as soon as the binary or a plugin changes, and every time while buildx is missing.
 * Stand-in docker binaries count how often `buildx version` really ran.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildxFingerprint } from '../../../core/docker/buildx-probe-cache.js';
import { DockerCli } from '../../../core/docker/docker-cli.js';

let dir: string;
let binDir: string;
let home: string;
let log: string;
let cacheFile: string;

async function writeDocker(version: string | null): Promise<void> {
  const file = path.join(binDir, 'docker');
  await writeFile(
    file,
    `#!/bin/sh
echo "$*" >> "${log}"
if [ "$1" = "buildx" ] && [ "$2" = "version" ]; then
  ${version ? `echo "github.com/docker/buildx v${version} abc123"; exit 0` : `echo "docker: 'buildx' is not a docker command." >&2; exit 1`}
fi
`,
  );
  await chmod(file, 0o755);
}

const probes = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l === 'buildx version').length;
const cli = () => new DockerCli({ env: { PATH: binDir, HOME: home }, platform: 'linux', probeCacheFile: cacheFile });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-probe-cache-'));
  binDir = path.join(dir, 'bin');
  home = path.join(dir, 'home');
  log = path.join(dir, 'calls.log');
  cacheFile = path.join(dir, 'data', 'cache', 'buildx-probe.json');
  await mkdir(binDir, { recursive: true });
  await mkdir(home, { recursive: true });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the buildx probe cache', () => {
  test('a second process (a new DockerCli) gets the same answer without running `docker buildx version`', async () => {
    await writeDocker('0.14.1');
    const first = await cli().resolve();
    expect(first.buildx?.version).toBe('0.14.1');
    expect(await probes()).toBe(1);
    const second = await cli().resolve();
    expect(second).toEqual(first);
    expect(await probes()).toBe(1);
  });

  test('a changed binary (buildx upgraded with it) is asked again', async () => {
    await writeDocker('0.14.1');
    await cli().resolve();
    await writeDocker('0.15.0');
    const later = new Date(Date.now() + 5000);
    await utimes(path.join(binDir, 'docker'), later, later);
    expect((await cli().resolve()).buildx?.version).toBe('0.15.0');
    expect(await probes()).toBe(2);
  });

  test("a buildx plugin appearing in the user's plugin folder changes the fingerprint", async () => {
    await writeDocker('0.14.1');
    const before = await buildxFingerprint(path.join(binDir, 'docker'), { PATH: binDir, HOME: home }, 'linux');
    await mkdir(path.join(home, '.docker', 'cli-plugins'), { recursive: true });
    await writeFile(path.join(home, '.docker', 'cli-plugins', 'docker-buildx'), '#!/bin/sh\n');
    const after = await buildxFingerprint(path.join(binDir, 'docker'), { PATH: binDir, HOME: home }, 'linux');
    expect(before).toBeDefined();
    expect(after).not.toBe(before);
  });

  test('a missing buildx is never cached: installing it shows on the next call', async () => {
    await writeDocker(null);
    // (the CLI then goes on to the usual install locations; only the stand-in's own answer matters here)
    expect((await cli().resolve()).probes[0]).toMatchObject({ path: path.join(binDir, 'docker'), buildx: null });
    expect((await cli().resolve()).probes[0]).toMatchObject({ path: path.join(binDir, 'docker'), buildx: null });
    expect(await probes()).toBe(2);
    await writeDocker('0.14.1');
    expect((await cli().resolve()).buildx?.version).toBe('0.14.1');
    expect(await probes()).toBe(3);
  });

  test('no cache outside Linux, and none without a file to keep it in', async () => {
    await writeDocker('0.14.1');
    expect(await buildxFingerprint(path.join(binDir, 'docker'), { PATH: binDir, HOME: home }, 'darwin')).toBeUndefined();
    const plain = () => new DockerCli({ env: { PATH: binDir, HOME: home }, platform: 'linux' });
    await plain().resolve();
    await plain().resolve();
    expect(await probes()).toBe(2);
  });
});

describe('one buildx lookup shared by every caller', () => {
  test('a caller that gives up stops only its own wait: another call waiting on the same lookup gets the answer', async () => {
    await writeFile(path.join(binDir, 'docker'), `#!/bin/sh\necho "$*" >> "${log}"\n/bin/sleep 0.3\necho "github.com/docker/buildx v0.14.1 abc123"\n`);
    await chmod(path.join(binDir, 'docker'), 0o755);
    const shared = new DockerCli({ env: { PATH: binDir, HOME: home }, platform: 'linux' });
    const doctor = new AbortController();
    const cancelled = shared.resolve(doctor.signal);
    const build = shared.resolve(new AbortController().signal);
    setTimeout(() => doctor.abort(), 50);
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect((await build).buildx?.version).toBe('0.14.1');
    expect(await probes()).toBe(1);
  });
});
