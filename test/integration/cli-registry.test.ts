/**
 * `multiarch-lab registry …`, `ls` and `inspect` as a user runs them, against the real engine.
 * Resources carry the test label (through MULTIARCH_LAB_RESOURCE_LABELS) and this run's prefix.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RegistryDownResult, RegistryStatus, RegistryUpResult } from '../../core/contract/registry-lifecycle.js';
import type { ImageInspection } from '../../core/contract/registry.js';
import { runCommand } from '../../core/docker/exec.js';
import { containersNamed, removeTestResources, uniqueName, volumeExists } from '../helpers/engine.js';
import { freePort, pushSeedImage } from '../helpers/registry-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const entry = path.join(root, 'cli', 'index.ts');
const LABEL = 'dev.multiarch-lab.test=registry';
const PREFIX = uniqueName('mal-test-reg-cli');
const name = `${PREFIX}-r`;
const volume = `${PREFIX}-r-data`;

let dataDir: string;
let env: NodeJS.ProcessEnv;
let port: number;

function cli(args: string[]) {
  // stdin is /dev/null here: not a terminal, as in CI
  return runCommand(tsx, [entry, ...args], { env, cwd: root, timeoutMs: 90_000 });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-reg-it-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_RESOURCE_LABELS: LABEL };
  delete env.DOCKER_HOST;
  port = await freePort();
});

afterAll(async () => {
  await removeTestResources(LABEL, PREFIX);
  await rm(dataDir, { recursive: true, force: true });
});

describe('multiarch-lab registry', () => {
  test('up prints each step with its docker command, then the address and the next step', async () => {
    const r = await cli(['registry', 'up', '--name', name, '--port', String(port), '--volume', volume]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`✓ Look for a container named ${name} (none yet: creating one)`);
    expect(r.stdout).toContain(`$ docker run -d -p ${port}:5000 --restart=always --name ${name} -v ${volume}:/var/lib/registry`);
    expect(r.stdout, r.stdout).toContain('✓ Wait for the registry to answer GET /v2/ (200 registry/2.0)');
    expect(r.stdout).toContain(`The registry ${name} runs at localhost:${port}.`);
    expect(r.stdout).toContain(`-t localhost:${port}/hello:1.0 --push .`);
  });

  test('up --json on the same name reports the adoption', async () => {
    const r = await cli(['registry', 'up', '--name', name, '--port', String(port), '--volume', volume, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as RegistryUpResult;
    expect(result).toMatchObject({ name, adopted: true, address: `localhost:${port}`, healthy: true, volume });
    expect(await containersNamed(name)).toEqual([name]);
  });

  test('status --json and the readable status agree with the engine', async () => {
    await pushSeedImage(`localhost:${port}/lab/busybox:1`);
    const r = await cli(['registry', 'status', '--name', name, '--json']);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as RegistryStatus;
    expect(status).toMatchObject({ exists: true, running: true, restartPolicy: 'always', address: `localhost:${port}`, repositories: 1, health: { ok: true } });

    const human = await cli(['registry', 'status', '--name', name]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/restart policy\s+always/);
    expect(human.stdout).toMatch(/health\s+ok: GET \/v2\/ answered 200 \(registry\/2\.0\)/);
    expect(human.stdout).toMatch(/repositories\s+1/);
  });

  test('ls lists the repository with its tag, and inspect draws the tree', async () => {
    const ls = await cli(['ls', `localhost:${port}`]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/lab\/busybox\s+1/);
    expect(ls.stdout).toContain(`1 repository in localhost:${port}.`);

    const tags = await cli(['ls', `localhost:${port}/lab/busybox`]);
    expect(tags.stdout.trim()).toBe(`localhost:${port}/lab/busybox:1`);

    const ref = `localhost:${port}/lab/busybox:1`;
    const tree = await cli(['inspect', ref]);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain('platforms  linux/amd64, linux/arm64, linux/arm/v7');
    expect(tree.stdout).toMatch(/├── linux\/amd64 {2}sha256:[0-9a-f]{12} {2}total /);
    expect(tree.stdout).toMatch(/└── linux\/arm\/v7/);
    expect(tree.stdout).toMatch(/layer 1 {2}sha256:[0-9a-f]{12}/);
    expect(tree.stdout).toContain(`docker buildx imagetools inspect ${ref}`);

    const json = JSON.parse((await cli(['inspect', ref, '--json'])).stdout) as ImageInspection;
    expect(json.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);

    const raw = await cli(['inspect', ref, '--raw']);
    expect((JSON.parse(raw.stdout) as { mediaType: string }).mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    const armRaw = JSON.parse((await cli(['inspect', ref, '--raw', '--platform', 'linux/arm64'])).stdout) as { mediaType: string; layers: unknown[] };
    expect(armRaw.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(armRaw.layers).toHaveLength(1);
  });

  test('down --remove-volume without --yes and without a terminal refuses and removes nothing', async () => {
    const r = await cli(['registry', 'down', '--name', name, '--remove-volume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Removing the volume ${volume} deletes`);
    expect(r.stderr).toContain('1 repository (lab/busybox)');
    expect(r.stderr).toContain('without confirmation');
    expect(r.stderr).toContain('--yes');
    expect(await containersNamed(name)).toEqual([name]);
    expect(await volumeExists(volume)).toBe(true);
  });

  test('down --remove-volume --yes removes the container and the volume and says what went', async () => {
    const r = await cli(['registry', 'down', '--name', name, '--remove-volume', '--yes', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as RegistryDownResult;
    expect(result).toMatchObject({ removedContainer: true, removedVolume: true, volume, lost: { repositories: ['lab/busybox'] } });
    expect(await containersNamed(name)).toEqual([]);
    expect(await volumeExists(volume)).toBe(false);

    const status = await cli(['registry', 'status', '--name', name]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`There is no registry container named ${name}.`);
    expect(status.stdout).toContain(`multiarch-lab registry up --name ${name}`);
  });

  test('a bad port is refused as invalid input', async () => {
    const r = await cli(['registry', 'up', '--name', `${PREFIX}-bad`, '--port', 'lots', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'invalid-input' });
    expect(await containersNamed(`${PREFIX}-bad`)).toEqual([]);
  });
});
