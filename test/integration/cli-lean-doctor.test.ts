/**
 * `multiarch-lab doctor [--json]` run before the command line loads (cli/lean-doctor.ts, issue 15), on the real
 * engine, in a DOCKER_CONFIG and data folder of the test's own: the same report as the usual command
 * (MULTIARCH_LAB_LEAN=0) as JSON (its generatedAt aside) and as text, the same exit code and stderr with the engine
 * down, and the same registry line as the core gives; and it really runs alone: a copy of dist/ without the command
 * line's entry modules still answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI_ENTRY as ENTRY, distWithoutCommandLine, leanEnv, runCli, type Ran } from '../helpers/lean-cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let copyEntry: string;

const cli = (entry: string, args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(entry, args, env, extra);

/** The report without the moment it was made. */
const withoutTime = (r: Ran) => ({ ...r, stdout: r.stdout.replace(/"generatedAt": "[^"]+"/, '"generatedAt": "…"') });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-lean-doctor-'));
  env = leanEnv(dir);
  // dist/ without the command line's entries (bundled and not): only what runs before them is left
  copyEntry = await distWithoutCommandLine(dir);
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
