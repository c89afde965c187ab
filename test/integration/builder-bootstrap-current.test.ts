/**
 * A builder that cannot start never becomes the current one (issue 11, item 5), for real on the test engine.
 * buildx runs with a temporary BUILDX_CONFIG, so `docker buildx use` here changes only this test's config and
 * never the current builder of the machine's user. The failing start uses a BuildKit image that is not loaded
 * (offline, its pull fails); the starting one uses moby/buildkit:buildx-stable-1, which this engine has.
 * Builders are named mal-test-bldcur-<random>; their containers and volumes are removed after.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, createCore, type Core, type TaskSnapshot } from '../../core/index.js';

const DOCKER = '/usr/bin/docker';
const TEST_LABEL = 'dev.multiarch-lab.test=builder-current';
const suffix = randomBytes(4).toString('hex');
const BROKEN = `mal-test-bldcur-${suffix}-broken`;
const RUNS = `mal-test-bldcur-${suffix}-runs`;
const MISSING_IMAGE = `mal-test-not-loaded/buildkit:${suffix}`;

let buildxConfig = '';
let dataDir = '';
let core: Core;
const updates: TaskSnapshot[] = [];
let userCurrentBefore = '';

function docker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(DOCKER, args, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The current builder as `docker buildx inspect` names it, in this test's config (or the user's, with no env). */
async function currentBuilder(env: NodeJS.ProcessEnv): Promise<string> {
  const r = await docker(['buildx', 'inspect'], env);
  const name = /^Name:\s+(\S+)/m.exec(r.stdout)?.[1];
  if (!name) throw new Error(`cannot tell the current builder: ${r.stderr}`);
  return name;
}

const ours = () => ({ BUILDX_CONFIG: buildxConfig });

beforeAll(async () => {
  const image = await docker(['image', 'inspect', MISSING_IMAGE]);
  expect(image.code, `${MISSING_IMAGE} must not be on the engine`).not.toBe(0);
  userCurrentBefore = await currentBuilder({});
  buildxConfig = await mkdtemp(path.join(os.tmpdir(), 'mal-test-buildx-config-'));
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-test-bldcur-'));
  core = createCore({
    mode: 'cli',
    dataDir,
    env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, BUILDX_CONFIG: buildxConfig, MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_RESOURCE_LABELS: TEST_LABEL },
  });
  core.events.on('task:update', (t) => updates.push(t));
});

afterAll(async () => {
  for (const name of [BROKEN, RUNS]) {
    await docker(['buildx', 'rm', '-f', name], ours());
    await docker(['rm', '-f', `buildx_buildkit_${name}0`]);
    await docker(['volume', 'rm', `buildx_buildkit_${name}0_state`]);
  }
  await core?.close();
  if (buildxConfig) await rm(buildxConfig, { recursive: true, force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  // the machine's own current builder was never touched
  expect(await currentBuilder({})).toBe(userCurrentBefore);
});

describe('"Use as the current builder" with a start that fails', () => {
  it('leaves the previous builder current, says so, and skips the use step', async () => {
    const before = await currentBuilder(ours());
    let error: unknown;
    try {
      await core.call('builder:create', { name: BROKEN, use: true, bootstrap: true, driverOpts: { network: 'host', image: MISSING_IMAGE } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.message).toContain(`The builder "${BROKEN}" was created but could not start`);
    expect(e.message).toContain(`The current builder is still "${before}": "${BROKEN}" was not made current, since it could not start.`);

    // what a plain `docker buildx build` in a terminal would use now: still the one from before
    expect(await currentBuilder(ours())).toBe(before);
    const ls = await docker(['buildx', 'ls'], ours());
    expect(ls.stdout).toMatch(new RegExp(`^${before}\\*? +.*`, 'm'));
    expect(ls.stdout).not.toMatch(new RegExp(`^${BROKEN}\\*`, 'm'));

    const task = updates.filter((t) => t.kind === 'builder:create' && t.title.includes(BROKEN)).at(-1);
    expect(task?.state).toBe('failed');
    expect(task?.steps.map((s) => [s.id, s.state])).toEqual([
      ['create', 'done'],
      ['bootstrap', 'failed'],
      ['use', 'skipped'],
    ]);

    // removed, it is gone from buildx's list
    await core.call('builder:remove', { name: BROKEN });
    expect((await docker(['buildx', 'inspect', BROKEN], ours())).code).not.toBe(0);
  });
});

describe('"Use as the current builder" with a start that works', () => {
  it('starts it, then makes it current, and the result names the current builder', async () => {
    const local = await docker(['image', 'inspect', 'moby/buildkit:buildx-stable-1']);
    if (local.code !== 0) {
      console.log('NOT RUN: moby/buildkit:buildx-stable-1 is not loaded on this engine, so no builder can start offline.');
      return;
    }
    const result = await core.call('builder:create', { name: RUNS, use: true, bootstrap: true });
    expect(result.bootstrapped).toBe(true);
    expect(result.current).toBe(RUNS);
    expect(result.builder.current).toBe(true);
    expect(result.commands.map((c) => c.slice(1, 3).join(' '))).toEqual(['buildx create', 'buildx inspect', 'buildx use']);
    expect(await currentBuilder(ours())).toBe(RUNS);
    const task = updates.filter((t) => t.kind === 'builder:create' && t.title.includes(RUNS)).at(-1);
    expect(task?.steps.map((s) => s.id)).toEqual(['create', 'bootstrap', 'use']);
  }, 180_000);
});
