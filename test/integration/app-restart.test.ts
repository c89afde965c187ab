/**
 * The browser-mode app restarts (the server process goes away, a new one starts on the same data folder): it
 * finds the registry and the builder it created and the run history, through the same WebSocket API the page uses,
 * without being told their names again. Everything carries the test label or this run's name prefix and is
 * removed in afterAll, whatever happened.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCore, type Core } from '../../core/app.js';
import type { ApiClient } from '../../renderer/src/api/types.js';
import { createWsClient, type SocketLike } from '../../renderer/src/api/ws-client.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { removeTestResources } from '../helpers/engine.js';
import { freePort, pushSeedImage } from '../helpers/registry-process.js';
import { removeImagesFrom } from '../helpers/run-images.js';

const execFileAsync = promisify(execFile);
const suffix = randomBytes(4).toString('hex');
const LABEL_VALUE = `app-restart-${suffix}`;
const LABEL = `dev.multiarch-lab.test=${LABEL_VALUE}`;
const PREFIX = `mal-test-restart-${suffix}`;
const REGISTRY = `${PREFIX}-registry`;
const VOLUME = `${PREFIX}-data`;
const BUILDER = `mal-test-bld-${suffix}-restart`;

interface App {
  core: Core;
  server: RunningServer;
  api: ApiClient;
  close(): Promise<void>;
}

let root: string;
let dataDir: string;
let port: number;

/** What `multiarch-lab serve` does, in-process: a core on the data folder and the server over it; then a page's client. */
async function startApp(): Promise<App> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `/usr/bin:${process.env.PATH ?? ''}`,
    MULTIARCH_LAB_DATA_DIR: dataDir,
    MULTIARCH_LAB_RESOURCE_LABELS: LABEL,
  };
  delete env.DOCKER_HOST;
  const core = createCore({ mode: 'browser', dataDir, env });
  const server = await startServer({ core, port: 0, staticDir: path.join(root, 'site') });
  const api = createWsClient({
    url: `ws://127.0.0.1:${server.port}/ws`,
    createSocket: (url) =>
      new WebSocket(url, { headers: { Origin: `http://127.0.0.1:${server.port}`, Cookie: `multiarch_lab_token_${server.port}=${server.token}` } }) as unknown as SocketLike,
  });
  return {
    core,
    server,
    api,
    close: async () => {
      api.close();
      await server.close();
      await core.close();
    },
  };
}

let first: App | undefined;
let second: App | undefined;
let runId: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mal-app-restart-'));
  dataDir = path.join(root, 'data');
  port = await freePort();
});

afterAll(async () => {
  await first?.close().catch(() => undefined);
  await second?.close().catch(() => undefined);
  await execFileAsync('/usr/bin/docker', ['buildx', 'rm', BUILDER]).catch(() => undefined);
  await removeTestResources(LABEL, PREFIX);
  await removeImagesFrom(`localhost:${port}`).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}, 120_000);

describe('a restart of the browser-mode app', () => {
  it('before: the app sets up a registry and a builder of its own and records a run', async () => {
    first = await startApp();
    const { api } = first;
    await api.invoke('settings:update', { registry: { name: REGISTRY, port, volume: VOLUME }, builder: { name: BUILDER } });

    const up = await api.invoke('registry:up', {});
    expect(up).toMatchObject({ name: REGISTRY, port, volume: VOLUME, healthy: true, adopted: false });

    const created = await api.invoke('builder:create', { bootstrap: false, use: false });
    expect(created.builder.name).toBe(BUILDER);

    const target = `localhost:${port}/lab/restart:1`;
    await pushSeedImage(target);
    const matrix = await api.invoke('runs:start', { reference: target, platforms: ['linux/amd64', 'linux/arm64'], command: ['uname', '-m'] });
    expect(matrix.summary).toEqual({ passed: 2, failed: 0, unverified: 0 });
    runId = matrix.id;
    expect(await readdir(path.join(dataDir, 'runs'))).toContain(`${runId}.json`);

    await first.close();
    first = undefined;
  });

  it('after: a new server on the same data folder finds the registry, the builder and the history', async () => {
    expect(runId, 'the first part must have run').toBeTruthy();
    second = await startApp();
    const { api } = second;

    // no names given: the app knows them from its own settings
    const status = await api.invoke('registry:status', {});
    if (!status.exists) throw new Error(`the registry was not found after the restart: ${status.message}`);
    expect(status).toMatchObject({ name: REGISTRY, running: true, managed: true, port, restartPolicy: 'always', health: { ok: true }, repositories: 1 });
    expect(status.volume?.name).toBe(VOLUME);

    const again = await api.invoke('registry:up', {});
    expect(again).toMatchObject({ name: REGISTRY, adopted: true, healthy: true });

    const builders = await api.invoke('builder:list', {});
    const mine = builders.builders.find((b) => b.name === BUILDER);
    expect(mine, `builders: ${builders.builders.map((b) => b.name).join(', ')}`).toBeDefined();
    expect(mine?.driver).toBe('docker-container');
    expect(mine?.nodes[0]?.driverOptions).toEqual({ network: 'host' });

    const runs = await api.invoke('runs:list', {});
    expect(runs.map((r) => r.id)).toContain(runId);
    const run = await api.invoke('runs:get', { id: runId });
    expect(run.runs.map((r) => [r.platform, r.printed, r.result])).toEqual([
      ['linux/amd64', 'x86_64', 'pass'],
      ['linux/arm64', 'aarch64', 'pass'],
    ]);

    // and it can still take them down
    const removed = await api.invoke('builder:remove', { name: BUILDER });
    expect(removed.name).toBe(BUILDER);
    const down = await api.invoke('registry:down', { removeVolume: true });
    expect(down).toMatchObject({ removedContainer: true, removedVolume: true });
  });
});
