/**
 * `multiarch-lab builder …` as a user runs it, against the real engine (offline). The builder is named
 * mal-test-bld-cli-<random>, never made current, and removed afterwards whatever happens.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BuilderCreateResult, BuilderList, BuilderRemoveResult, DefaultDriverExplanation, EmulatorReport } from '../../core/contract/builder.js';
import { runCommand } from '../../core/docker/exec.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const entry = path.join(root, 'cli', 'index.ts');
const NAME = `mal-test-bld-cli-${randomBytes(4).toString('hex')}`;

let dataDir: string;
let env: NodeJS.ProcessEnv;
let previousCurrent: string;

function cli(args: string[]) {
  return runCommand(tsx, [entry, ...args], { env, cwd: root, timeoutMs: 90_000 });
}

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/docker', args, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
  });
}

async function currentBuilder(): Promise<string | undefined> {
  return /^Name:\s+(\S+)/m.exec((await docker(['buildx', 'inspect'])).stdout)?.[1];
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-bld-it-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_RESOURCE_LABELS: 'dev.multiarch-lab.test=cli-builder' };
  previousCurrent = (await currentBuilder()) ?? 'default';
});

afterAll(async () => {
  await docker(['buildx', 'rm', NAME]);
  await docker(['buildx', 'use', previousCurrent]);
  await rm(dataDir, { recursive: true, force: true });
});

describe('multiarch-lab builder', () => {
  test('ls --json lists the default builder as docker buildx ls does', async () => {
    const r = await cli(['builder', 'ls', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as BuilderList;
    expect(list.buildxVersion).toMatch(/^0\.13\./);
    const def = list.builders.find((b) => b.name === 'default');
    expect(def?.driver).toBe('docker');
    expect(def?.nodes[0]?.platforms).toContain('linux/arm64');
    expect(list.current).toBe(previousCurrent);
  });

  test('create --no-bootstrap --no-use --json, then rm', async () => {
    const created = await cli(['builder', 'create', '--name', NAME, '--no-bootstrap', '--no-use', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const result = JSON.parse(created.stdout) as BuilderCreateResult;
    expect(result.builder).toMatchObject({ name: NAME, driver: 'docker-container', current: false });
    expect(result.builder.nodes[0]?.driverOptions).toEqual({ network: 'host' });
    expect(result.commands).toEqual([['docker', 'buildx', 'create', '--name', NAME, '--driver', 'docker-container', '--driver-opt', 'network=host']]);
    // Progress went to stderr, with the command, so stdout stayed pure JSON.
    expect(created.stderr).toContain(`$ docker buildx create --name ${NAME} --driver docker-container --driver-opt network=host`);
    expect((await docker(['buildx', 'inspect', NAME])).stdout).toMatch(/network="host"/);
    expect(await currentBuilder()).toBe(previousCurrent);

    const again = await cli(['builder', 'create', '--name', NAME, '--no-bootstrap', '--no-use']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`error: A builder named "${NAME}" already exists.`);

    const removed = await cli(['builder', 'rm', NAME, '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    const rmResult = JSON.parse(removed.stdout) as BuilderRemoveResult;
    expect(rmResult.checked.containers).toEqual([`buildx_buildkit_${NAME}0`]);
    expect((await docker(['buildx', 'inspect', NAME])).code).not.toBe(0);

    const missing = await cli(['builder', 'rm', NAME]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error: There is no builder named "${NAME}".`);
  });

  test('bad flags are refused before anything runs', async () => {
    const r = await cli(['builder', 'create', '--name', `${NAME}-x`, '--driver-opt', 'network=host;id', '--no-bootstrap', '--no-use', '--json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stderr) as { code: string }).code).toBe('invalid-input');
    const r2 = await cli(['builder', 'create', '--name', `${NAME}-x`, '--driver-opt', 'novalue', '--no-bootstrap']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('is not KEY=VALUE');
    expect((await docker(['buildx', 'inspect', `${NAME}-x`])).code).not.toBe(0);
  });

  test('emulators --json and default', async () => {
    const e = await cli(['builder', 'emulators', '--json']);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout) as EmulatorReport;
    expect(report.platforms.find((p) => p.platform === 'linux/arm64')?.support).toBe('emulated');

    const d = await cli(['builder', 'default', '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect((JSON.parse(d.stdout) as DefaultDriverExplanation).multiPlatform).toBe(true);
    const text = await cli(['builder', 'default']);
    expect(text.stdout).toContain('multi-platform builds: yes');
  });

  test('emulators --install offline exits 1 naming the binfmt image', async () => {
    const r = await cli(['builder', 'emulators', '--install', '--platform', 'linux/arm64']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Could not pull the emulator installer image tonistiigi/binfmt:qemu-v8.1.5: Docker Hub could not be reached.');
    expect(r.stderr).toContain('hint: Install the emulators from your distribution instead');
  });
});
