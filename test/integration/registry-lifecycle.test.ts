/**
 * The local registry's lifecycle through the core's channels, against the real engine and the real
 * `registry:2` image: up, push, status, adopt, the two conflicts, stop/start, a failed pull, garbage
 * collection and down with and without the volume. Every resource carries the test label and this
 * run's name prefix, and is removed in afterAll whatever happened.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { AppError } from '../../core/contract/errors.js';
import type { EventMap } from '../../core/contract/events.js';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import { containersNamed, removeTestResources, uniqueName, volumeExists } from '../helpers/engine.js';
import { docker, freePort, pushSeedImage, SEED_IMAGE, startRegistryProcess } from '../helpers/registry-process.js';

const LABEL = 'dev.multiarch-lab.test=registry';
const PREFIX = uniqueName('mal-test-reg');
const MISSING_IMAGE = 'registry:2-multiarch-lab-missing';

let core: Core;
let dataDir: string;
const tasks: TaskSnapshot[] = [];
const changes: Array<EventMap['engine:changed']> = [];

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code, (error as AppError).message).toBe(code);
    return error as AppError;
  }
  throw new Error(`expected an AppError ${code}, but the call succeeded`);
}

/** The parts of `docker container inspect` these tests look at. */
interface Inspected {
  Config: { Image: string; Labels: Record<string, string>; Env: string[] };
  State: { Running: boolean };
  HostConfig: { RestartPolicy: { Name: string }; PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> };
  Mounts: Array<{ Type: string; Name?: string; Destination: string }>;
}

async function inspect(name: string): Promise<Inspected> {
  const { stdout } = await docker(['container', 'inspect', name]);
  return (JSON.parse(stdout) as Inspected[])[0]!;
}

async function pushSeed(address: string, repository: string): Promise<void> {
  await pushSeedImage(`${address}/${repository}:1`);
}

