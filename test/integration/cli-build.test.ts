/**
 * `multiarch-lab init` and `multiarch-lab build` as a user runs them: real engine, real registry process,
 * exit codes, what is printed, and Ctrl-C in the middle of a build.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BuildResult } from '../../core/contract/build.js';
import { runCommand } from '../../core/docker/exec.js';
import { RegistryClient } from '../../core/registry/client.js';
import { docker, seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const entry = path.join(root, 'cli', 'index.ts');
const THREE = 'linux/amd64,linux/arm64,linux/arm/v7';

let registry: RegistryProcess;
let work: string;
let env: NodeJS.ProcessEnv;
let base: string;
let repo: string;
let repoPath: string;
const localImages = new Set<string>();

beforeAll(async () => {
  registry = await startRegistryProcess();
  await seedMultiArchImage(registry, 'alpine', '3.15');
  base = `${registry.localhostAddress}/alpine:3.15`;
  repoPath = `cli-build-${randomBytes(3).toString('hex')}`;
  repo = `${registry.localhostAddress}/${repoPath}`;
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-build-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: path.join(work, 'data') };
  delete env.DOCKER_HOST;
});

afterAll(async () => {
  for (const image of localImages) await docker(['image', 'rm', image]).catch(() => undefined);
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

function cli(args: string[]) {
  return runCommand(tsx, [entry, ...args], { env, cwd: work, timeoutMs: 180_000 });
}

describe('multiarch-lab init', () => {
  test('writes the sample, says why there is no syntax line, and refuses to write over it', async () => {
    const dir = path.join(work, 'hello');
    const first = await cli(['init', dir, '--base', base]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Wrote the sample project to ${dir}:`);
    expect(first.stdout).toMatch(/No "# syntax=" line: Docker Engine \S+ \(23 or later\)/);
    expect((await readdir(dir)).sort()).toEqual(['Dockerfile', 'README.md']);
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toContain(`FROM ${base}\n`);

    const again = await cli(['init', dir, '--base', base]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: .* already holds Dockerfile and README\.md; the sample was not written\.\nhint: .*--force/);

    const forced = await cli(['init', dir, '--base', base, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ dir, base, labsSyntax: { added: false } });
  });
});

describe('multiarch-lab build', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(work, 'sample');
    expect((await cli(['init', dir, '--base', base])).code).toBe(0);
  });

  test('the modern way: progress per platform on stderr, reference, digest and platforms on stdout', async () => {
    const tag = `${repo}/hello:1`;
    localImages.add(tag);
    const r = await cli(['build', dir, '--platform', THREE, '--tag', tag, '--label', 'dev.multiarch-lab.test=build']);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Pushed ${tag.replace(/[.]/g, '\\.')}\n`));
    const digest = /^ {2}digest +(sha256:[a-f0-9]{64})$/m.exec(r.stdout)?.[1];
    expect(r.stdout).toMatch(/^ {2}platforms +linux\/amd64, linux\/arm64, linux\/arm\/v7$/m);
    expect(r.stdout).toContain('docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7');
    for (const p of ['linux/amd64', 'linux/arm64', 'linux/arm/v7']) {
      expect(r.stderr).toMatch(new RegExp(`^${p.replace(/\//g, '\\/')} +\\[3/3\\] RUN chmod \\+x /hello\\.sh  (done|cached)`, 'm'));
    }
    const head = await new RegistryClient({ registry: registry.localhostAddress }).headManifest(`${repoPath}/hello`, '1');
    expect(head.digest).toBe(digest);
  });

  test('--old-school --json: the result as JSON, one list of three platforms', async () => {
    const tag = `${repo}/hello:2`;
    for (const s of ['', '-amd64', '-arm64', '-armv7']) localImages.add(`${tag}${s}`);
    const r = await cli(['build', dir, '--platform', THREE, '--tag', tag, '--old-school', '--json', '--label', 'dev.multiarch-lab.test=build']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as BuildResult;
    expect(result).toMatchObject({ mode: 'old-school', reference: tag, platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] });
    const { stdout } = await docker(['buildx', 'imagetools', 'inspect', tag]);
    expect(stdout).toContain(`Digest:    ${result.digest}`);
  });

  test('a failing step: exit 1, the Dockerfile excerpt, what the step printed, and the line in the error', async () => {
    const broken = path.join(work, 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'Dockerfile'), [`FROM ${base}`, 'RUN echo "looking for the config"', 'RUN echo "no config here" >&2 && exit 4', ''].join('\n'));
    const r = await cli(['build', broken, '--platform', 'linux/arm64', '--tag', `${repo}/broken:1`, '--label', 'dev.multiarch-lab.test=build']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Dockerfile:3$/m);
    expect(r.stderr).toMatch(/^ +3 \| >>> RUN echo "no config here" >&2 && exit 4$/m);
    expect(r.stderr).toMatch(/^ {2}no config here$/m);
    expect(r.stderr).toMatch(/^error: The build failed for linux\/arm64 at Dockerfile line 3 \(RUN echo "no config here" >&2 && exit 4\): .*exit code: 4$/m);
    expect(r.stderr).toMatch(/^hint: Fix line 3 of the Dockerfile/m);
  });

  test('bad flags: exit 1 with the reason', async () => {
    const r = await cli(['build', dir, '--platform', 'linux', '--tag', `${repo}/x:1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Not accepted: platform 1: a platform looks like os\/arch/m);
    expect(r.stderr).not.toContain('build:run');
  });

  test('a tag with no registry in front: warned before anything runs that it would go to Docker Hub', async () => {
    // the platform is malformed too, so nothing runs at all: the warning comes first regardless
    const r = await cli(['build', dir, '--platform', 'linux', '--tag', 'walk:1']);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe('warning: walk:1 names no registry, so a push would go to Docker Hub (docker.io/library/walk:1). Put your registry in front, e.g. localhost:5000/walk:1.');
    expect(r.stderr).toMatch(/^error: Not accepted: platform 1/m);
  });

  test('Ctrl-C during a step: the build is cancelled, buildx ends, nothing is pushed', async () => {
    const slow = path.join(work, 'slow');
    const name = `slow-${randomBytes(3).toString('hex')}`;
    await mkdir(slow, { recursive: true });
    await writeFile(path.join(slow, 'Dockerfile'), [`FROM ${base}`, `RUN echo ${name} && sleep 39`, ''].join('\n'));
    const child = spawn(tsx, [entry, 'build', slow, '--platform', 'linux/arm64', '--tag', `${repo}/${name}:1`, '--no-cache', '--label', 'dev.multiarch-lab.test=build'], {
      env,
      cwd: work,
      // its own process group, like a terminal's foreground job: Ctrl-C signals the whole group
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const sleeping = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (stderr.includes(`RUN echo ${name} && sleep 39  …`)) resolve();
      });
    });
    const gaveUp = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
    await Promise.race([sleeping, exited]);
    clearTimeout(gaveUp);
    expect(stderr).toContain(`RUN echo ${name} && sleep 39  …`);
    const sentAt = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    expect(code).toBe(1);
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    expect(stderr).toMatch(/^error: .*was cancelled\.$/m);
    await expect.poll(async () => (await buildxProcessesFor(name)).length, { timeout: 10_000 }).toBe(0);
    await expect(new RegistryClient({ registry: registry.localhostAddress }).headManifest(`${repoPath}/${name}`, '1')).rejects.toMatchObject({ code: 'not-found' });
  });
});

/** PIDs of docker/buildx processes whose arguments mention `text` (read from /proc, as `ps` would). */
async function buildxProcessesFor(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (cmdline.includes('buildx') && cmdline.includes(text)) found.push(Number(pid));
    } catch {
      // exited while we looked
    }
  }
  return found;
}
