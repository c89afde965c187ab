/**
 * Garbage collection and the registry check on a real registry container (`registry:2`, deletes left disabled
 * as `registry up` makes it) with a real 3-platform index: untagged deletion keeps every platform pullable and
 * removes only the orphan, never runs the collector's own --delete-untagged, takes the registry out of service
 * while it runs and brings it back; pushes during that window fail and leave no broken tag; the check and its
 * CLI find what the old behaviour broke. Every resource carries the test label and this run's prefix.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import type { RegistryCheckResult } from '../../core/contract/registry-check.js';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import { runCommand } from '../../core/docker/exec.js';
import { RegistryClient } from '../../core/registry/client.js';
import { createIndex, MediaTypes } from '../../core/registry/manifest.js';
import { AppError } from '../../core/contract/errors.js';
import { removeTestResources, uniqueName } from '../helpers/engine.js';
import { docker, freePort, SEED_IMAGE, type RegistryProcess } from '../helpers/registry-process.js';
import { removeImagesFrom, uploadBlob } from '../helpers/run-images.js';

const LABEL = 'dev.multiarch-lab.test=registry-gc';
const PREFIX = uniqueName('mal-test-gc');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

let core: Core;
let dataDir: string;
const tasks: TaskSnapshot[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-gc-it-'));
  core = createCore({ mode: 'cli', dataDir, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_RESOURCE_LABELS: LABEL } });
  core.events.on('task:update', (t) => tasks.push(t));
});

afterAll(async () => {
  await core?.close();
  await removeTestResources(LABEL, PREFIX);
  await rm(dataDir, { recursive: true, force: true });
});

async function upRegistry(suffix: string, deleteEnabled = false): Promise<{ name: string; port: number; address: string; http: RegistryProcess }> {
  const name = `${PREFIX}-${suffix}`;
  const port = await freePort();
  const up = await core.call('registry:up', { name, port, volume: `${name}-data`, ...(deleteEnabled ? { deleteEnabled } : {}) });
  expect(up).toMatchObject({ healthy: true, deleteEnabled });
  const address = `localhost:${port}`;
  // the shape the blob-upload helper needs
  const http = { url: `http://127.0.0.1:${port}`, address: `127.0.0.1:${port}`, localhostAddress: address } as RegistryProcess;
  return { name, port, address, http };
}

async function pushSeed(address: string, repository: string, tag: string): Promise<void> {
  const target = `${address}/${repository}:${tag}`;
  await docker(['tag', SEED_IMAGE, target]);
  try {
    await docker(['push', target]);
  } finally {
    await docker(['image', 'rm', target]).catch(() => undefined);
  }
}

/** An image manifest stored under its digest only: no tag, no index names it. */
async function pushOrphan(http: RegistryProcess, repository: string): Promise<string> {
  const layer = await uploadBlob(http, repository, Buffer.from(`orphan layer ${PREFIX}`));
  const config = await uploadBlob(http, repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
  });
  const client = new RegistryClient({ registry: http.address });
  const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(text).digest('hex')}`;
  await client.putManifest(repository, digest, MediaTypes.ociManifest, text);
  return digest;
}

/** Every manifest under the tag, and every config and layer they name, fetched in full. */
async function fetchEverything(address: string, repository: string, tag: string): Promise<string[]> {
  const client = new RegistryClient({ registry: address });
  const index = await client.getManifest(repository, tag);
  const fetched = [index.digest];
  for (const child of (index.json as { manifests: Array<{ digest: string }> }).manifests) {
    const m = await client.getManifest(repository, child.digest);
    fetched.push(m.digest);
    const doc = m.json as { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const blob of [doc.config, ...doc.layers]) {
      const res = await fetch(`http://${address}/v2/${repository}/blobs/${blob.digest}`);
      expect(res.status, `${repository} blob ${blob.digest}`).toBe(200);
      await res.arrayBuffer();
      fetched.push(blob.digest);
    }
  }
  return fetched;
}

