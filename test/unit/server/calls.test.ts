/**
 * Call ids and the cancel message over the real browser-mode server: started in-process, reached with
 * the renderer's own WebSocket client over a real socket (the `ws` package), with a core whose engine is
 * a socket that never answers, so a call is surely still probing when it is cancelled.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, onTestFinished, test } from 'vitest';
import WebSocket from 'ws';
import type { AppError} from '../../../core/contract/index.js';
import { newCallId, type Envelope, type TaskSnapshot } from '../../../core/contract/index.js';
import type { Core } from '../../../core/app.js';
import { createWsClient, type SocketLike } from '../../../renderer/src/api/ws-client.js';
import type { ApiClient } from '../../../renderer/src/api/types.js';
import { hungEngine, type HungEngine } from '../../helpers/hung-engine.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

let root: string;
let project: string;
let hung: HungEngine;
let server: TestServer;
let answers: Array<{ channel: string; envelope: Envelope }>;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-ws-calls-'));
  project = path.join(root, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /\n');
  hung = await hungEngine();
  server = await startTestServer({ env: { DOCKER_HOST: hung.endpoint, DOCKER_CONTEXT: '' } });
  // note each envelope when the core itself answers, before it goes back over the socket
  const dispatch: Core['dispatch'] = server.core.dispatch;
  server.core.dispatch = async (channel, input, ctx) => {
    const envelope = await dispatch(channel, input, ctx);
    answers.push({ channel, envelope });
    return envelope;
  };
});

afterAll(async () => {
  await server?.close();
  await hung?.close();
  await rm(root, { recursive: true, force: true });
});

describe('calls over the WebSocket server', () => {
  let api: ApiClient;
  let updates: TaskSnapshot[];
  let offUpdates: () => void;

  beforeEach(async () => {
    answers = [];
    api = createWsClient({
      url: server.wsUrl,
      createSocket: (url) => new WebSocket(url, { headers: { Origin: server.origin, Cookie: `multiarch_lab_token_${server.port}=${server.token}` } }) as unknown as SocketLike,
    });
    await api.invoke('app:info', {});
    updates = [];
    offUpdates = server.core.events.on('task:update', (t) => updates.push(t));
  });

  afterEach(() => {
    offUpdates();
    api.close();
  });

  test('a build cancelled while it still probes the engine rejects at once, and the core stops before any task exists', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const order: string[] = [];
    const call = api.invoke('build:run', { context: project, platforms: ['linux/amd64'], tag: 'localhost:5999/cancel-test:1' }, { signal: controller.signal }).then(
      () => order.push('caller resolved'),
      (error: unknown) => {
        order.push(answers.some((a) => a.channel === 'build:run') ? 'caller rejected after the core answered' : 'caller rejected');
        return error;
      },
    );
    await expect.poll(() => hung.connections).toBeGreaterThan(0);
    controller.abort();
    const error = await call;
    expect(order).toEqual(['caller rejected']);
    expect((error as AppError).code).toBe('cancelled');

    await expect.poll(() => answers.find((a) => a.channel === 'build:run')).toBeTruthy();
    const answer = answers.find((a) => a.channel === 'build:run')!.envelope;
    expect(!answer.ok && answer.error.code).toBe('cancelled');
    // well before the engine probe would have given up by itself (2.5 s)
    expect(Date.now() - started).toBeLessThan(2000);
    expect(updates.filter((t) => t.kind === 'build')).toEqual([]);
  });

  test('a task started by a call carries that call\u2019s id, and cancelling the call cancels the task', async () => {
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      for (const socket of held) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const port = (silent.address() as net.AddressInfo).port;
    const seen: TaskSnapshot[] = [];
    const off = api.on('task:update', (t) => seen.push(t));
    onTestFinished(off);

    const callId = newCallId();
    const controller = new AbortController();
    const run = api.invoke('runs:start', { reference: `127.0.0.1:${port}/silent:1` }, { signal: controller.signal, callId }).catch((e: unknown) => e);
    // what the page receives over the socket carries the id it chose
    await expect.poll(() => seen.filter((t) => t.callId === callId).at(-1)?.steps.find((s) => s.id === 'inspect')?.state).toBe('running');
    const task = seen.find((t) => t.callId === callId)!;
    expect(task.kind).toBe('runs');
    controller.abort();
    expect(((await run) as AppError).code).toBe('cancelled');
    await expect.poll(() => seen.filter((t) => t.id === task.id).at(-1)?.state).toBe('cancelled');
  });

  test('a cancel naming a call that is not running cancels nothing; closing the socket cancels what it started', async () => {
    const ws = new WebSocket(server.wsUrl, { headers: { Origin: server.origin, Cookie: `multiarch_lab_token_${server.port}=${server.token}` } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'invoke', id: 'c-raw-1', channel: 'doctor:report', input: {} }));
    await expect.poll(() => hung.connections).toBeGreaterThan(0);
    ws.send(JSON.stringify({ type: 'cancel', id: 'c-raw-2' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answers.find((a) => a.channel === 'doctor:report')).toBeUndefined();
    ws.close();
    await expect.poll(() => answers.find((a) => a.channel === 'doctor:report')).toBeTruthy();
    const answer = answers.find((a) => a.channel === 'doctor:report')!.envelope;
    expect(!answer.ok && answer.error.code).toBe('cancelled');
  });
});
