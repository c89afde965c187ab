/**
 * The one product retry: an old-school build:run pushes each platform with `docker push`, and pushes that meet a
 * registry 5xx are repeated once (pushes of several platforms into one repository at once can meet a registry
 * answering 500 while another commits a shared blob; a push is safe to repeat). Here a proxy in front of the real
 * registry answers 500 to the per-platform manifest PUT of linux/amd64: once, and the build succeeds, says in its
 * log that it pushed again, and the pushed index is whole; every time, and the build fails saying it tried twice,
 * with no join, list push or read-back reported done.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BuildLogEvent } from '../../core/contract/build.js';
import { AppError } from '../../core/contract/errors.js';
import type { TaskSnapshot } from '../../core/contract/tasks.js';
import { createCore, type Core } from '../../core/index.js';
import { docker, SEED_IMAGE, startRegistryProcess, type RegistryProcess } from '../helpers/registry-process.js';
import { walkImage } from '../helpers/registry-walk.js';

const TWO = ['linux/amd64', 'linux/arm64'];
const TEST_LABELS = { 'dev.multiarch-lab.test': 'build-push-retry' };

interface FaultProxy {
  port: number;
  /** How many more manifest PUTs of a `-amd64` tag get a 500. */
  failures: number;
  /** Manifest PUTs seen per tag, answered or not. */
  puts: Map<string, number>;
  close(): Promise<void>;
}

/** Forwards everything to the registry (Host kept, so upload locations come back through here), except the injected 500s. */
async function startFaultProxy(target: RegistryProcess): Promise<FaultProxy> {
  const proxy: FaultProxy = { port: 0, failures: 0, puts: new Map(), close: async () => undefined };
  const server = http.createServer((req, res) => {
    const manifestPut = req.method === 'PUT' ? /\/manifests\/([^/?]+)$/.exec(req.url ?? '') : null;
    if (manifestPut) {
      const tag = manifestPut[1]!;
      proxy.puts.set(tag, (proxy.puts.get(tag) ?? 0) + 1);
      if (tag.endsWith('-amd64') && proxy.failures > 0) {
        proxy.failures--;
        req.resume();
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected by the test proxy' }] }));
        return;
      }
    }
    const upstream = http.request({ host: '127.0.0.1', port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  proxy.close = () => new Promise((r) => server.close(() => r()));
  return proxy;
}

let registry: RegistryProcess;
let proxy: FaultProxy;
let core: Core;
let work: string;
let dir: string;
const localImages = new Set<string>();

beforeAll(async () => {
  registry = await startRegistryProcess();
  proxy = await startFaultProxy(registry);
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-push-retry-'));
  core = createCore({ mode: 'cli', dataDir: path.join(work, 'data'), env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` } });
  dir = path.join(work, 'project');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'stamp.txt'), randomBytes(16).toString('hex'));
  await writeFile(path.join(dir, 'Dockerfile'), `FROM ${SEED_IMAGE}\nCOPY stamp.txt /stamp.txt\n`);
});

afterAll(async () => {
  await core?.close();
  for (const image of localImages) await docker(['image', 'rm', image]).catch(() => undefined);
  await proxy?.close();
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

function record(c: Core) {
  const notes: BuildLogEvent['lines'] = [];
  const tasks: TaskSnapshot[] = [];
  const offs = [
    c.events.on('build:log', (e) => notes.push(...e.lines.filter((l) => l.stream === 0))),
    c.events.on('task:update', (t) => {
      if (t.kind === 'build') tasks.push(t);
    }),
  ];
  return { notes, tasks, stop: () => offs.forEach((off) => off()) };
}

describe('old-school build:run meets a registry 500 on a push', () => {
  test('once: the push is repeated, the log says so, and the index is whole', async () => {
    const tag = `localhost:${proxy.port}/lab/retry:once`;
    localImages.add(tag).add(`${tag}-amd64`).add(`${tag}-arm64`);
    proxy.failures = 1;
    const seen = record(core);
    const result = await core.call('build:run', { context: dir, platforms: TWO, tag, mode: 'old-school', labels: TEST_LABELS });
    seen.stop();
    expect(proxy.failures).toBe(0);
    expect(proxy.puts.get('once-amd64')).toBeGreaterThanOrEqual(2);
    expect(seen.notes.map((l) => l.text)).toContain(`docker push ${tag}-amd64 met a registry error; trying once more.`);
    expect(result.platforms).toEqual(TWO);
    const walked = await walkImage(registry.url, 'lab/retry', 'once');
    expect(walked).toMatchObject({ digest: result.digest, platforms: TWO });
  });

  test('every time: the build fails saying it tried twice, and nothing after the pushes is reported done', async () => {
    const tag = `localhost:${proxy.port}/lab/retry:always`;
    localImages.add(tag).add(`${tag}-amd64`).add(`${tag}-arm64`);
    proxy.failures = 1_000;
    const seen = record(core);
    const error = await core.call('build:run', { context: dir, platforms: TWO, tag, mode: 'old-school', labels: TEST_LABELS }).then(
      () => undefined,
      (e: unknown) => e,
    );
    seen.stop();
    proxy.failures = 0;
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.code).toBe('registry-error');
    expect(e.message).toMatch(new RegExp(`^docker push ${tag}-amd64 failed twice: .*500 Internal Server Error`));
    const task = seen.tasks.at(-1)!;
    expect(task.state).toBe('failed');
    expect(task.steps.find((s) => s.id === 'push:linux/amd64')?.state).not.toBe('done');
    for (const id of ['join', 'push-list', 'verify']) expect(task.steps.find((s) => s.id === id)?.state, id).not.toBe('done');
    const res = await fetch(`${registry.url}/v2/lab/retry/manifests/always`, { method: 'HEAD' });
    expect(res.status).toBe(404);
  });
});
