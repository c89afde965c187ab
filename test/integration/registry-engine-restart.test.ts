/**
 * Data survives an engine restart: dockerd is stopped with SIGTERM and started again; the registry comes
 * back by its restart policy with the image still in it, and the engine watch reports the outage and the
 * reconnection. This briefly takes the engine away from every other test: it is kept to one test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import type { EventMap } from '../../core/contract/events.js';
import { pingEngine, removeTestResources, restartEngine, startEngine, uniqueName } from '../helpers/engine.js';
import { docker, freePort, pushSeedImage } from '../helpers/registry-process.js';
import { waitFor } from '../helpers/wait.js';

const LABEL = 'dev.multiarch-lab.test=registry';
const PREFIX = uniqueName('mal-test-reg-restart');

let core: Core;
let dataDir: string;
const statuses: Array<EventMap['engine:status']> = [];
const changes: Array<EventMap['engine:changed']> = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-reg-restart-'));
  core = createCore({ mode: 'cli', dataDir, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_RESOURCE_LABELS: LABEL } });
  core.events.on('engine:status', (s) => statuses.push(s));
  core.events.on('engine:changed', (c) => changes.push(c));
});

afterAll(async () => {
  await core?.close();
  // If the restart failed half-way, bring the engine back for whoever runs next. Start it (a restart would
  // first try to stop a dockerd that may not be there), and let a failure to start fail this file loudly.
  if (!(await pingEngine())) await startEngine();
  await removeTestResources(LABEL, PREFIX);
  await rm(dataDir, { recursive: true, force: true });
}, 300_000);

describe('an engine restart', () => {
  it('keeps the registry and its images: it comes back by itself, and the watch sees the engine go and return', async () => {
    const name = `${PREFIX}-r`;
    const port = await freePort();
    const up = await core.call('registry:up', { name, port, volume: `${name}-data` });
    expect(up.healthy).toBe(true);
    const target = `localhost:${port}/lab/survivor:1`;
    const { digest } = await pushSeedImage(target);
    const before = await core.call('registry:status', { name });
    if (!before.exists) throw new Error('the registry is missing before the restart');

    core.startEngineWatch();
    // the watch is connected once the engine's own events reach us
    await docker(['volume', 'create', '--label', LABEL, `${PREFIX}-ping`]);
    await waitFor('the watch to see an event', () => (changes.some((c) => c.name === `${PREFIX}-ping`) ? true : undefined), 10_000);

    await restartEngine();

    await waitFor('engine:status unreachable', () => (statuses.some((s) => !s.reachable) ? true : undefined), 30_000);
    await waitFor('engine:status reachable again', () => (statuses.at(-1)?.reachable === true ? true : undefined), 60_000);
    await waitFor('the reconnection to be announced', () => (changes.some((c) => c.type === 'engine' && c.action === 'reconnected') ? true : undefined), 30_000);

    // the restart policy brings the registry back without anyone asking
    await waitFor(
      'the registry to answer again',
      async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) });
          return res.status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
    );
    const manifest = await fetch(`http://127.0.0.1:${port}/v2/lab/survivor/manifests/1`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json' },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('docker-content-digest')).toBe(digest);

    const after = await core.call('registry:status', { name });
    if (!after.exists) throw new Error('the registry is missing after the restart');
    expect(after).toMatchObject({ running: true, restartPolicy: 'always', repositories: 1, health: { ok: true } });
    expect(after.startedAt).not.toBe(before.startedAt);
    expect(after.volume?.sizeBytes).toBe(before.volume?.sizeBytes);
  }, 300_000);
});
