/**
 * `multiarch-lab builder ls [--json]` answered before the command line loads (cli/lean-builder-ls.ts, issue 15), on
 * the real engine, in a DOCKER_CONFIG and data folder of the test's own:
 *  - it prints exactly what the usual command prints (MULTIARCH_LAB_LEAN=0), as JSON and as text, with the default
 *    builder alone and with a docker-container builder created (never started, so nothing runs in the engine);
 *  - it really answers alone: in a copy of dist/ without the command line's entry modules it still answers;
 *  - where it cannot be sure it steps aside, and the usual command answers: no buildx probe cached yet, DOCKER_HOST
 *    set; in the copy without the command line, those fail to load it, which shows the lean path declined.
 * The builder is named mal-test-lean-<random> (buildx state carries no labels) and removed whatever happens.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = path.join(ROOT, 'dist', 'cli', 'index.js');
const BUILDER = `mal-test-lean-${randomBytes(4).toString('hex')}`;

let dir: string;
let env: NodeJS.ProcessEnv;
let copyEntry: string;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(entry: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return run(process.execPath, [entry, ...args], { env: { ...env, ...extra }, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-lean-ls-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, DOCKER_CONFIG: path.join(dir, 'docker-config'), MULTIARCH_LAB_DATA_DIR: path.join(dir, 'data'), NO_COLOR: '1' };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'BUILDX_BUILDER', 'BUILDX_CONFIG', 'MULTIARCH_LAB_DOCKER_CLI', 'MULTIARCH_LAB_LEAN', 'MULTIARCH_LAB_CLI_UNBUNDLED']) delete env[k];
  // dist/ without the command line's entries (bundled and not): only what runs before them is left
  const copy = path.join(dir, 'dist');
  await cp(path.join(ROOT, 'dist'), copy, { recursive: true, preserveTimestamps: true });
  await rm(path.join(copy, 'cli-bundle', 'main.js'));
  await rm(path.join(copy, 'cli', 'main.js'));
  copyEntry = path.join(copy, 'cli', 'index.js');
});

afterAll(async () => {
  await run('/usr/bin/docker', ['buildx', 'rm', BUILDER], { env }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('builder ls before the command line loads', () => {
  test('with no buildx probe cached yet it steps aside; the usual command answers and caches the probe', async () => {
    const bare = await cli(copyEntry, ['builder', 'ls', '--json']);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/main\.js|Cannot find module/);
    const usual = await cli(ENTRY, ['builder', 'ls', '--json']);
    expect(usual.code).toBe(0);
    expect(JSON.parse(usual.stdout).builders.map((b: { name: string }) => b.name)).toEqual(['default']);
  });

  test('the default builder alone: the same JSON and text as the usual command, also with the command line gone', async () => {
    for (const args of [['builder', 'ls', '--json'], ['builder', 'ls']]) {
      const usual = await cli(ENTRY, args, { MULTIARCH_LAB_LEAN: '0' });
      const lean = await cli(ENTRY, args);
      const alone = await cli(copyEntry, args);
      expect(usual.code).toBe(0);
      expect(lean).toEqual(usual);
      expect(alone).toEqual(usual);
    }
  });

  test('with a docker-container builder (created, never started): the same answer', async () => {
    await run('/usr/bin/docker', ['buildx', 'create', '--name', BUILDER, '--driver', 'docker-container', '--driver-opt', 'network=host', '--platform', 'linux/arm64'], { env });
    const usual = await cli(ENTRY, ['builder', 'ls', '--json'], { MULTIARCH_LAB_LEAN: '0' });
    const alone = await cli(copyEntry, ['builder', 'ls', '--json']);
    expect(alone).toEqual(usual);
    const list = JSON.parse(alone.stdout) as { builders: Array<{ name: string; status: string; nodes: Array<{ pinnedPlatforms: string[] }> }> };
    const made = list.builders.find((b) => b.name === BUILDER);
    expect(made?.nodes[0]?.pinnedPlatforms).toEqual(['linux/arm64']);
    const text = await cli(copyEntry, ['builder', 'ls']);
    expect(text).toEqual(await cli(ENTRY, ['builder', 'ls'], { MULTIARCH_LAB_LEAN: '0' }));
    expect(text.stdout).toContain(`${BUILDER}  driver docker-container`);
  });

  test('DOCKER_HOST set: it steps aside (the engine discovery decides then), and the usual command answers', async () => {
    const host = { DOCKER_HOST: 'unix:///var/run/docker.sock' };
    const bare = await cli(copyEntry, ['builder', 'ls', '--json'], host);
    expect(bare.code).not.toBe(0);
    const usual = await cli(ENTRY, ['builder', 'ls', '--json'], host);
    expect(usual.code).toBe(0);
    expect(JSON.parse(usual.stdout).builders.map((b: { name: string }) => b.name)).toContain(BUILDER);
  });
});