/** `docker events` for the test's window, as JSON lines: what the engine was asked to run. */
function recordEngineEvents(): { stop: () => Promise<string> } {
  const child = spawn('/usr/bin/docker', ['events', '--format', '{{json .}}', '--filter', 'type=container'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return {
    stop: async () => {
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGTERM');
      return text;
    },
  };
}

describe('registry gc --delete-untagged on a multi-platform image', () => {
  it('keeps every platform of a tagged index, deletes only the orphan, and never runs the collector with --delete-untagged', async () => {
    const r = await upRegistry('multi');
    await pushSeed(r.address, 'lab/multi', '1');
    const orphan = await pushOrphan(r.http, 'lab/multi');
    const client = new RegistryClient({ registry: r.address });
    const index = await client.getManifest('lab/multi', '1');
    const children = (index.json as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
    expect(children).toHaveLength(3);
    const before = (await docker(['container', 'inspect', '--format', '{{.Id}} {{json .Config.Env}}', r.name])).stdout.trim();

    // the dry run lists what goes (repository, digest, size, why) and what stays, and changes nothing
    const plan = await core.call('registry:gc', { name: r.name, dryRun: true, deleteUntagged: true });
    expect(plan.untagged).toEqual([{ repository: 'lab/multi', digest: orphan, size: expect.any(Number), mediaType: MediaTypes.ociManifest, why: expect.stringContaining('no tag reaches it') }]);
    expect(plan.kept?.map((k) => k.digest).sort()).toEqual([index.digest, ...children].sort());
    expect(plan.kept?.find((k) => k.digest === children[1])?.why).toMatch(/linux\/arm64 manifest, reached by linux\/arm64 of index .* \(tag 1\)/);
    expect(plan.outOfService).toBe(false);
    expect((await client.headManifest('lab/multi', orphan)).digest).toBe(orphan);

    const events = recordEngineEvents();
    const gc = await core.call('registry:gc', { name: r.name, deleteUntagged: true });
    const seen = await events.stop();
    expect(gc.untagged?.map((e) => e.digest)).toEqual([orphan]);
    expect(gc.outOfService).toBe(true);
    expect(gc.runningAfter).toBe(true);
    expect(gc.check).toMatchObject({ ok: true });
    // the old way is never taken: not in the command, not in anything the engine ran
    expect(gc.command).not.toContain('--delete-untagged');
    expect(seen).not.toContain('--delete-untagged');
    expect(seen).toContain('"Action":"stop"');

    // the same container, with the same settings, answers again
    expect((await docker(['container', 'inspect', '--format', '{{.Id}} {{json .Config.Env}}', r.name])).stdout.trim()).toBe(before);
    // the orphan is gone; every platform's manifest, config and layers are served, and pullable by platform
    await expect(client.headManifest('lab/multi', orphan)).rejects.toMatchObject({ code: 'not-found' });
    expect(await fetchEverything(r.address, 'lab/multi', '1')).toEqual(expect.arrayContaining([index.digest, ...children]));
    try {
      for (const platform of PLATFORMS) {
        const pulled = await docker(['pull', '--platform', platform, `${r.address}/lab/multi:1`]);
        expect(pulled.stdout).toContain(index.digest);
      }
    } finally {
      await removeImagesFrom(r.address);
    }
    const check = await core.call('registry:check', { name: r.name });
    expect(check).toMatchObject({ ok: true, tags: [{ repository: 'lab/multi', tag: '1', ok: true, manifests: 4 }] });
  });
});

describe('the registry is out of service while the collector runs', () => {
  it('says so, a push in that window fails with a clear error, and no tag is left pointing at missing blobs', async () => {
    const r = await upRegistry('busy');
    await pushSeed(r.address, 'lab/loop', '0');
    const seen = tasks.length;
    const gcDone = core.call('registry:gc', { name: r.name, deleteUntagged: true });
    let finished = false;
    void gcDone.finally(() => (finished = true)).catch(() => undefined);
    const failures: string[] = [];
    let pushes = 0;
    for (let i = 1; !finished && i < 200; i++) {
      pushes++;
      try {
        await pushSeed(r.address, 'lab/loop', String(i));
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    const gc = await gcDone;
    expect(gc.outOfService).toBe(true);
    expect(pushes).toBeGreaterThan(0);
    // while stopped, nothing listens: docker says so in its own words
    expect(failures.length, `pushes: ${pushes}`).toBeGreaterThan(0);
    expect(failures.join('\n')).toMatch(/connection refused|connect: connection refused|EOF|unexpected status/);
    const mine = tasks.slice(seen).filter((t) => t.kind === 'registry:gc');
    const stopStep = mine.flatMap((t) => t.steps).find((s) => s.id === 'stop');
    expect(stopStep?.title).toContain('out of service');
    expect(mine.some((t) => t.progress?.message?.includes('pushes to it fail until it is back'))).toBe(true);
    expect(mine.at(-1)?.steps.find((s) => s.id === 'restore')?.state).toBe('done');

    // every tag: each manifest, config and layer is there
    const check = await core.call('registry:check', { name: r.name });
    expect(check.ok, JSON.stringify(check.tags.filter((t) => !t.ok), null, 2)).toBe(true);
    expect(check.tags.length).toBeGreaterThan(0);
    for (const t of check.tags) await fetchEverything(r.address, t.repository, t.tag);
  });
});

describe('registry check', () => {
  it('finds the damage the collector\'s own --delete-untagged does, by tag, and the CLI exits non-zero', async () => {
    const r = await upRegistry('broken');
    await pushSeed(r.address, 'lab/broken', '1');
    const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_RESOURCE_LABELS: LABEL };
    const cli = (args: string[]) => runCommand(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'cli', 'index.ts'), ...args], { env, cwd: root, timeoutMs: 90_000 });

    const clean = await cli(['registry', 'check', '--name', r.name, '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    expect((JSON.parse(clean.stdout) as RegistryCheckResult).ok).toBe(true);

    // the old behaviour, run by hand, inside a copy of the registry's storage only this test uses
    await docker(['stop', r.name]);
    await docker(['run', '--rm', '--label', LABEL, '--volumes-from', r.name, '--entrypoint', '/bin/registry', 'registry:2', 'garbage-collect', '--delete-untagged', '/etc/docker/registry/config.yml']);
    await docker(['start', r.name]);
    await new Promise((res) => setTimeout(res, 1000));

    const broken = await cli(['registry', 'check', '--name', r.name, '--json']);
    expect(broken.code).toBe(1);
    const result = JSON.parse(broken.stdout) as RegistryCheckResult;
    expect(result.ok).toBe(false);
    const tag = result.tags.find((t) => t.repository === 'lab/broken')!;
    expect(tag.ok).toBe(false);
    expect(tag.problems.map((p) => p.platform).sort()).toEqual([...PLATFORMS].sort());
    expect(tag.problems[0]).toMatchObject({ kind: 'manifest', hint: expect.stringContaining('Push the image again') });
    const text = await cli(['registry', 'check', '--name', r.name]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`✗ localhost:${r.port}/lab/broken:1`);
    expect(text.stdout).toContain('what to do: ');
  });
});

describe('deleting from the registry browser', () => {
  it('refuses a platform manifest an index names, naming the index; an index offers the platforms only it reaches', async () => {
    const r = await upRegistry('del', true);
    await pushSeed(r.address, 'lab/del', '1');
    const client = new RegistryClient({ registry: r.address });
    const index = await client.getManifest('lab/del', '1');
    const entries = (index.json as { manifests: Array<{ digest: string; mediaType: string; size: number; platform: { os: string; architecture: string; variant?: string } }> }).manifests;
    const byPlatform = new Map(entries.map((e) => [`${e.platform.os}/${e.platform.architecture}${e.platform.variant ? `/${e.platform.variant}` : ''}`, e]));
    // a second tagged index sharing amd64 and arm64
    const pair = createIndex(['linux/amd64', 'linux/arm64'].map((p) => ({ ...byPlatform.get(p)!, platform: p })));
    const pairDigest = (await client.putManifest('lab/del', 'pair', pair.mediaType, pair.text)).digest;
    const armv7 = byPlatform.get('linux/arm/v7')!.digest;

    let refused: unknown;
    try {
      await core.call('registry:delete', { reference: `${r.address}/lab/del@${armv7}` });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('conflict');
    expect((refused as AppError).message).toContain(`lab/del:1`);
    expect((refused as AppError).message).toContain(index.digest.slice(7, 19));
    expect((await client.headManifest('lab/del', armv7)).digest).toBe(armv7);

    const plan = await core.call('registry:delete', { reference: `${r.address}/lab/del:1`, plan: true });
    expect(plan).toMatchObject({ planned: true, digest: index.digest, tags: ['1'] });
    expect(plan.onlyReachedByThis?.map((e) => [e.platform, e.digest])).toEqual([['linux/arm/v7', armv7]]);
    expect(plan.keeps?.filter((k) => k.why.includes('names it too')).map((k) => k.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect((await client.headManifest('lab/del', '1')).digest).toBe(index.digest);

    const done = await core.call('registry:delete', { reference: `${r.address}/lab/del:1`, withChildren: true });
    expect(done.deletes?.map((d) => d.digest)).toEqual([index.digest, armv7]);
    await expect(client.headManifest('lab/del', armv7)).rejects.toMatchObject({ code: 'not-found' });
    await expect(client.headManifest('lab/del', '1')).rejects.toMatchObject({ code: 'not-found' });
    // what stays is whole
    expect((await client.headManifest('lab/del', 'pair')).digest).toBe(pairDigest);
    const check = await core.call('registry:check', { name: r.name });
    expect(check).toMatchObject({ ok: true, tags: [{ tag: 'pair', ok: true, manifests: 3 }] });
  });
});
