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
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI_ENTRY as ENTRY, distWithoutCommandLine, leanEnv, runCli } from '../helpers/lean-cli.js';

const run = promisify(execFile);
const BUILDER = `mal-test-lean-${randomBytes(4).toString('hex')}`;

let dir: string;
let env: NodeJS.ProcessEnv;
let copyEntry: string;

const cli = (entry: string, args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(entry, args, env, extra);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-lean-ls-'));
  env = leanEnv(dir);
  // dist/ without the command line's entries (bundled and not): only what runs before them is left
  copyEntry = await distWithoutCommandLine(dir);
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
