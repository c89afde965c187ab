/**
 * Guided builds against the real engine and a real registry process: the sample project built the modern
 * way and the old-school way into one index with three platforms (checked through the registry client and
 * through `docker buildx imagetools inspect`), a Dockerfile error with its line, cancelling mid-build, the
 * spaces warning, and the `1-labs` syntax line failing offline.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BuildFailureDetails, BuildLogEvent, BuildProgressEvent, BuildResult } from '../../core/contract/build.js';
import { AppError } from '../../core/contract/errors.js';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import { createCore, type Core } from '../../core/index.js';
import { RegistryClient } from '../../core/registry/client.js';
import { inspectReference, MediaTypes } from '../../core/registry/manifest.js';
import { SAMPLE_GREETING } from '../../core/tutorial/sample.js';
import { docker, seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';

const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
const TEST_LABELS = { 'dev.multiarch-lab.test': 'build' };

let registry: RegistryProcess;
let core: Core;
let work: string;
let base: string;
let repo: string;
const localImages = new Set<string>();

beforeAll(async () => {
  registry = await startRegistryProcess();
  await seedMultiArchImage(registry, 'alpine', '3.15');
  base = `${registry.localhostAddress}/alpine:3.15`;
  repo = `${registry.localhostAddress}/build-it-${randomBytes(3).toString('hex')}`;
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-build-it-'));
  core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
});

afterAll(async () => {
  for (const image of localImages) await docker(['image', 'rm', image]).catch(() => undefined);
  await core?.close();
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

async function project(name: string, dockerfile: string): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

/** Every image name a build may leave in the engine, so afterAll removes them even when a test fails. */
function remember(...names: string[]): void {
  for (const n of names) localImages.add(n);
}

async function expectBuildError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error('the build succeeded, but it should have failed');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

function watch(c: Core) {
  const progress: BuildProgressEvent[] = [];
  const logs: BuildLogEvent[] = [];
  const tasks: TaskSnapshot[] = [];
  const offs = [
    c.events.on('build:progress', (e) => progress.push(e)),
    c.events.on('build:log', (e) => logs.push(e)),
    c.events.on('task:update', (t) => {
      if (t.kind === 'build') tasks.push(t);
    }),
  ];
  return { progress, logs, tasks, stop: () => offs.forEach((off) => off()) };
}

/** What a user would check of a pushed index: the registry's view and the docker CLI's view agree. */
async function expectThreePlatformIndex(result: BuildResult): Promise<void> {
  expect(result.platforms).toEqual(THREE);
  const inspected = await inspectReference({ reference: result.reference });
  expect(inspected.digest).toBe(result.digest);
  expect(inspected.platforms).toEqual(THREE);
  expect(inspected.root.kind).toBe('index');

  const { stdout } = await docker(['buildx', 'imagetools', 'inspect', result.reference]);
  expect(stdout).toContain(`Digest:    ${result.digest}`);
  const shown = [...stdout.matchAll(/Platform:\s+(\S+)/g)].map((m) => m[1]);
  expect(shown).toEqual(THREE);
}

