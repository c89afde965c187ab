/**
 * The Electron IPC adapter end to end without an Electron binary: the renderer's IPC client, the real
 * preload script, the adapter's handlers (fake ipcMain, fake window as the sender) and a real core whose
 * engine is a socket that never answers, so a call is surely still probing when it is cancelled.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, onTestFinished, test } from 'vitest';
import { createCore, type Core } from '../../../core/app.js';
import { AppError, newCallId, type Envelope, type TaskSnapshot } from '../../../core/contract/index.js';
import { CANCEL_CHANNEL, INVOKE_CHANNEL } from '../../../electron/main/invoke-handler.js';
import { createIpcBinding, type IpcBinding } from '../../../electron/main/ipc-binding.js';
import { createIpcClient } from '../../../renderer/src/api/ipc-client.js';
import type { ApiClient } from '../../../renderer/src/api/types.js';
import { FakeIpcMain, fakeWindow, preloadFor, type FakeWindow } from '../../helpers/fake-electron.js';
import { hungEngine, type HungEngine } from '../../helpers/hung-engine.js';

let root: string;
let project: string;
let hung: HungEngine;
let core: Core;
let answers: Array<{ channel: string; envelope: Envelope }>;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-ipc-binding-'));
  project = path.join(root, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /\n');
  hung = await hungEngine();
  const dataDir = path.join(root, 'data');
  core = createCore({ mode: 'electron', dataDir, env: { ...process.env, DOCKER_HOST: hung.endpoint, DOCKER_CONTEXT: '', MULTIARCH_LAB_DATA_DIR: dataDir } });
});

afterAll(async () => {
  await core.close();
  await hung.close();
  await rm(root, { recursive: true, force: true });
});

describe('the Electron IPC adapter', () => {
  let ipc: FakeIpcMain;
  let window: FakeWindow;
  let binding: IpcBinding;
  let api: ApiClient;
  let updates: TaskSnapshot[];
  let offUpdates: () => void;

  beforeEach(async () => {
    ipc = new FakeIpcMain();
    answers = [];
    // the core's dispatch, with each envelope noted when the core itself answers
    const dispatch: Core['dispatch'] = async (channel, input, ctx) => {
      const envelope = await core.dispatch(channel, input, ctx);
      answers.push({ channel, envelope });
      return envelope;
    };
    binding = createIpcBinding(ipc, { dispatch, events: core.events });
    window = fakeWindow();
    binding.attachWindow(window);
    api = createIpcClient(await preloadFor(ipc, () => window.frame));
    updates = [];
    offUpdates = core.events.on('task:update', (t) => updates.push(t));
  });

  afterEach(() => {
    offUpdates();
    binding.dispose();
  });

  const buildInput = { context: '', platforms: ['linux/amd64'], tag: 'localhost:5999/cancel-test:1' };

  test('a build cancelled while it still probes the engine rejects at once, and the core stops before any task exists', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const order: string[] = [];
    const call = api.invoke('build:run', { ...buildInput, context: project }, { signal: controller.signal }).then(
      () => order.push('caller resolved'),
      (error: unknown) => {
        order.push(answers.some((a) => a.channel === 'build:run') ? 'caller rejected after the core answered' : 'caller rejected');
        return error;
      },
    );
    await expect.poll(() => hung.connections).toBeGreaterThan(0);
    const connectionsBefore = hung.connections;
    controller.abort();
    const error = await call;
    // the caller heard first, before the core's own answer came back over IPC
    expect(order).toEqual(['caller rejected']);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('cancelled');

    // the cancel message reached the core: the call's signal aborted the probe, which answers cancelled
    await expect.poll(() => answers.find((a) => a.channel === 'build:run')).toBeTruthy();
    const answer = answers.find((a) => a.channel === 'build:run')!.envelope;
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.error.code).toBe('cancelled');
    // well before the engine probe would have given up by itself (2.5 s)
    expect(Date.now() - started).toBeLessThan(2000);
    expect(hung.connections).toBe(connectionsBefore);
    // it never got as far as a task
    expect(updates.filter((t) => t.kind === 'build')).toEqual([]);
    expect((await api.invoke('tasks:list', {})).filter((t) => t.kind === 'build')).toEqual([]);
  });

  test('a task started by a call carries that call\u2019s id, and cancelling the call cancels the task', async () => {
    // a registry that accepts the connection and never answers keeps the run's first step waiting
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    onTestFinished(() => {
      for (const socket of held) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const callId = newCallId();
    const controller = new AbortController();
    const probe = api.invoke('runs:start', { reference: `127.0.0.1:${port}/silent:1` }, { signal: controller.signal, callId }).catch((e: unknown) => e);
    await expect.poll(() => updates.find((t) => t.kind === 'runs')).toBeTruthy();
    const task = updates.find((t) => t.kind === 'runs')!;
    expect(task.callId).toBe(callId);
    expect(task.state).toBe('running');
    await expect.poll(() => updates.filter((t) => t.id === task.id).at(-1)?.steps.find((s) => s.id === 'inspect')?.state).toBe('running');
    controller.abort();
    expect(((await probe) as AppError).code).toBe('cancelled');
    await expect.poll(() => updates.filter((t) => t.id === task.id).at(-1)?.state).toBe('cancelled');
    expect(updates.filter((t) => t.id === task.id).every((t) => t.callId === callId)).toBe(true);
  });

  test('a refused navigation (did-start-navigation, then will-navigate prevents it) leaves running calls alone', async () => {
    const slow = api.invoke('doctor:report', {}).then(
      (report) => ({ report }),
      (error: unknown) => ({ error }),
    );
    await expect.poll(() => hung.connections).toBeGreaterThan(0);
    // Electron's order for a link to another site: did-start-navigation first, then will-navigate, which the app refuses
    window.contents.emit('did-start-navigation', { url: 'https://example.com/', isMainFrame: true, isSameDocument: false });
    window.contents.emit('will-navigate', { preventDefault: () => undefined }, 'https://example.com/');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answers.find((a) => a.channel === 'doctor:report')).toBeUndefined();

    // a navigation that happened (a reload commits) leaves nobody to answer: the call is cancelled
    window.contents.emit('did-navigate', {}, window.frame.url, 200, 'OK');
    await expect.poll(() => answers.find((a) => a.channel === 'doctor:report')).toBeTruthy();
    const answer = answers.find((a) => a.channel === 'doctor:report')!.envelope;
    expect(!answer.ok && answer.error.code).toBe('cancelled');
    await slow;
  });

  test('a crashed or closed window cancels its calls', async () => {
    for (const gone of [() => window.contents.emit('render-process-gone', {}, { reason: 'crashed' }), () => window.close()]) {
      answers = [];
      const slow = api.invoke('doctor:report', {}).catch((e: unknown) => e);
      await expect.poll(() => answers.length === 0 && hung.connections > 0).toBe(true);
      gone();
      await expect.poll(() => answers.find((a) => a.channel === 'doctor:report')).toBeTruthy();
      const answer = answers.find((a) => a.channel === 'doctor:report')!.envelope;
      expect(!answer.ok && answer.error.code).toBe('cancelled');
      await slow;
    }
  });

  test('a cancel message from another frame, or naming another call, cancels nothing', async () => {
    const callId = newCallId();
    const slow = ipc.invoke(window.frame, INVOKE_CHANNEL, { type: 'invoke', id: callId, channel: 'doctor:report', input: {} }) as Promise<Envelope>;
    await expect.poll(() => hung.connections).toBeGreaterThan(0);
    ipc.send({ url: 'https://evil.example/', processId: 9, routingId: 4 }, CANCEL_CHANNEL, { type: 'cancel', id: callId });
    ipc.send(window.frame, CANCEL_CHANNEL, { type: 'cancel', id: 'c-someone-else' });
    ipc.send(window.frame, CANCEL_CHANNEL, { type: 'cancel', id: callId, extra: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answers).toEqual([]);
    ipc.send(window.frame, CANCEL_CHANNEL, { type: 'cancel', id: callId });
    const envelope = await slow;
    expect(!envelope.ok && envelope.error.code).toBe('cancelled');
  });

  test('refuses a second call under an id still running, and a message that is not a call', async () => {
    const callId = newCallId();
    const first = ipc.invoke(window.frame, INVOKE_CHANNEL, { type: 'invoke', id: callId, channel: 'doctor:report', input: {} }) as Promise<Envelope>;
    const second = (await ipc.invoke(window.frame, INVOKE_CHANNEL, { type: 'invoke', id: callId, channel: 'app:info', input: {} })) as Envelope;
    expect(!second.ok && second.error.code).toBe('invalid-input');
    expect(!second.ok && second.error.message).toMatch(/still running/);
    for (const bad of ['app:info', { type: 'invoke', id: 'has spaces', channel: 'app:info' }, { type: 'cancel', id: callId }]) {
      const refused = (await ipc.invoke(window.frame, INVOKE_CHANNEL, bad)) as Envelope;
      expect(!refused.ok && refused.error.code).toBe('invalid-input');
    }
    ipc.send(window.frame, CANCEL_CHANNEL, { type: 'cancel', id: callId });
    expect(((await first) as Envelope).ok).toBe(false);
  });

  test('dispose removes both handlers and cancels what still runs', async () => {
    const slow = api.invoke('doctor:report', {}).catch((e: unknown) => e);
    await expect.poll(() => hung.connections).toBeGreaterThan(0);
    binding.dispose();
    expect(ipc.handlers.size).toBe(0);
    expect(ipc.listeners.get(CANCEL_CHANNEL)?.size ?? 0).toBe(0);
    await expect.poll(() => answers.find((a) => a.channel === 'doctor:report')).toBeTruthy();
    await slow;
    binding = createIpcBinding(ipc, { dispatch: core.dispatch, events: core.events });
  });
});
