/**
 * The run matrix against the real engine and a real registry: the three-platform busybox image, an index whose
 * arm64 entry is amd64 (both ways a build gets this wrong), and a platform whose emulator is switched off.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { AppError } from '../../core/contract/errors.js';
import type { RunMatrix } from '../../core/contract/runs.js';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import { testLabelEnv } from '../../core/docker/labels.js';
import { docker, freePort, seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { binfmtHandlerEnabled, disableBinfmtHandler, removeImagesFrom, mips64elElfHeader, pushMislabelledIndex, pushOneFileImage, pushWithRandomLayer, pushWrongBinariesIndex } from '../helpers/run-images.js';

const testLabel = `runs-${randomBytes(4).toString('hex')}`;
const engine = new Docker({ socketPath: '/var/run/docker.sock' });
const MIPS_HANDLER = 'qemu-mips64el';

let registry: RegistryProcess;
let dataDir: string;
let core: Core;
let repo: string;
let ref: string;
let restoreMips: () => Promise<void> = async () => undefined;

function newCore(): Core {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, ...testLabelEnv(testLabel) };
  delete env.DOCKER_HOST;
  return createCore({ mode: 'cli', dataDir, env });
}

async function ourContainers(): Promise<Docker.ContainerInfo[]> {
  return engine.listContainers({ all: true, filters: { label: [`dev.multiarch-lab.test=${testLabel}`] } });
}

beforeAll(async () => {
  registry = await startRegistryProcess();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-runs-it-'));
  repo = `${testLabel}/busybox`;
  await seedMultiArchImage(registry, repo, '1');
  ref = `${registry.localhostAddress}/${repo}:1`;
  core = newCore();
});

afterAll(async () => {
  try {
    await restoreMips();
    await core?.close();
    for (const c of await ourContainers()) await engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    if (registry) await removeImagesFrom(registry.localhostAddress);
  } finally {
    await registry?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

describe('the three-platform busybox image', () => {
  let matrix: RunMatrix;
  const updates: TaskSnapshot[] = [];

  beforeAll(async () => {
    const off = core.events.on('task:update', (t) => {
      if (t.kind === 'runs') updates.push(t);
    });
    try {
      matrix = await core.call('runs:start', { reference: ref, command: ['uname', '-m'], concurrency: 3 });
    } finally {
      off();
    }
  });

  it('amd64, arm64 and arm/v7 each print their own machine and pass', () => {
    expect(matrix.ok).toBe(true);
    expect(matrix.summary).toEqual({ passed: 3, failed: 0, unverified: 0 });
    expect(matrix.imagePlatforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    expect(matrix.runs.map((r) => [r.platform, r.expectedText, r.printed, r.result, r.exitCode])).toEqual([
      ['linux/amd64', 'x86_64', 'x86_64', 'pass', 0],
      ['linux/arm64', 'aarch64', 'aarch64', 'pass', 0],
      ['linux/arm/v7', 'armv7l', 'armv7l', 'pass', 0],
    ]);
    for (const r of matrix.runs) {
      expect(r.stdout.trim()).toBe(r.printed);
      expect(r.durationMs).toBeGreaterThan(0);
      expect(r.timedOut).toBe(false);
    }
  });

  it("each platform's files were read beside its run, and they agree: verify says ok", () => {
    for (const r of matrix.runs) {
      expect(r.verification?.verdict, `${r.platform}: ${r.verification?.summary}`).toBe('ok');
      expect(r.verification?.entrypoint).toBeTruthy();
    }
  });

  it('amd64 runs natively, arm64 and arm/v7 through the registered emulators', () => {
    const byPlatform = Object.fromEntries(matrix.runs.map((r) => [r.platform, r]));
    expect(byPlatform['linux/amd64']!.execution).toBe('native');
    expect(byPlatform['linux/arm64']!.execution).toBe('emulated');
    expect(byPlatform['linux/arm64']!.executionVia).toMatch(/qemu-aarch64 via binfmt_misc/);
    expect(byPlatform['linux/arm/v7']!.execution).toBe('emulated');
    expect(byPlatform['linux/arm/v7']!.executionVia).toMatch(/qemu-arm via binfmt_misc/);
    expect(matrix.emulationSource).toBe('binfmt_misc');
    expect(matrix.engine.arch).toBe('x86_64');
  });

  it('each run shows its docker run command, and that command prints the same thing', async () => {
    const arm64 = matrix.runs.find((r) => r.platform === 'linux/arm64')!;
    expect(arm64.command).toEqual(['docker', 'run', '--rm', '--platform', 'linux/arm64', ref, 'uname', '-m']);
    const [, ...args] = arm64.command;
    const { stdout } = await docker(args);
    expect(stdout.trim()).toBe(arm64.printed);
  });

  it('leaves no container behind', async () => {
    expect(await ourContainers()).toEqual([]);
  });

  it('reports steps with their commands, and ends succeeded', () => {
    const last = updates[updates.length - 1]!;
    expect(last.state).toBe('succeeded');
    expect(last.steps.map((s) => [s.id, s.state])).toEqual([
      ['inspect', 'done'],
      ['engine', 'done'],
      ['verify', 'done'],
      ['run:linux/amd64', 'done'],
      ['run:linux/arm64', 'done'],
      ['run:linux/arm/v7', 'done'],
    ]);
    expect(last.steps.find((s) => s.id === 'run:linux/arm/v7')!.command).toEqual(['docker', 'run', '--rm', '--platform', 'linux/arm/v7', ref, 'uname', '-m']);
    expect(updates.some((u) => u.progress?.unit === 'steps' && u.progress.total === 3)).toBe(true);
  });

  it('a second run of the same digest does not read its files again: the verdicts are those read the first time', async () => {
    const seen: TaskSnapshot[] = [];
    const off = core.events.on('task:update', (t) => {
      if (t.kind === 'runs') seen.push(t);
    });
    let again: RunMatrix;
    try {
      again = await core.call('runs:start', { reference: ref, command: ['uname', '-m'], concurrency: 3 });
    } finally {
      off();
    }
    expect(again.digest).toBe(matrix.digest);
    expect(again.runs.map((r) => [r.platform, r.result, r.verification?.verdict])).toEqual(matrix.runs.map((r) => [r.platform, r.result, r.verification?.verdict]));
    const verify = seen.at(-1)!.steps.find((s) => s.id === 'verify')!;
    expect(verify.state).toBe('done');
    expect(verify.detail).toBe(`linux/amd64 ok, linux/arm64 ok, linux/arm/v7 ok (all read before under ${matrix.digest.slice(0, 19)}: the same files)`);
  });

  it('says which entry each common host would pull', () => {
    const byHost = Object.fromEntries(matrix.hostChoices.map((c) => [c.host.id, c.chosen]));
    expect(byHost).toEqual({
      'amd64-pc': 'linux/amd64',
      'pi-64': 'linux/arm64',
      'pi-32': 'linux/arm/v7',
      'pi-zero': null,
      'apple-silicon': 'linux/arm64',
      'arm64-cloud': 'linux/arm64',
    });
  });

  it('runs:hosts answers the same from the registry alone', async () => {
    const hosts = await core.call('runs:hosts', { reference: ref });
    expect(hosts.imagePlatforms).toEqual(matrix.imagePlatforms);
    expect(hosts.choices).toEqual(matrix.hostChoices);
    expect(hosts.digest).toBe(matrix.digest);
  });

  it('is saved, and a new core on the same data folder lists it, gets it and exports it', async () => {
    expect(await readdir(path.join(dataDir, 'runs'))).toContain(`${matrix.id}.json`);
    const other = newCore();
    try {
      const list = await other.call('runs:list', {});
      expect(list.find((s) => s.id === matrix.id)).toMatchObject({ reference: ref, ok: true, platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] });
      expect(await other.call('runs:get', { id: matrix.id })).toEqual(matrix);
      const md = await other.call('runs:export', { id: matrix.id, format: 'markdown' });
      expect(md.text).toContain('| platform | expected | printed | result | files | native/emulated | time |');
      expect(md.text).toMatch(/^\| linux\/arm64 \| aarch64 \| aarch64 \| pass \| ok \| emulated \| [\d.]+ m?s \|$/m);
      const json = await other.call('runs:export', { id: matrix.id, format: 'json' });
      expect(JSON.parse(json.text)).toEqual(matrix);
    } finally {
      await other.close();
    }
  });
});

describe('choosing, timing out and cancelling', () => {
  it('runs only the platforms asked for; one missing from the image fails without running', async () => {
    const m = await core.call('runs:start', { reference: ref, platforms: ['linux/arm/v7', 'linux/riscv64'], command: ['uname', '-m'], concurrency: 1 });
    expect(m.runs.map((r) => [r.platform, r.result, r.failure ?? null])).toEqual([
      ['linux/arm/v7', 'pass', null],
      ['linux/riscv64', 'fail', 'not-in-image'],
    ]);
    expect(m.runs[1]!.explanation).toBe('The image has no linux/riscv64 entry, so there is nothing to run.');
    expect(m.ok).toBe(false);
  });

  it("without a command it runs the image's CMD; a shell prints nothing, so the run is not checked", async () => {
    const m = await core.call('runs:start', { reference: ref, platforms: ['linux/amd64'] });
    expect(m.command).toBeNull();
    expect(m.runs[0]).toMatchObject({ result: 'unverified', exitCode: 0, printed: null, command: ['docker', 'run', '--rm', '--platform', 'linux/amd64', ref] });
    expect(m.ok).toBe(true);
  });

  it('reports the bytes it pulls for content the engine does not have yet', async () => {
    await pushWithRandomLayer(registry, repo, '1', 'fresh', 3_000_000);
    const progress: Array<{ current: number; total?: number }> = [];
    const off = core.events.on('task:update', (t) => {
      if (t.kind === 'runs' && t.progress?.unit === 'bytes') progress.push({ current: t.progress.current, ...(t.progress.total !== undefined ? { total: t.progress.total } : {}) });
    });
    try {
      const m = await core.call('runs:start', { reference: `${registry.localhostAddress}/${repo}:fresh`, command: ['uname', '-m'] });
      expect(m.runs.map((r) => [r.platform, r.result, r.printed])).toEqual([['linux/amd64', 'pass', 'x86_64']]);
      expect(m.runs[0]!.pullMs).toBeGreaterThan(0);
    } finally {
      off();
    }
    expect(progress.length).toBeGreaterThan(0);
    const last = progress[progress.length - 1]!;
    expect(last.total).toBeGreaterThanOrEqual(3_000_000);
    expect(last.current).toBe(last.total);
  });

  it('pulls a tag the registry moved, and not one the engine already holds at the digest the registry serves', async () => {
    const moving = `${registry.localhostAddress}/${repo}:moving`;
    const run = () => core.call('runs:start', { reference: moving, platforms: ['linux/amd64'], command: ['uname', '-m'] });
    const localDigests = async () => ((await engine.getImage(moving).inspect()).RepoDigests ?? []).map((d) => d.slice(d.indexOf('@') + 1));
    await pushWithRandomLayer(registry, repo, '1', 'moving', 1000);
    const first = await run();
    expect(first.runs[0]).toMatchObject({ result: 'pass', printed: 'x86_64' });
    expect(first.runs[0]!.pullMs).toBeGreaterThan(0);
    // the engine holds it at that digest now: the run creates its container at once, and says no pull happened
    const again = await run();
    expect(again.digest).toBe(first.digest);
    expect(again.runs[0]).toMatchObject({ result: 'pass', printed: 'x86_64' });
    expect(again.runs[0]!.pullMs).toBeUndefined();
    // the tag moves in the registry: the engine's copy is stale, so it is pulled before the run
    await pushWithRandomLayer(registry, repo, '1', 'moving', 1000);
    const moved = await run();
    expect(moved.digest).not.toBe(first.digest);
    expect(moved.runs[0]).toMatchObject({ result: 'pass', printed: 'x86_64' });
    expect(moved.runs[0]!.pullMs).toBeGreaterThan(0);
    expect(await localDigests()).toContain(moved.digest);
    // the container created from the old index while the registry was read again was not run, and is gone
    expect(moved.runs).toHaveLength(1);
    expect(await ourContainers()).toEqual([]);
  });

  it('a run longer than its timeout is killed and fails as a timeout', async () => {
    const started = Date.now();
    const m = await core.call('runs:start', { reference: ref, platforms: ['linux/amd64'], command: ['/bin/busybox', 'sleep', '60'], timeoutMs: 1000 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(m.runs[0]).toMatchObject({ result: 'fail', failure: 'timeout', timedOut: true });
    expect(m.runs[0]!.explanation).toMatch(/did not finish within 1 s/);
    expect(await ourContainers()).toEqual([]);
  });

  it('cancelling the task stops the runs and removes their containers', async () => {
    let taskId: string | undefined;
    const off = core.events.on('task:update', (t) => {
      if (t.kind === 'runs' && t.state === 'running' && t.steps.some((s) => s.id.startsWith('run:') && s.state === 'running')) taskId ??= t.id;
    });
    const pending = core.call('runs:start', { reference: ref, platforms: ['linux/amd64', 'linux/arm64'], command: ['/bin/busybox', 'sleep', '60'], timeoutMs: 120_000 });
    try {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await ourContainers()).filter((c) => c.State === 'running').length < 2) await new Promise((r) => setTimeout(r, 100));
      expect(taskId).toBeDefined();
      expect(await core.call('tasks:cancel', { id: taskId! })).toEqual({ cancelled: true });
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('cancelled');
    } finally {
      off();
      await pending.catch(() => undefined);
    }
    expect(await ourContainers()).toEqual([]);
  });

  it('a registry that does not answer fails the whole run with a registry error', async () => {
    const port = await freePort();
    const error = await core.call('runs:start', { reference: `localhost:${port}/nothing/here:1` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('registry-error');
    expect((error as AppError).hint).toBeTruthy();
  });
});

describe('an arm64 entry that holds amd64 content', () => {
  it('an index whose arm64 slot points at the amd64 manifest is flagged, with the explanation', async () => {
    await pushMislabelledIndex(registry, repo, '1', 'mislabelled');
    const m = await core.call('runs:start', { reference: `${registry.localhostAddress}/${repo}:mislabelled`, command: ['uname', '-m'] });
    expect(m.ok).toBe(false);
    const [amd64, arm64] = m.runs;
    expect(amd64).toMatchObject({ platform: 'linux/amd64', result: 'pass', printed: 'x86_64' });
    expect(arm64).toMatchObject({ platform: 'linux/arm64', result: 'fail', failure: 'label-mismatch', printed: 'x86_64', configPlatform: 'linux/amd64', execution: 'native' });
    expect(arm64!.explanation).toMatch(/^The index labels this entry linux\/arm64, but its image config says linux\/amd64 and it printed x86_64 \(amd64\): the linux\/arm64 slot points at the linux\/amd64 image/);
    // What ran is the mislabelled manifest itself, by digest, as the platform it really is.
    expect(arm64!.command).toEqual(['docker', 'run', '--rm', '--platform', 'linux/amd64', `${registry.localhostAddress}/${repo}@${arm64!.manifestDigest}`, 'uname', '-m']);
    expect(await ourContainers()).toEqual([]);
  });

  it('an arm64 image built with amd64 binaries prints x86_64 and is flagged as a mismatch', async () => {
    await pushWrongBinariesIndex(registry, repo, '1', 'wrong-binaries');
    const m = await core.call('runs:start', { reference: `${registry.localhostAddress}/${repo}:wrong-binaries`, command: ['uname', '-m'] });
    const arm64 = m.runs.find((r) => r.platform === 'linux/arm64')!;
    expect(arm64).toMatchObject({ result: 'fail', failure: 'mismatch', printed: 'x86_64', expectedText: 'aarch64', exitCode: 0 });
    expect(arm64.explanation).toMatch(/^The linux\/arm64 entry printed x86_64: its binaries are amd64\. The image was probably built without --platform/);
    expect(arm64.execution).toBe('native');
    expect(arm64.executionVia).toMatch(/no emulator was involved/);
    expect(arm64.command).toEqual(['docker', 'run', '--rm', '--platform', 'linux/arm64', `${registry.localhostAddress}/${repo}:wrong-binaries`, 'uname', '-m']);
    expect(m.ok).toBe(false);
  });
});

describe('a platform without an emulator', () => {
  beforeAll(async () => {
    await pushOneFileImage(registry, `${testLabel}/mips`, '1', { platform: 'linux/mips64le', path: '/bin/uname', content: mips64elElfHeader() });
    // The machine registers QEMU for mips64el; switch it off for these runs only (afterAll puts it back).
    restoreMips = await disableBinfmtHandler(MIPS_HANDLER);
  });

  afterAll(async () => {
    await restoreMips();
    restoreMips = async () => undefined;
  });

  it('fails with exec format error and says no emulator is registered, and how to get one', async () => {
    expect(await binfmtHandlerEnabled(MIPS_HANDLER)).not.toBe(true);
    const m = await core.call('runs:start', { reference: `${registry.localhostAddress}/${testLabel}/mips:1` });
    expect(m.ok).toBe(false);
    const run = m.runs[0]!;
    expect(run).toMatchObject({ platform: 'linux/mips64le', result: 'fail', failure: 'exec-format', execution: 'unavailable', expectedText: 'mips64' });
    expect(run.stderr).toMatch(/exec format error/);
    expect(run.explanation).toMatch(/^The kernel could not run linux\/mips64le binaries \("exec format error"\): no emulator is registered for that platform/);
    expect(run.explanation).toMatch(/qemu-user-static/);
    expect(await ourContainers()).toEqual([]);
  });
});
