/** `multiarch-lab run` as a CI job would use it: real engine, real registry, exit codes that mean something. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunMatrix } from '../../core/contract/runs.js';
import { runCommand } from '../../core/docker/exec.js';
import { testLabelEnv } from '../../core/docker/labels.js';
import { seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { pushMislabelledIndex, removeImagesFrom } from '../helpers/run-images.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const entry = path.join(root, 'cli', 'index.ts');
const testLabel = `cli-run-${randomBytes(4).toString('hex')}`;
const engine = new Docker({ socketPath: '/var/run/docker.sock' });

let registry: RegistryProcess;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let good: string;
let bad: string;

function cli(args: string[]) {
  return runCommand(tsx, [entry, ...args], { env, cwd: root, timeoutMs: 120_000 });
}

beforeAll(async () => {
  registry = await startRegistryProcess();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-run-it-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir, ...testLabelEnv(testLabel) };
  delete env.DOCKER_HOST;
  const repo = `${testLabel}/busybox`;
  await seedMultiArchImage(registry, repo, '1');
  await pushMislabelledIndex(registry, repo, '1', 'mislabelled');
  good = `${registry.localhostAddress}/${repo}:1`;
  bad = `${registry.localhostAddress}/${repo}:mislabelled`;
});

afterAll(async () => {
  try {
    for (const c of await engine.listContainers({ all: true, filters: { label: [`dev.multiarch-lab.test=${testLabel}`] } })) {
      await engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    if (registry) await removeImagesFrom(registry.localhostAddress);
  } finally {
    await registry?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

describe('multiarch-lab run', () => {
  let goodId: string;
  let badId: string;

  it('--json on a good image exits 0 and prints the matrix', async () => {
    const r = await cli(['run', good, '--json', '--', 'uname', '-m']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout) as RunMatrix;
    expect(m.ok).toBe(true);
    expect(m.runs.map((x) => [x.platform, x.printed, x.result, x.execution])).toEqual([
      ['linux/amd64', 'x86_64', 'pass', 'native'],
      ['linux/arm64', 'aarch64', 'pass', 'emulated'],
      ['linux/arm/v7', 'armv7l', 'pass', 'emulated'],
    ]);
    goodId = m.id;
  });

  it('the mislabelled index fails the check: exit 1, and the table says why', async () => {
    const r = await cli(['run', bad, '--', 'uname', '-m']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}PLATFORM +EXPECTED +PRINTED +RESULT +FILES +RAN +EXIT +TIME$/m);
    expect(r.stdout).toMatch(/^ {2}linux\/amd64 +x86_64 +x86_64 +pass +ok +native +0 /m);
    expect(r.stdout).toMatch(/^ {2}linux\/arm64 +aarch64 +x86_64 +fail \(label-mismatch\) +mismatch +native +0 /m);
    expect(r.stdout).toMatch(/^linux\/arm64: The index labels this entry linux\/arm64, but its image config says linux\/amd64/m);
    expect(r.stdout).toMatch(/^1 of 2 platforms failed\.$/m);
    // progress goes to stderr through the CLI's one task printer: each platform's run as it starts and how it ended
    expect(r.stderr).toMatch(/^… Run linux\/arm64$/m);
    expect(r.stderr).toMatch(/^✗ Run linux\/arm64 \(fail: printed x86_64/m);
    expect(r.stderr).toMatch(/^✓ Run linux\/amd64 \(/m);
    badId = /saved as (\S+)/.exec(r.stdout)?.[1] ?? '';
    expect(badId).not.toBe('');
  });

  it('--json on the mislabelled index exits 1 with ok false', async () => {
    const r = await cli(['run', bad, '--platform', 'linux/arm64', '--timeout', '30', '--json', '--', 'uname', '-m']);
    expect(r.code).toBe(1);
    const m = JSON.parse(r.stdout) as RunMatrix;
    expect(m.ok).toBe(false);
    expect(m.timeoutMs).toBe(30_000);
    expect(m.runs.map((x) => [x.platform, x.failure])).toEqual([['linux/arm64', 'label-mismatch']]);
  });

  it('--history lists the saved runs, newest first', async () => {
    const r = await cli(['run', '--history']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +STARTED \(UTC\) +RESULT +PLATFORMS +REFERENCE$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(new RegExp(`^${badId} .* failed +1/2 passed +${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    expect(lines[3]).toMatch(new RegExp(`^${goodId} .* ok +3/3 passed`));
  });

  it('--export ID --format markdown prints the table', async () => {
    const r = await cli(['run', '--export', badId, '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`# Run matrix: ${bad}`);
    expect(r.stdout).toContain('| platform | expected | printed | result | files | native/emulated | time |');
    expect(r.stdout).toMatch(/^\| linux\/arm64 \| aarch64 \| x86_64 \| fail \(label-mismatch\) \| mismatch \| native \| /m);
  });

  it('--export of an unknown id exits 1 and says what to do', async () => {
    const r = await cli(['run', '--export', 'no-such-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: There is no saved run no-such-run.\nhint: List the saved runs (multiarch-lab run --history) and use one of their ids.\n');
  });

  it('without a reference it exits 1 and asks for one', async () => {
    const r = await cli(['run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: No image to run: give its reference/);
    expect(r.stderr).toMatch(/^hint: /m);
  });

  it('a malformed platform is refused before anything runs', async () => {
    const r = await cli(['run', good, '--platform', 'arm64', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'invalid-input' });
  });

  it('leaves no container behind', async () => {
    expect(await engine.listContainers({ all: true, filters: { label: [`dev.multiarch-lab.test=${testLabel}`] } })).toEqual([]);
  });
});
