/**
 * The engine goes away in the middle of real work and comes back. A run matrix is running an emulated
 * `sleep 20` when dockerd is stopped: the task fails with an engine error (never a success, never a saved
 * "passed" run), the engine watch says the engine is unreachable, and once dockerd is started again the same core
 * (no restart) says it is reachable, the Doctor reports the engine, and a new run works.
 *
 * This stops dockerd for every other test on the machine: it is the only test here that does, it is kept short,
 * and afterAll starts the engine again whatever happened.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { AppError } from '../../core/contract/errors.js';
import type { EventMap } from '../../core/contract/events.js';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import { testLabelEnv } from '../../core/docker/labels.js';
import { pingEngine, startEngine, stopEngine } from '../helpers/engine.js';
import { seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { removeImagesFrom } from '../helpers/run-images.js';
import { waitFor } from '../helpers/wait.js';

const testLabel = `faults-engine-${randomBytes(4).toString('hex')}`;
const engine = new Docker({ socketPath: '/var/run/docker.sock' });

let registry: RegistryProcess;
let dataDir: string;
let core: Core;
let reference: string;
const statuses: Array<EventMap['engine:status'] & { at: number }> = [];
const tasks: TaskSnapshot[] = [];

async function ourContainers(): Promise<Docker.ContainerInfo[]> {
  return engine.listContainers({ all: true, filters: { label: [`dev.multiarch-lab.test=${testLabel}`] } });
}

function newCore(): Core {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir, ...testLabelEnv(testLabel) };
  delete env.DOCKER_HOST;
  return createCore({ mode: 'cli', dataDir, env });
}

beforeAll(async () => {
  // the registry is a plain process, so it outlives the engine
  registry = await startRegistryProcess();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-faults-engine-'));
  await seedMultiArchImage(registry, `${testLabel}/busybox`, '1');
  reference = `${registry.localhostAddress}/${testLabel}/busybox:1`;
  core = newCore();
  core.events.on('engine:status', (s) => statuses.push({ ...s, at: Date.now() }));
  core.events.on('task:update', (t) => tasks.push(t));
  core.startEngineWatch();
  // the watch is connected once it has reported nothing but the engine answering
  await core.call('doctor:report', {});
}, 300_000);

afterAll(async () => {
  try {
    if (!(await pingEngine())) await startEngine();
    await core?.close();
    for (const c of await ourContainers().catch(() => [])) await engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    if (registry) await removeImagesFrom(registry.localhostAddress).catch(() => undefined);
  } finally {
    await registry?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}, 400_000);

describe('the engine stops in the middle of a run and comes back', () => {
  let failure: unknown;
  let stoppedAt = 0;

  it('the running task fails with an engine error, not a success', async () => {
    const run = core.call('runs:start', { reference, platforms: ['linux/arm64'], command: ['sleep', '20'], timeoutMs: 120_000 }).then(
      (matrix) => ({ matrix }),
      (error: unknown) => ({ error }),
    );
    // the emulated sleep is running in its container: now the engine goes away
    await waitFor('the run container to be running', async () => ((await ourContainers()).some((c) => c.State === 'running') ? true : undefined), 60_000);
    stoppedAt = Date.now();
    await stopEngine();

    const outcome = await Promise.race([run, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    expect(outcome, 'runs:start still had not answered a minute after the engine stopped').not.toBe('hung');
    if (outcome === 'hung') return;
    expect('matrix' in outcome ? `succeeded: ${JSON.stringify(outcome.matrix.summary)}` : 'failed').toBe('failed');
    failure = (outcome as { error: unknown }).error;
    expect(failure).toBeInstanceOf(AppError);
    const error = failure as AppError;
    expect(error.code, error.message).toBe('engine-unreachable');
    expect(error.message).toMatch(/engine/i);
    expect(error.hint).toBeTruthy();

    const last = tasks.filter((t) => t.kind === 'runs').at(-1);
    expect(last?.state).toBe('failed');
    expect(last?.error?.code).toBe('engine-unreachable');
    // no run was saved as if it had happened
    expect(await readdir(path.join(dataDir, 'runs')).catch(() => [])).toEqual([]);
  }, 180_000);

  it('the engine watch reports it unreachable, and calls say so while it is down', async () => {
    const down = await waitFor('engine:status reachable:false', () => statuses.find((s) => !s.reachable && s.at >= stoppedAt), 30_000);
    expect(down.message).toMatch(/engine/i);

    const doctor = await core.call('doctor:report', {});
    expect(doctor.engine).toBeFalsy();
    const status = await core.dispatch('registry:status', { name: `mal-test-${testLabel}` });
    expect(!status.ok && status.error.code).toBe('engine-unreachable');
    const again = await core.dispatch('runs:start', { reference, platforms: ['linux/amd64'], command: ['uname', '-m'] });
    expect(!again.ok && again.error.code).toBe('engine-unreachable');
  });

  it('after the engine is started again, the same core recovers by itself', async () => {
    const restartedAt = Date.now();
    await startEngine();

    const up = await waitFor('engine:status reachable:true', () => statuses.find((s) => s.reachable && s.at >= restartedAt), 60_000);
    expect(up.endpoint).toBe('unix:///var/run/docker.sock');

    const doctor = await core.call('doctor:report', {});
    expect(doctor.engine?.version).toMatch(/^\d+\.\d+/);

    // The interrupted run's container could not be removed while the engine was gone. dockerd stopped it on the way
    // down; it is left exited and labelled as the app's, so it is never mistaken for a live run.
    const orphans = await ourContainers();
    for (const c of orphans) {
      expect(c.State).not.toBe('running');
      expect(c.Labels['dev.multiarch-lab.managed']).toBe('true');
    }

    const matrix = await core.call('runs:start', { reference, platforms: ['linux/amd64', 'linux/arm64'], command: ['uname', '-m'] });
    expect(matrix.runs.map((r) => [r.platform, r.printed, r.result])).toEqual([
      ['linux/amd64', 'x86_64', 'pass'],
      ['linux/arm64', 'aarch64', 'pass'],
    ]);
    expect((await ourContainers()).map((c) => c.Id).sort()).toEqual(orphans.map((c) => c.Id).sort());
  }, 400_000);
});