async function catalog(port: number): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${port}/v2/_catalog`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { repositories: string[] }).repositories;
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A slow network in front of a registry: responses trickle at about 6 MB/s, so the engine reports
 * download progress for a pull instead of finishing before its first progress tick.
 */
async function startSlowProxy(targetPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk: Buffer) => {
        up.pause();
        res.write(chunk);
        setTimeout(() => up.resume(), Math.ceil(chunk.length / 6_000));
      });
      up.on('end', () => res.end());
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

/** A free port that no engine container publishes either. */
async function freeHostPort(): Promise<number> {
  return freePort();
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-reg-it-'));
  core = createCore({
    mode: 'cli',
    dataDir,
    env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_RESOURCE_LABELS: LABEL },
  });
  core.events.on('task:update', (t) => tasks.push(t));
  core.events.on('engine:changed', (c) => changes.push(c));
  core.startEngineWatch();
});

afterAll(async () => {
  await core?.close();
  await removeTestResources(LABEL, PREFIX);
  await rm(dataDir, { recursive: true, force: true });
});

describe('registry lifecycle on the real engine', () => {
  const name = `${PREFIX}-main`;
  const volume = `${PREFIX}-main-data`;
  let port: number;
  let containerId: string;

  it('up creates the classic registry: registry:2, the port published, the volume at /var/lib/registry, restart always, our labels', async () => {
    port = await freeHostPort();
    const result = await core.call('registry:up', { name, port, volume });
    expect(result).toMatchObject({ name, port, volume, address: `localhost:${port}`, adopted: false, pulled: false, healthy: true, image: 'registry:2' });
    containerId = result.containerId;

    const info = await inspect(name);
    expect(info.Config.Image).toBe('registry:2');
    expect(info.HostConfig.RestartPolicy.Name).toBe('always');
    expect(info.HostConfig.PortBindings['5000/tcp']).toEqual([expect.objectContaining({ HostPort: String(port) })]);
    expect(info.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: volume, Destination: '/var/lib/registry' })]);
    expect(info.Config.Labels).toMatchObject({ 'dev.multiarch-lab.managed': 'true', 'dev.multiarch-lab.role': 'registry', 'dev.multiarch-lab.test': 'registry' });
    const { stdout: volLabels } = await docker(['volume', 'inspect', '--format', '{{json .Labels}}', volume]);
    expect(JSON.parse(volLabels)).toMatchObject({ 'dev.multiarch-lab.managed': 'true', 'dev.multiarch-lab.role': 'registry' });

    // what a user checks first: the v2 API answers on the published port
    const res = await fetch(`http://127.0.0.1:${port}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');

    // the task showed each step with its docker equivalent
    const final = tasks.filter((t) => t.kind === 'registry:up' && t.state === 'succeeded').at(-1)!;
    expect(final.steps.map((s) => [s.id, s.state])).toEqual([
      ['find', 'done'], ['image', 'done'], ['port', 'done'], ['volume', 'done'], ['run', 'done'], ['health', 'done'],
    ]);
    expect(final.steps.find((s) => s.id === 'run')!.command).toEqual([
      'docker', 'run', '-d', '-p', `${port}:5000`, '--restart=always', '--name', name, '-v', `${volume}:/var/lib/registry`,
      '--label', LABEL, '--label', 'dev.multiarch-lab.managed=true', '--label', 'dev.multiarch-lab.role=registry', 'registry:2',
    ]);

    // the engine watch saw the container come up, so views can refetch without polling
    await waitUntil('an engine:changed event for the new container', () => changes.some((c) => c.type === 'container' && c.name === name));
  });

  it('status shows a pushed image: running, restart always, healthy, one repository, bytes on the volume', async () => {
    await pushSeed(`localhost:${port}`, 'lab/busybox');
    const status = await core.call('registry:status', { name });
    if (!status.exists) throw new Error('status says the registry does not exist');
    expect(status).toMatchObject({ state: 'running', running: true, restartPolicy: 'always', address: `localhost:${port}`, port, repositories: 1, isRegistry: true, managed: true });
    expect(status.health).toMatchObject({ ok: true, status: 200, apiVersionHeader: 'registry/2.0' });
    expect(status.volume?.name).toBe(volume);
    expect(status.volume?.sizeBytes).toBeGreaterThan(100_000);
  });

  it('a second up with the same name adopts the running registry and creates nothing', async () => {
    const again = await core.call('registry:up', { name, port, volume });
    expect(again).toMatchObject({ adopted: true, started: false, containerId, healthy: true });
    expect(again.message).toMatch(/Adopted the existing registry container/);
    expect(await containersNamed(name)).toEqual([name]);
  });

  it('up adopts and starts a stopped registry', async () => {
    await docker(['stop', name]);
    const again = await core.call('registry:up', { name });
    expect(again).toMatchObject({ adopted: true, started: true, containerId, healthy: true, address: `localhost:${port}` });
    // the settings say port 5000 and volume registry_data: the adopted one differs, and says so
    expect(again.notes.join(' ')).toMatch(new RegExp(`publishes port ${port}, not 5000`));
    expect(await catalog(port)).toEqual(['lab/busybox']);
  });

  it('refuses a name held by a container that is not a registry', async () => {
    const other = `${PREFIX}-busybox`;
    await docker(['run', '-d', '--label', LABEL, '--name', other, SEED_IMAGE, 'sleep', '300']);
    const error = await expectAppError(core.call('registry:up', { name: other, port: await freeHostPort(), volume: `${PREFIX}-unused` }), 'conflict');
    expect(error.message).toContain(other);
    expect(error.message).toContain(SEED_IMAGE);
    expect(error.hint).toMatch(/--name/);
    // untouched: still one container of that name, still busybox, still running
    expect(await containersNamed(other)).toEqual([other]);
    const info = await inspect(other);
    expect(info.Config.Image).toBe(SEED_IMAGE);
    expect(info.State.Running).toBe(true);
    expect(await volumeExists(`${PREFIX}-unused`)).toBe(false);
    // the other channels refuse it too
    await expectAppError(core.call('registry:down', { name: other }), 'conflict');
  });

  it('refuses a port a process holds, naming the process and offering a free port', async () => {
    const server = net.createServer();
    const held = await new Promise<number>((resolve) => server.listen(0, '0.0.0.0', () => resolve((server.address() as net.AddressInfo).port)));
    try {
      const blocked = `${PREFIX}-blocked`;
      const error = await expectAppError(core.call('registry:up', { name: blocked, port: held, volume: `${PREFIX}-blocked-data` }), 'port-taken');
      expect(error.message).toContain(`Port ${held}`);
      expect(error.message).toContain(`pid ${process.pid}`);
      const suggested = (error.details as { suggestedPort: number }).suggestedPort;
      expect(suggested).toBeGreaterThan(held);
      expect(error.hint).toContain(`multiarch-lab registry up --port ${suggested}`);
      // the suggested port really is free
      const probe = net.createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(suggested, '0.0.0.0', () => resolve());
      });
      await new Promise((r) => probe.close(r));
      expect(await containersNamed(blocked)).toEqual([]);
      expect(await volumeExists(`${PREFIX}-blocked-data`)).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses a port another container publishes, naming that container', async () => {
    const error = await expectAppError(core.call('registry:up', { name: `${PREFIX}-second`, port, volume: `${PREFIX}-second-data` }), 'port-taken');
    expect(error.message).toContain(`the container "${name}"`);
    // that container is a registry: the hint offers to use it
    expect(error.hint).toContain(`--name ${name}`);
    expect(await containersNamed(`${PREFIX}-second`)).toEqual([]);
  });

  it('stop and start keep the data; while stopped the volume can still be measured', async () => {
    const stopped = await core.call('registry:stop', { name });
    expect(stopped).toMatchObject({ changed: true, state: 'exited' });
    const status = await core.call('registry:status', { name });
    expect(status).toMatchObject({ exists: true, running: false, state: 'exited', health: null });
    await expect(fetch(`http://127.0.0.1:${port}/v2/`)).rejects.toThrow();

    const usage = await core.call('registry:volume-usage', { name });
    expect(usage).toMatchObject({ volume, exists: true, repositories: ['lab/busybox'], repositoriesFrom: 'volume-folder', usedBy: [] });
    expect(usage.sizeBytes).toBeGreaterThan(100_000);

    expect(await core.call('registry:stop', { name })).toMatchObject({ changed: false });
    const started = await core.call('registry:start', { name });
    expect(started).toMatchObject({ changed: true, state: 'running', healthy: true });
    expect(await catalog(port)).toEqual(['lab/busybox']);
  });

  it('garbage collection runs inside the container', async () => {
    const gc = await core.call('registry:gc', { name, dryRun: true });
    expect(gc.exitCode).toBe(0);
    expect(gc.command).toEqual(['docker', 'exec', name, '/bin/registry', 'garbage-collect', '--dry-run', '/etc/docker/registry/config.yml']);
    // the status shows the same command (read from this container) that the button then runs
    const status = await core.call('registry:status', { name });
    expect(status.exists && status.gcCommand).toEqual(gc.command.filter((a) => a !== '--dry-run'));
    // the index, three manifests, three configs and three layers are in use
    expect(gc.blobsMarked).toBe(10);
    expect(gc.output).toContain('lab/busybox: marking manifest');
  });

  it('a missing image fails the pull with a message that names it, and creates nothing', async () => {
    const missing = `${PREFIX}-missing`;
    const error = await expectAppError(core.call('registry:up', { name: missing, port: await freeHostPort(), volume: `${PREFIX}-missing-data`, image: MISSING_IMAGE }), 'pull-failed');
    expect(error.message).toContain(MISSING_IMAGE);
    expect(error.hint).toMatch(/docker load/);
    const failed = tasks.filter((t) => t.kind === 'registry:up' && t.state === 'failed').at(-1)!;
    expect(failed.steps.find((s) => s.id === 'image')).toMatchObject({ state: 'failed', command: ['docker', 'pull', MISSING_IMAGE] });
    expect(failed.error?.code).toBe('pull-failed');
    expect(await containersNamed(missing)).toEqual([]);
    expect(await volumeExists(`${PREFIX}-missing-data`)).toBe(false);
  });

  it('down without the volume keeps it, and the next up serves the same images', async () => {
    const down = await core.call('registry:down', { name });
    expect(down).toMatchObject({ removedContainer: true, volume, removedVolume: false, lost: null });
    expect(await containersNamed(name)).toEqual([]);
    expect(await volumeExists(volume)).toBe(true);

    const up = await core.call('registry:up', { name, port, volume });
    expect(up).toMatchObject({ adopted: false, healthy: true });
    const final = tasks.filter((t) => t.kind === 'registry:up' && t.state === 'succeeded').at(-1)!;
    expect(final.steps.find((s) => s.id === 'volume')?.state).toBe('skipped');
    expect(await catalog(port)).toEqual(['lab/busybox']);
  });

  it('down with removeVolume removes it and says what went with it', async () => {
    const down = await core.call('registry:down', { name, removeVolume: true });
    expect(down).toMatchObject({ removedContainer: true, volume, removedVolume: true });
    expect(down.lost).toMatchObject({ volume, exists: true, repositories: ['lab/busybox'], repositoriesFrom: 'registry' });
    expect(down.lost?.sizeBytes).toBeGreaterThan(100_000);
    expect(down.message).toMatch(/Removed the volume .* 1 repository/);
    expect(await volumeExists(volume)).toBe(false);
    expect(await core.call('registry:status', { name })).toMatchObject({ exists: false, hint: expect.stringContaining('registry up') });
  });
});

