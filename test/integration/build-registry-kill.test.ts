/**
 * The registry dies (SIGKILL, as a crash) while build:run is pushing, both ways: the modern one-command
 * buildx push and the old-school per-platform `docker push`. The build fails with an error that names the
 * registry, no push, join or read-back step of it is reported done unless the registry really holds that
 * part whole, and once the registry is back on the same storage, every image pushed before (a seeded index
 * and an earlier build:run into the same repository) is whole: every platform manifest and blob fetched
 * and hashed through the registry API (test/helpers/registry-walk.ts), and the app's own registry check
 * (registry:check, what `multiarch-lab registry check` prints) finds every tag whole.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../../core/contract/errors.js';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import { createCore, type Core } from '../../core/index.js';
import { docker, seedMultiArchImage, SEED_IMAGE, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { walkImage, type WalkedImage } from '../helpers/registry-walk.js';
import { waitFor } from '../helpers/wait.js';

const TWO = ['linux/amd64', 'linux/arm64'];
const TEST_LABELS = { 'dev.multiarch-lab.test': 'build-registry-kill' };
/** Random bytes do not compress: the layer is this big on the wire, so the push is caught mid-upload. */
const LAYER_BYTES = 64 * 1024 * 1024;

let registry: RegistryProcess;
let core: Core;
let work: string;
const localImages = new Set<string>();
/** Everything pushed before a kill, with what the walk found then. */
const earlier: Array<{ repository: string; tag: string; walked: WalkedImage }> = [];

async function project(name: string): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'noise.bin'), randomBytes(LAYER_BYTES));
  await writeFile(path.join(dir, 'Dockerfile'), `FROM ${SEED_IMAGE}\nCOPY noise.bin /noise.bin\n`);
  return dir;
}

/** The biggest blob upload in progress in `repository`, read from the registry's storage. */
async function biggestUpload(repository: string): Promise<number> {
  const dir = path.join(registry.dataDir, 'storage', 'docker', 'registry', 'v2', 'repositories', repository, '_uploads');
  let biggest = 0;
  for (const id of await readdir(dir).catch(() => [] as string[])) {
    biggest = Math.max(biggest, await stat(path.join(dir, id, 'data')).then((s) => s.size, () => 0));
  }
  return biggest;
}

function lastBuildTask(tasks: TaskSnapshot[]): TaskSnapshot {
  const task = tasks.filter((t) => t.kind === 'build').pop();
  if (!task) throw new Error('no build task was recorded');
  return task;
}

beforeAll(async () => {
  registry = await startRegistryProcess();
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-build-kill-'));
  core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });

  // before any kill: a seeded three-platform index, and a build:run of the same project kind into the repository the killed pushes use
  await seedMultiArchImage(registry, 'lab/base', '1');
  const first = `${registry.localhostAddress}/lab/app:1`;
  localImages.add(first);
  const built = await core.call('build:run', { context: await project('first'), platforms: TWO, tag: first, mode: 'modern', labels: TEST_LABELS });
  expect(built.platforms).toEqual(TWO);
  for (const [repository, tag] of [['lab/base', '1'], ['lab/app', '1']] as const) {
    const walked = await walkImage(registry.url, repository, tag);
    earlier.push({ repository, tag, walked });
  }
  expect(earlier[0]!.walked.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
  expect(earlier[1]!.walked.platforms).toEqual(TWO);
}, 300_000);

afterAll(async () => {
  await core?.close();
  for (const image of localImages) await docker(['image', 'rm', image]).catch(() => undefined);
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('the registry is killed during a build:run push', () => {
  test.each(['modern', 'old-school'] as const)('%s: the build fails naming the registry, nothing half-pushed shows as done, earlier images are whole', async (mode) => {
    const tag = `${registry.localhostAddress}/lab/app:killed-${mode}`;
    localImages.add(tag).add(`${tag}-amd64`).add(`${tag}-arm64`);
    const dir = await project(`killed-${mode}`);
    const tasks: TaskSnapshot[] = [];
    const off = core.events.on('task:update', (t) => tasks.push(t));

    const build = core.call('build:run', { context: dir, platforms: TWO, tag, mode, labels: TEST_LABELS }).then(
      () => undefined,
      (e: unknown) => e,
    );
    let finished = false;
    void build.then(() => (finished = true));
    const caught = await waitFor(
      'the new layer to be partly uploaded',
      async () => {
        if (finished) throw new Error(`the build ended before the registry could be killed: ${String(await build)}`);
        const size = await biggestUpload('lab/app');
        return size > 1024 * 1024 && size < LAYER_BYTES ? size : undefined;
      },
      240_000,
      5,
    );
    await registry.kill();
    const error = await build;
    off();
    console.log(`[${mode}] killed with ${caught} of ${LAYER_BYTES} bytes of the layer uploaded; the app said: ${(error as Error).message}`);

    // a clear failure, naming the registry
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.code).toBe('registry-error');
    expect(e.message).toContain(registry.localhostAddress);
    expect(e.message).toMatch(/connection refused|connection reset|EOF/);
    expect(e.hint).toMatch(new RegExp(`^Check that the registry ${registry.localhostAddress} is running \\(Registry step\\)`));

    const task = lastBuildTask(tasks);
    expect(task.state).toBe('failed');
    const done = task.steps.filter((s) => s.state === 'done').map((s) => s.id);
    expect(done).not.toContain('build');
    expect(done).not.toContain('join');
    expect(done).not.toContain('push-list');
    expect(done).not.toContain('verify');

    await registry.start();

    // the tag of the killed build does not exist, as the app and as the API say
    await expect(core.call('registry:inspect', { reference: tag })).rejects.toMatchObject({ code: 'not-found' });
    // a per-platform push reported done really is whole; one not reported done is not claimed
    for (const platform of TWO) {
      const pushStep = task.steps.find((s) => s.id === `push:${platform}`);
      if (pushStep?.state === 'done') {
        const suffix = platform === 'linux/amd64' ? 'amd64' : 'arm64';
        const walked = await walkImage(registry.url, 'lab/app', `killed-${mode}-${suffix}`);
        expect(walked.blobs).toBeGreaterThan(0);
      }
    }

    // every image pushed before the kill is whole: same digest, every platform manifest and blob there
    for (const before of earlier) {
      const now = await walkImage(registry.url, before.repository, before.tag);
      expect(now, `${before.repository}:${before.tag}`).toEqual(before.walked);
      const inspected = await core.call('registry:inspect', { reference: `${registry.localhostAddress}/${before.repository}:${before.tag}` });
      expect(inspected.digest).toBe(before.walked.digest);
    }
    // and the registry check says so too: the earlier tags whole, and no tag in the registry broken (a push the
    // kill cut short left no tag behind pointing at missing parts)
    const check = await core.call('registry:check', { registry: registry.localhostAddress });
    console.log(`[${mode}] registry check after the registry returned: ${check.summary}`);
    for (const before of earlier) {
      const tagCheck = check.tags.find((t) => t.repository === before.repository && t.tag === before.tag);
      expect(tagCheck, `${before.repository}:${before.tag} in the registry check`).toMatchObject({ ok: true, digest: before.walked.digest, problems: [] });
    }
    expect(check.tags.filter((t) => !t.ok).map((t) => ({ tag: `${t.repository}:${t.tag}`, problems: t.problems.map((p) => p.message) }))).toEqual([]);
    expect(check.ok).toBe(true);
  }, 400_000);
});