describe('the sample project', () => {
  let dir: string;

  beforeAll(async () => {
    const init = await core.call('tutorial:init', { dir: path.join(work, 'hello'), base });
    dir = init.dir;
    // Engine 26 reads heredocs itself: no frontend image to pull.
    expect(init.labsSyntax.added).toBe(false);
    expect(init.warnings).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['Dockerfile', 'README.md']);
  });

  test('tutorial:init refuses to overwrite the sample it wrote', async () => {
    const error = await expectBuildError(core.call('tutorial:init', { dir, base }));
    expect(error.code).toBe('conflict');
  });

  test('the modern way: one index with linux/amd64, linux/arm64 and linux/arm/v7, progress streamed per platform', async () => {
    const tag = `${repo}/hello:modern`;
    remember(tag);
    const seen = watch(core);
    const result = await core.call('build:run', { context: dir, platforms: THREE, tag, mode: 'modern', noCache: true, labels: TEST_LABELS });
    seen.stop();

    expect(result.mode).toBe('modern');
    expect(result.reference).toBe(tag);
    expect(result.builder).toBe('default');
    expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    await expectThreePlatformIndex(result);
    expect(result.commands[0]).toEqual([
      'docker', 'buildx', 'build', '--platform', THREE.join(','), '--tag', tag, '--output', 'type=registry,registry.insecure=true', '--provenance=false',
      '--builder', 'default', '--no-cache', '--label', 'dev.multiarch-lab.test=build', dir,
    ]);

    // a timeline per platform: the three Dockerfile steps, the RUN really ran (no cache) under each platform
    expect(result.timeline.map((p) => p.platform)).toEqual(THREE);
    for (const p of result.timeline) {
      expect(p.steps.map((s) => s.name)).toEqual([expect.stringMatching(/^FROM /), 'COPY <<-SCRIPT /hello.sh', 'RUN chmod +x /hello.sh']);
      const run = p.steps[2]!;
      expect(run.state).toBe('done');
      expect(run.endedAt! - run.startedAt!).toBeGreaterThan(0);
    }

    // the timing knows what the engine's own builder runs natively (its engine's platform, placed without asking
    // buildx: the builder of the docker context in use) and says which platforms ran emulated
    const server = (await docker(['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'])).stdout.trim();
    expect(result.timing.platforms.map((t) => [t.platform, t.node, t.nativePlatform])).toEqual(THREE.map((p) => [p, undefined, server]));
    expect(result.timing.platforms.find((t) => t.platform === server)?.summary).toMatch(/every program ran natively/);

    // live: progress events per platform, task steps per platform and per Dockerfile step, the builder note in the log
    expect(seen.progress.length).toBeGreaterThan(1);
    expect(seen.progress.some((e) => e.platforms.some((p) => p.steps.some((s) => s.state === 'running')))).toBe(true);
    const last = seen.tasks[seen.tasks.length - 1]!;
    expect(last.state).toBe('succeeded');
    expect(last.steps.find((s) => s.id === 'platform:linux/arm/v7')?.state).toBe('done');
    expect(last.steps.filter((s) => s.title.startsWith('linux/arm64 ')).map((s) => s.title)).toEqual([
      expect.stringMatching(/^linux\/arm64 1\/3 FROM /), 'linux/arm64 2/3 COPY <<-SCRIPT /hello.sh', 'linux/arm64 3/3 RUN chmod +x /hello.sh',
    ]);
    expect(seen.logs.flatMap((e) => e.lines).some((l) => l.stream === 0 && /^Builder: the engine's own builder/.test(l.text))).toBe(true);

    // the arm64 variant runs under emulation and its script says so
    const { stdout } = await docker(['run', '--rm', '--platform', 'linux/arm64', tag]);
    expect(stdout).toBe(`${SAMPLE_GREETING}\naarch64\n`);
  });

  test('the old-school way: per-platform tags pushed, joined through the registry API into one list with no attestations', async () => {
    const tag = `${repo}/hello:old`;
    const perPlatform = [`${repo}/hello:old-amd64`, `${repo}/hello:old-arm64`, `${repo}/hello:old-armv7`];
    remember(tag, ...perPlatform);
    const seen = watch(core);
    const result = await core.call('build:run', { context: dir, platforms: THREE, tag, mode: 'old-school', labels: TEST_LABELS });
    seen.stop();

    expect(result.mode).toBe('old-school');
    await expectThreePlatformIndex(result);
    expect(result.mediaType).toBe(MediaTypes.dockerManifestList);
    expect(result.images.map((i) => i.reference)).toEqual(perPlatform);
    expect(result.localImages).toEqual(perPlatform);

    // each entry of the list is exactly the manifest pushed under its own tag
    const client = new RegistryClient({ registry: registry.localhostAddress });
    const repository = `${repo.slice(registry.localhostAddress.length + 1)}/hello`;
    expect((await client.tags(repository)).items.filter((t) => t.startsWith('old')).sort()).toEqual(['old', 'old-amd64', 'old-arm64', 'old-armv7']);
    for (const image of result.images) {
      const head = await client.headManifest(repository, image.reference!.split(':').pop()!);
      expect(head.digest).toBe(image.digest);
      expect(head.mediaType).toBe(MediaTypes.dockerManifest);
    }
    const list = JSON.parse((await client.getManifest(repository, 'old')).text) as { manifests: Array<{ annotations?: unknown }> };
    expect(list.manifests).toHaveLength(3);
    expect(list.manifests.every((m) => m.annotations === undefined)).toBe(true);

    // the steps show the docker commands a person would type, in order
    expect(result.commands.map((c) => c[1])).toEqual(['build', 'push', 'build', 'push', 'build', 'push', 'manifest', 'manifest', 'buildx']);
    expect(result.commands.filter((c) => c[1] === 'push').map((c) => c[2])).toEqual(perPlatform);
    expect(result.commands[6]).toEqual(['docker', 'manifest', 'create', '--insecure', tag, '--amend', perPlatform[0], '--amend', perPlatform[1], '--amend', perPlatform[2]]);
    const task = seen.tasks[seen.tasks.length - 1]!;
    expect(task.steps.filter((s) => s.id.startsWith('build:') || s.id.startsWith('push:') || s.id === 'join' || s.id === 'push-list').every((s) => s.state === 'done')).toBe(true);
    expect(task.steps.find((s) => s.id === 'build:linux/arm64')?.title).toMatch(/docker build/);

    // the timeline ends each platform with its push; builds of different platforms overlapped
    for (const p of result.timeline) expect(p.steps[p.steps.length - 1]).toMatchObject({ name: expect.stringMatching(/^docker push /), state: 'done' });
    const [a, b] = result.timeline;
    expect(a!.startedAt!).toBeLessThan(b!.endedAt!);
    expect(b!.startedAt!).toBeLessThan(a!.endedAt!);

    const { stdout } = await docker(['run', '--rm', '--platform', 'linux/arm/v7', tag]);
    expect(stdout.trim().split('\n').pop()).toBe('armv7l');
  });
});

describe('failures', () => {
  test.each(['modern', 'old-school'] as const)('a failing RUN reports its Dockerfile line (%s)', async (mode) => {
    const dir = await project(`fail-${mode}`, [`FROM ${base}`, 'RUN echo "about to fail on $(uname -m)"', 'RUN test -e /no-such-file', 'CMD ["sh"]', ''].join('\n'));
    const tag = `${repo}/fail:${mode}`;
    remember(tag, `${tag}-amd64`, `${tag}-arm64`);
    const error = await expectBuildError(core.call('build:run', { context: dir, platforms: ['linux/amd64', 'linux/arm64'], tag, mode, labels: TEST_LABELS }));
    expect(error.code).toBe('command-failed');
    expect(error.message).toMatch(/at Dockerfile line 3 \(RUN test -e \/no-such-file\)/);
    const details = error.details as BuildFailureDetails;
    expect(details.dockerfileError).toMatchObject({ line: 3, text: 'RUN test -e /no-such-file' });
    expect(details.platform).toMatch(/^linux\/(amd64|arm64)$/);
    // nothing was pushed under the tag
    const client = new RegistryClient({ registry: registry.localhostAddress });
    await expect(client.headManifest(`${repo.slice(registry.localhostAddress.length + 1)}/fail`, mode)).rejects.toMatchObject({ code: 'not-found' });
  });

  test('the 1-labs syntax line fails offline with a message naming docker/dockerfile', async () => {
    const dir = await project('labs', ['# syntax=docker/dockerfile:1-labs', `FROM ${base}`, 'COPY <<-EOF /x', '\tx', '\tEOF', ''].join('\n'));
    const error = await expectBuildError(core.call('build:run', { context: dir, platforms: ['linux/amd64'], tag: `${repo}/labs:1`, labels: TEST_LABELS }));
    expect(error.code).toBe('pull-failed');
    expect(error.message).toMatch(/could not pull the Dockerfile frontend image docker\/dockerfile:1-labs that the "# syntax=" line \(line 1\) asks for/);
    expect(error.hint).toMatch(/remove the line/);
  });

  test('a missing folder, a folder without a Dockerfile, a bad platform: clear errors before anything runs', async () => {
    const missing = await expectBuildError(core.call('build:run', { context: path.join(work, 'nope'), platforms: ['linux/amd64'], tag: `${repo}/x:1` }));
    expect(missing).toMatchObject({ code: 'not-found', message: expect.stringMatching(/does not exist/) });
    const empty = path.join(work, 'empty');
    await mkdir(empty, { recursive: true });
    const noDockerfile = await expectBuildError(core.call('build:run', { context: empty, platforms: ['linux/amd64'], tag: `${repo}/x:1` }));
    expect(noDockerfile).toMatchObject({ code: 'not-found', message: `${empty} has no Dockerfile.` });
    const bad = await expectBuildError(core.call('build:run', { context: empty, platforms: ['linux'], tag: `${repo}/x:1` }));
    expect(bad.code).toBe('invalid-input');
  });
});

describe('warnings', () => {
  test('heredoc lines indented with spaces: warned with their lines, and the script they make really is broken', async () => {
    const dir = await project('spaces', [`FROM ${base}`, 'COPY <<-"SCRIPT" /hello.sh', '    #!/bin/sh', '    uname -m', '\tSCRIPT', 'RUN chmod +x /hello.sh', 'CMD ["/hello.sh"]', ''].join('\n'));
    const tag = `${repo}/spaces:1`;
    remember(tag);
    const seen = watch(core);
    const result = await core.call('build:run', { context: dir, platforms: ['linux/amd64'], tag, labels: TEST_LABELS });
    seen.stop();
    expect(result.warnings.map((w) => [w.code, w.line])).toEqual([['heredoc-spaces', 3], ['heredoc-spaces', 4]]);
    const notes = seen.logs.flatMap((e) => e.lines).filter((l) => l.stream === 0).map((l) => l.text);
    expect(notes.some((t) => t.startsWith('warning: Line 3 is indented with spaces'))).toBe(true);
    // the spaces stayed in front of #!/bin/sh, so the kernel cannot run the script
    const run = await docker(['run', '--rm', '--platform', 'linux/amd64', tag]).then(() => 'ran', (e: Error) => e.message);
    expect(run).toMatch(/exec format error/);
  });
});

describe('cancelling', () => {
  test.each(['modern', 'old-school'] as const)('mid-build (%s): the buildx processes end, the task is cancelled, nothing is pushed', async (mode) => {
    const seconds = 37 + (mode === 'modern' ? 0 : 1);
    const name = `slow-${randomBytes(3).toString('hex')}`;
    // The name makes the step unique, so BuildKit cannot merge it with a sleep left over from an earlier run.
    const step = `RUN echo ${name} && sleep ${seconds}`;
    const dir = await project(`slow-${mode}`, [`FROM ${base}`, step, ''].join('\n'));
    const tag = `${repo}/${name}:1`;
    remember(tag, `${tag}-arm64`, `${tag}-armv7`);
    let taskId: string | undefined;
    let cancelledAt = 0;
    const off = core.events.on('build:progress', (e) => {
      if (cancelledAt || !e.platforms.some((p) => p.steps.some((s) => s.name === step && s.state === 'running'))) return;
      cancelledAt = Date.now();
      taskId = e.taskId;
      void core.call('tasks:cancel', { id: e.taskId });
    });
    const started = Date.now();
    const error = await expectBuildError(
      core.call('build:run', { context: dir, platforms: ['linux/arm64', 'linux/arm/v7'], tag, mode, noCache: true, labels: TEST_LABELS }),
    );
    off();
    expect(cancelledAt).toBeGreaterThan(0);
    expect(error.code).toBe('cancelled');
    // it ended long before the sleep would have
    expect(Date.now() - started).toBeLessThan(seconds * 1000);

    const task = (await core.call('tasks:list', {})).find((t) => t.id === taskId);
    expect(task?.state).toBe('cancelled');
    expect(task?.steps.some((s) => s.state === 'done' && /^(build|verify|push-list)$/.test(s.id))).toBe(false);

    // no buildx process of this build is left. (The engine's BuildKit ends the RUN itself; BuildKit before 0.15
    // can miss a cancel that lands while the step's process is starting and let it run out: moby/buildkit#5106.)
    await expect.poll(async () => (await buildxProcessesFor(name)).length, { timeout: 10_000 }).toBe(0);

    const client = new RegistryClient({ registry: registry.localhostAddress });
    const repository = `${repo.slice(registry.localhostAddress.length + 1)}/${name}`;
    await expect(client.headManifest(repository, '1')).rejects.toMatchObject({ code: 'not-found' });
  });
});

/** PIDs of docker/buildx processes whose arguments mention `text` (read from /proc, as `ps` would). */
async function buildxProcessesFor(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (cmdline.includes('buildx') && cmdline.includes(text)) found.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return found;
}
