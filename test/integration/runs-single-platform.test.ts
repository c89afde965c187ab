/**
 * The hosts table for a single-platform image, checked against a real pull and run (issue 11, item 13): a tag
 * that names one linux/arm64 image manifest (not a list). Every host pulls that image; this amd64 engine pulls
 * it too, and runs it emulated when QEMU for aarch64 is registered, else the container fails with
 * "exec format error". The registry is a process of this test's own; images pulled here are removed after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { RegistryClient } from '../../core/registry/client.js';
import { docker, seedMultiArchImage, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { binfmtHandlerEnabled, indexEntries, removeImagesFrom } from '../helpers/run-images.js';

const TEST_LABEL = 'dev.multiarch-lab.test=runs-single';
let registry: RegistryProcess;
let core: Core;
let dataDir = '';
let single = '';

beforeAll(async () => {
  registry = await startRegistryProcess();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-runs-single-'));
  const repo = `mal-single-${randomBytes(3).toString('hex')}/busybox`;
  await seedMultiArchImage(registry, repo, '1');
  // the arm64 manifest of the seeded index, under a tag of its own: a single-platform image
  const arm64 = (await indexEntries(registry, repo, '1')).get('linux/arm64');
  if (!arm64) throw new Error('the seeded index has no linux/arm64 entry');
  const client = new RegistryClient({ registry: registry.address });
  const manifest = await client.getManifest(repo, arm64.digest);
  await client.putManifest(repo, 'arm64-only', arm64.mediaType, manifest.text);
  single = `${registry.localhostAddress}/${repo}:arm64-only`;
  core = createCore({ mode: 'cli', dataDir, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir } });
});

afterAll(async () => {
  await core?.close();
  if (registry) await removeImagesFrom(registry.localhostAddress);
  await registry?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a single-platform linux/arm64 image', () => {
  it('the hosts table says every host pulls that image, and what happens on a host of another platform', async () => {
    const hosts = await core.call('runs:hosts', { reference: single });
    expect(hosts.imagePlatforms).toEqual(['linux/arm64']);
    const by = Object.fromEntries(hosts.choices.map((c) => [c.host.id, c]));
    // nobody gets "no matching manifest": there is no list to match against
    for (const c of hosts.choices) {
      expect(c.chosen).toBe('linux/arm64');
      expect(c.note).not.toMatch(/no matching manifest/);
    }
    expect(by['pi-64']).toMatchObject({ match: 'exact' });
    expect(by['amd64-pc']).toMatchObject({ match: 'foreign' });
    expect(by['amd64-pc']!.note).toContain('Pulls the only image there is (linux/arm64)');
    expect(by['amd64-pc']!.note).toContain('fails to start with "exec format error", unless an emulator for linux/arm64 is registered');
    expect(by['pi-32']).toMatchObject({ match: 'foreign' });
  });

  it('checked for real on this amd64 engine: the pull succeeds, and the run is emulated or fails with exec format error', async () => {
    const arch = (await docker(['version', '--format', '{{.Server.Arch}}'])).stdout.trim();
    if (arch !== 'amd64') {
      console.log(`NOT RUN: this engine is ${arch}, the check needs an amd64 one.`);
      return;
    }
    // a plain pull, as a host does: no --platform, nothing to choose
    const pulled = await docker(['pull', single]);
    expect(pulled.stdout + pulled.stderr).toMatch(/Pull complete|Downloaded newer image|up to date|Digest:/);
    const emulated = await binfmtHandlerEnabled('qemu-aarch64');
    let out: { code: number; text: string };
    try {
      const r = await docker(['run', '--rm', '--label', TEST_LABEL, single, 'uname', '-m']);
      out = { code: 0, text: r.stdout.trim() };
    } catch (error) {
      out = { code: 1, text: (error as Error).message };
    }
    if (emulated) {
      // what the table says for a host with an emulator registered: it runs, emulated
      expect(out).toEqual({ code: 0, text: 'aarch64' });
    } else {
      expect(out.code).toBe(1);
      expect(out.text).toMatch(/exec format error/);
    }
  }, 120_000);
});
