/**
 * The registry dies in the middle of a push. A crash (its process SIGKILLed, as the OOM killer would) is undone by
 * the restart policy the app gave it; a `docker kill` is a manual stop the engine respects, so the app reports the
 * registry stopped and `registry:start` brings it back. Either way the push fails and says so, nothing half-pushed
 * shows up as an image, and what was pushed before is intact, as the app's registry client reads it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { AppError } from '../../core/contract/errors.js';
import { removeTestResources, uniqueName } from '../helpers/engine.js';
import { DOCKER_CLI, docker, freePort, pushSeedImage, SEED_IMAGE } from '../helpers/registry-process.js';
import { waitFor } from '../helpers/wait.js';

const LABEL = 'dev.multiarch-lab.test=faults-registry';
const PREFIX = uniqueName('mal-test-faults-reg');
const NAME = `${PREFIX}-r`;
const VOLUME = `${PREFIX}-data`;
/** Random bytes do not compress: the layer really is this big on the wire. */
const LAYER_BYTES = 32 * 1024 * 1024;

let core: Core;
let work: string;
let port: number;
let volumeDir: string;
let before: { reference: string; digest: string };
const bigImages: string[] = [];

/** An image with one layer of fresh random bytes on top of the busybox stand-in, tagged for the test registry. */
async function buildBigImage(tag: string): Promise<string> {
  const dir = path.join(work, tag.replace(/[^a-z0-9]+/g, '-'));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'random.bin'), randomBytes(LAYER_BYTES));
  await writeFile(path.join(dir, 'Dockerfile'), `FROM ${SEED_IMAGE}\nCOPY random.bin /random.bin\n`);
  const reference = `localhost:${port}/lab/big:${tag}`;
  await docker(['build', '--quiet', '--platform', 'linux/amd64', '--label', LABEL, '--tag', reference, dir], { timeoutMs: 300_000 });
  bigImages.push(reference);
  return reference;
}

interface Push {
  done: Promise<{ code: number | null; output: string }>;
  running(): boolean;
}

function startPush(reference: string): Push {
  const child = spawn(DOCKER_CLI, ['push', reference], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on('close', (code) => resolve({ code, output })));
  return { done, running: () => child.exitCode === null && child.signalCode === null };
}

/** The size of the biggest blob upload in progress, read from the registry's storage in its volume. */
async function biggestUpload(): Promise<number> {
  const repos = path.join(volumeDir, 'docker', 'registry', 'v2', 'repositories', 'lab', 'big', '_uploads');
  let biggest = 0;
  for (const id of await readdir(repos).catch(() => [] as string[])) {
    const size = await stat(path.join(repos, id, 'data')).then((s) => s.size).catch(() => 0);
    biggest = Math.max(biggest, size);
  }
  return biggest;
}

/** Waits until a layer is well on its way (a few MB in, far from done), then runs `kill`. */
async function killMidUpload(push: Push, kill: () => Promise<void>): Promise<number> {
  const seen = await waitFor('the big layer to be partly uploaded', async () => {
    if (!push.running()) throw new Error(`the push ended before the registry could be killed:\n${(await push.done).output}`);
    const size = await biggestUpload();
    return size > 1024 * 1024 ? size : undefined;
  }, 60_000, 5);
  await kill();
  return seen;
}

async function containerState(): Promise<{ status: string; restarts: number; pid: number }> {
  const { stdout } = await docker(['container', 'inspect', '--format', '{{.State.Status}} {{.RestartCount}} {{.State.Pid}}', NAME]);
  const [status = '', restarts = '0', pid = '0'] = stdout.trim().split(' ');
  return { status, restarts: Number(restarts), pid: Number(pid) };
}

