/**
 * Containers an interrupted action left behind (a run-matrix container the engine stopped mid-run) are swept by
 * their labels when the core starts, and the sweep says what it removed: as an event, through
 * `engine:last-sweep`, and on the CLI's stderr. A user's container, and the registry itself, are untouched.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import type { SweepReport } from '../../core/contract/sweep.js';
import { runCommand } from '../../core/docker/exec.js';
import { containersNamed, removeTestResources, uniqueName } from '../helpers/engine.js';
import { docker, SEED_IMAGE } from '../helpers/registry-process.js';

const LABEL = 'dev.multiarch-lab.test=sweep';
const PREFIX = uniqueName('mal-test-sweep');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_RESOURCE_LABELS: LABEL };
const cores: Core[] = [];
let dataDir: string;

/** A container that ran and stopped, with the labels given (the test label always). */
async function leftover(name: string, labels: string[]): Promise<void> {
  await docker(['create', '--label', LABEL, ...labels.flatMap((l) => ['--label', l]), '--name', name, SEED_IMAGE, 'sh', '-c', 'exit 0']);
  await docker(['start', '--attach', name]);
}

const RUN_LABELS = ['dev.multiarch-lab.managed=true', 'dev.multiarch-lab.role=run'];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-sweep-it-'));
  await leftover(`${PREFIX}-run`, RUN_LABELS);
  await leftover(`${PREFIX}-user`, []);
  await leftover(`${PREFIX}-registry`, ['dev.multiarch-lab.managed=true', 'dev.multiarch-lab.role=registry']);
});

afterAll(async () => {
  for (const core of cores) await core.close();
  await removeTestResources(LABEL, PREFIX);
  await rm(dataDir, { recursive: true, force: true });
});

describe('the sweep of containers an interrupted run left behind', () => {
  it('leaves a container that stopped moments ago (another process may still be reading it)', async () => {
    const core = createCore({ mode: 'browser', dataDir, env });
    cores.push(core);
    const report = await core.sweepInterrupted();
    expect(report.removed.map((r) => r.name)).not.toContain(`${PREFIX}-run`);
    expect(await containersNamed(`${PREFIX}-run`)).toEqual([`${PREFIX}-run`]);
  });

  it('on start, removes the labelled run container, says so, and touches neither the user\'s container nor the registry', async () => {
    const core = createCore({ mode: 'browser', dataDir, env, sweepMinAgeMs: 0 });
    cores.push(core);
    const swept = new Promise<SweepReport>((resolve) => core.events.on('engine:swept', resolve));
    core.startEngineWatch();
    const report = await swept;
    expect(report.removed).toEqual([expect.objectContaining({ name: `${PREFIX}-run`, role: 'run', state: 'exited' })]);
    expect(report.message).toContain(`${PREFIX}-run (run)`);
    expect(await core.call('engine:last-sweep', {})).toEqual({ last: report });
    expect(await containersNamed(`${PREFIX}-run`)).toEqual([]);
    expect(await containersNamed(`${PREFIX}-user`)).toEqual([`${PREFIX}-user`]);
    expect(await containersNamed(`${PREFIX}-registry`)).toEqual([`${PREFIX}-registry`]);
  });

  it('the CLI says what the sweep removed on stderr, and keeps stdout for its answer', async () => {
    await leftover(`${PREFIX}-run2`, RUN_LABELS);
    const r = await runCommand(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'cli', 'index.ts'), 'registry', 'status', '--name', `${PREFIX}-none`, '--json'], {
      env: { ...env, MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_SWEEP_MIN_AGE_MS: '0' },
      cwd: root,
      timeoutMs: 90_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: Removed 1 container an interrupted action left behind`);
    expect(r.stderr).toContain(`${PREFIX}-run2 (run)`);
    expect(JSON.parse(r.stdout)).toMatchObject({ exists: false });
    expect(await containersNamed(`${PREFIX}-run2`)).toEqual([]);
    expect(await containersNamed(`${PREFIX}-user`)).toEqual([`${PREFIX}-user`]);
  });
});
