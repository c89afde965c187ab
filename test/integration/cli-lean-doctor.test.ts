/**
 * `multiarch-lab doctor [--json]` run before the command line loads (cli/lean-doctor.ts, issue 15), on the real
 * engine, in a DOCKER_CONFIG and data folder of the test's own: the same report as the usual command
 * (MULTIARCH_LAB_LEAN=0) as JSON (its generatedAt aside) and as text, the same exit code and stderr with the engine
 * down, and the same registry line as the core gives; and it really runs alone: a copy of dist/ without the command
 * line's entry modules still answers.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = path.join(ROOT, 'dist', 'cli', 'index.js');

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

/** The report without the moment it was made. */
const withoutTime = (r: Ran) => ({ ...r, stdout: r.stdout.replace(/"generatedAt": "[^"]+"/, '"generatedAt": "…"') });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-lean-doctor-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, DOCKER_CONFIG: path.join(dir, 'docker-config'), MULTIARCH_LAB_DATA_DIR: path.join(dir, 'data'), NO_COLOR: '1' };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'BUILDX_BUILDER', 'BUILDX_CONFIG', 'MULTIARCH_LAB_DOCKER_CLI', 'MULTIARCH_LAB_LEAN', 'MULTIARCH_LAB_CLI_UNBUNDLED']) delete env[k];
  const copy = path.join(dir, 'dist');
  await cp(path.join(ROOT, 'dist'), copy, { recursive: true, preserveTimestamps: true });
  await rm(path.join(copy, 'cli-bundle', 'main.js'));
  await rm(path.join(copy, 'cli', 'main.js'));
  copyEntry = path.join(copy, 'cli', 'index.js');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('doctor before the command line loads', () => {
  test('the same report as the usual command, as JSON and as text, also with the command line gone', async () => {
    const usual = withoutTime(await cli(ENTRY, ['doctor', '--json'], { MULTIARCH_LAB_LEAN: '0' }));
    expect(usual.code).toBe(0);
    const report = JSON.parse(usual.stdout) as { engine?: { version?: string }; checks: Array<{ id: string }> };
    expect(report.engine?.version).toBeTruthy();
    expect(report.checks.map((c) => c.id)).toContain('registry');
    expect(withoutTime(await cli(ENTRY, ['doctor', '--json']))).toEqual(usual);
    expect(withoutTime(await cli(copyEntry, ['doctor', '--json']))).toEqual(usual);
    const text = await cli(ENTRY, ['doctor'], { MULTIARCH_LAB_LEAN: '0' });
    expect(text.code).toBe(0);
    expect(await cli(copyEntry, ['doctor'])).toEqual(text);
  });

  test('the engine down: the same report, stderr and exit code as the usual command', async () => {
    const dead = { DOCKER_HOST: `unix://${path.join(dir, 'no-engine.sock')}` };
    for (const args of [['doctor', '--json'], ['doctor']]) {
      const usual = withoutTime(await cli(ENTRY, args, { ...dead, MULTIARCH_LAB_LEAN: '0' }));
      expect(usual.code).toBe(1);
      expect(usual.stderr).toContain('no-engine.sock');
      expect(withoutTime(await cli(copyEntry, args, dead))).toEqual(usual);
    }
  });
});