describe('an image that is not here yet', () => {
  it('is pulled with byte progress before the registry starts', async () => {
    // a registry process stands in for Docker Hub: the registry image is pushed there and pulled back
    const source = await startRegistryProcess();
    const pushed = `${source.localhostAddress}/lab/registry:2`;
    const slow = await startSlowProxy(source.port);
    const image = `localhost:${slow.port}/lab/registry:2`;
    const name = `${PREFIX}-pulled`;
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'mal-reg-layer-'));
    try {
      // a layer of random bytes the engine has never seen, so the pull really downloads something
      await writeFile(path.join(scratch, 'noise'), randomBytes(3_000_000));
      const builder = `${PREFIX}-commit`;
      await docker(['create', '--label', LABEL, '--name', builder, 'registry:2']);
      await docker(['cp', path.join(scratch, 'noise'), `${builder}:/noise`]);
      await docker(['commit', builder, pushed]);
      await docker(['rm', '-v', builder]);
      await docker(['push', pushed]);
      await docker(['image', 'rm', pushed]);
      const seen = tasks.length;
      const up = await core.call('registry:up', { name, port: await freeHostPort(), volume: `${name}-data`, image });
      expect(up).toMatchObject({ pulled: true, healthy: true, image });
      const mine = tasks.slice(seen).filter((t) => t.kind === 'registry:up');
      const bytes = mine.map((t) => t.progress).filter((p) => p?.unit === 'bytes');
      expect(bytes.length).toBeGreaterThan(0);
      const last = bytes.at(-1)!;
      expect(last.total).toBeGreaterThan(3_000_000);
      expect(last.current).toBe(last.total);
      // and on the way there, part of it
      expect(bytes.some((p) => p!.total !== undefined && p!.current > 0 && p!.current < p!.total)).toBe(true);
      expect(mine.at(-1)!.steps.find((s) => s.id === 'image')).toMatchObject({ state: 'done', detail: 'pulled' });
    } finally {
      await docker(['rm', '-f', '-v', name]).catch(() => undefined);
      await docker(['image', 'rm', image]).catch(() => undefined);
      await docker(['image', 'rm', pushed]).catch(() => undefined);
      await slow.close();
      await source.stop();
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe('a registry with deletes enabled', () => {
  const name = `${PREFIX}-del`;

  it('deletes a manifest through the API, and garbage collection then frees its blobs', async () => {
    const port = await freeHostPort();
    const up = await core.call('registry:up', { name, port, volume: `${name}-data`, deleteEnabled: true });
    expect(up).toMatchObject({ deleteEnabled: true, healthy: true });
    expect((await inspect(name)).Config.Env).toContain('REGISTRY_STORAGE_DELETE_ENABLED=true');
    expect(await core.call('registry:status', { name })).toMatchObject({ deleteEnabled: true });

    await pushSeed(`localhost:${port}`, 'lab/deleteme');
    await core.call('registry:delete', { reference: `localhost:${port}/lab/deleteme:1` });
    const gc = await core.call('registry:gc', { name, deleteUntagged: true });
    expect(gc.blobsMarked).toBe(0);
    expect(gc.blobsEligible).toBeGreaterThan(0);
    const tags = await fetch(`http://127.0.0.1:${port}/v2/lab/deleteme/tags/list`);
    expect(((await tags.json()) as { tags: string[] | null }).tags ?? []).toEqual([]);
  });
});

describe('input checks', () => {
  it('rejects malformed input before touching the engine', async () => {
    const bad = [
      ['registry:up', { port: 70000 }],
      ['registry:up', { name: 'has space' }],
      ['registry:up', { image: 'no spaces allowed' }],
      ['registry:up', { extra: true }],
      ['registry:down', { removeVolume: 'yes' }],
      ['registry:gc', { name: '../etc' }],
    ] as const;
    for (const [channel, input] of bad) {
      const envelope = await core.dispatch(channel, input);
      expect(envelope.ok, `${channel} ${JSON.stringify(input)}`).toBe(false);
      if (!envelope.ok) expect(envelope.error.code).toBe('invalid-input');
    }
  });
});