async function expectIntact(): Promise<void> {
  const inspected = await core.call('registry:inspect', { reference: before.reference });
  expect(inspected.digest).toBe(before.digest);
  expect(inspected.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
  // every blob the index points at is still there, byte for byte as the registry checks it
  const root = inspected.root;
  if (root.kind !== 'index') throw new Error('the earlier image is no longer an index');
  for (const child of root.children) {
    expect(child.error, child.platformLabel).toBeUndefined();
    if (child.kind !== 'manifest') continue;
    for (const blob of [child.config!, ...child.layers]) {
      const res = await fetch(`http://127.0.0.1:${port}/v2/lab/before/blobs/${blob.digest}`, { method: 'HEAD' });
      expect(res.status, `${child.platformLabel} ${blob.digest}`).toBe(200);
      expect(Number(res.headers.get('content-length'))).toBe(blob.size);
    }
  }
}

async function expectNotAnImage(reference: string): Promise<void> {
  const error = await core.call('registry:inspect', { reference }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${reference} was half-pushed but shows up as an image`).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('not-found');
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-faults-reg-'));
  port = await freePort();
  core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_RESOURCE_LABELS: LABEL } });
  const up = await core.call('registry:up', { name: NAME, port, volume: VOLUME });
  expect(up.healthy).toBe(true);
  volumeDir = (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', VOLUME])).stdout.trim();

  const target = `localhost:${port}/lab/before:1`;
  before = { reference: target, digest: (await pushSeedImage(target)).digest };
  await Promise.all([buildBigImage('crash'), buildBigImage('manual')]);
}, 600_000);

afterAll(async () => {
  await core?.close();
  for (const image of bigImages) await docker(['image', 'rm', '--force', image]).catch(() => undefined);
  await removeTestResources(LABEL, PREFIX);
  await rm(work, { recursive: true, force: true });
}, 120_000);

describe('the registry dies during a push', () => {
  it('crashes (its process is SIGKILLed): the push fails, the restart policy brings it back, the earlier image is intact', async () => {
    const reference = bigImages[0]!;
    const was = await containerState();
    const push = startPush(reference);
    const uploaded = await killMidUpload(push, async () => {
      process.kill(was.pid, 'SIGKILL');
    });
    expect(uploaded).toBeLessThan(LAYER_BYTES);

    const result = await push.done;
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).toMatch(new RegExp(`localhost:${port}`));
    expect(result.output).not.toMatch(/digest: sha256:/);

    // nobody asked: the engine restarts it, and the app sees it running and healthy again
    const status = await waitFor('the registry to be back', async () => {
      const s = await core.call('registry:status', { name: NAME });
      return s.exists && s.running && s.health?.ok ? s : undefined;
    }, 30_000);
    expect(status).toMatchObject({ restartPolicy: 'always', managed: true });
    expect((await containerState()).restarts).toBeGreaterThan(was.restarts);

    await expectIntact();
    await expectNotAnImage(reference);

    // and it takes the same push once it is back
    const again = await startPush(reference).done;
    expect(again.code, again.output).toBe(0);
    const pushed = await core.call('registry:inspect', { reference });
    expect(pushed.platforms).toEqual(['linux/amd64']);
  });

  it('is stopped with `docker kill`: the push fails, the engine leaves it stopped (a manual stop), the app says so and starts it again', async () => {
    const reference = bigImages[1]!;
    const push = startPush(reference);
    await killMidUpload(push, async () => {
      await docker(['kill', NAME]);
    });
    const result = await push.done;
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).not.toMatch(/digest: sha256:/);

    // a killed container is a stopped one for the restart policy: it stays down, and the app does not pretend otherwise
    await new Promise((r) => setTimeout(r, 3000));
    expect((await containerState()).status).toBe('exited');
    const down = await core.call('registry:status', { name: NAME });
    if (!down.exists) throw new Error('the registry container vanished');
    expect(down.running).toBe(false);
    expect(down.health?.ok ?? false).toBe(false);
    const inspectWhileDown = await core.call('registry:inspect', { reference: before.reference }).catch((e: unknown) => e);
    expect(inspectWhileDown).toBeInstanceOf(AppError);
    expect((inspectWhileDown as AppError).code).not.toBe('internal');

    const started = await core.call('registry:start', { name: NAME });
    expect(started).toMatchObject({ changed: true, healthy: true });
    await expectIntact();
    await expectNotAnImage(reference);
  });
});
