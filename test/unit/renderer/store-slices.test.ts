/**
 * The store slices themselves, outside Chromium: the renderer's real IPC client over a stand-in preload
 * bridge (each call answered by the test), so what is checked is how the slices call the core and what
 * they make of the answers and events.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError, type Envelope, type EventMap, type EventName, type TaskSnapshot } from '../../../core/contract/index.js';
import type { BuildCheckResult } from '../../../core/contract/build.js';
import type { RegistryStatus } from '../../../core/contract/registry-lifecycle.js';
import { createIpcClient } from '../../../renderer/src/api/ipc-client.js';
import type { PreloadBridge } from '../../../renderer/src/api/types.js';
import { createAppStore, type AppStore } from '../../../renderer/src/store/index.js';
import { watchBuild } from '../../../renderer/src/store/build-slice.js';
import { watchRegistry } from '../../../renderer/src/store/registry-slice.js';
import { taskOfCall } from '../../../renderer/src/store/tasks-slice.js';

interface Call {
  id: string;
  channel: string;
  input: unknown;
  answer(envelope: Envelope): void;
}

/** A preload bridge whose calls wait until the test answers them, and whose events the test sends. */
function fakeBridge() {
  const calls: Call[] = [];
  const cancelled: string[] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const bridge: PreloadBridge = {
    invoke: (id, channel, input) => new Promise<Envelope>((resolve) => calls.push({ id, channel, input, answer: resolve })),
    cancel: (id) => {
      cancelled.push(id);
    },
    on: (event, listener) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  return {
    bridge,
    calls,
    cancelled,
    emit<E extends EventName>(event: E, payload: EventMap[E]) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    pending: (channel: string) => calls.filter((c) => c.channel === channel),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const noRegistry: RegistryStatus = { exists: false, name: 'registry', message: 'There is no registry container named registry.', hint: 'Start one.' } as unknown as RegistryStatus;

function task(over: Partial<TaskSnapshot>): TaskSnapshot {
  return { id: 't-1', kind: 'build', title: 'Build', state: 'running', steps: [], startedAt: 1, ...over };
}

describe('the registry slice', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces refreshes: one status request at a time, and one more after it if asked meanwhile', async () => {
    const fake = fakeBridge();
    const store = createAppStore(createIpcClient(fake.bridge), 'registry');
    const refreshes = Array.from({ length: 5 }, () => store.getState().refreshRegistry());
    await flush();
    expect(fake.pending('registry:status')).toHaveLength(1);
    fake.pending('registry:status')[0]!.answer({ ok: true, result: noRegistry });
    await flush();
    fake.pending('registry:volume-usage')[0]?.answer({ ok: true, result: { exists: false } });
    await flush();
    // the four asked while the first was out are served by one more request, not four
    expect(fake.pending('registry:status')).toHaveLength(2);
    fake.pending('registry:status')[1]!.answer({ ok: true, result: noRegistry });
    await flush();
    fake.pending('registry:volume-usage')[1]?.answer({ ok: true, result: { exists: false } });
    await Promise.all(refreshes);
    expect(fake.pending('registry:status')).toHaveLength(2);
    expect(store.getState().registry.status).toEqual(noRegistry);
  });

  it('refetches once for a burst of engine events, and only while the Registry view is on screen', async () => {
    vi.useFakeTimers();
    const fake = fakeBridge();
    const api = createIpcClient(fake.bridge);
    const store = createAppStore(api, 'registry');
    const stop = watchRegistry(api, store.getState);
    for (let i = 0; i < 10; i++) fake.emit('engine:changed', { type: 'container', action: 'start', name: `c${i}` });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.pending('registry:status')).toHaveLength(1);

    store.getState().setView('build');
    fake.emit('engine:changed', { type: 'container', action: 'die' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.pending('registry:status')).toHaveLength(1);
    stop();
  });

  it('gives each action its own call id, which the task progress panel follows', async () => {
    const fake = fakeBridge();
    const store = createAppStore(createIpcClient(fake.bridge), 'registry');
    const up = store.getState().startRegistry({});
    await flush();
    const call = fake.pending('registry:up')[0]!;
    expect(store.getState().registry.busyCallId).toBe(call.id);
    // a registry:up task of someone else (the CLI, another window) started at the same moment is not ours
    store.getState().applyTaskUpdate(task({ id: 'theirs', kind: 'registry:up', callId: 'c-someone-else', startedAt: Date.now() }));
    store.getState().applyTaskUpdate(task({ id: 'ours', kind: 'registry:up', callId: call.id, startedAt: Date.now() - 60_000 }));
    expect(taskOfCall(store.getState().tasks, store.getState().registry.busyCallId)?.id).toBe('ours');
    call.answer({ ok: false, error: { code: 'port-taken', message: 'Port 5000 is taken.' } });
    await flush();
    fake.pending('registry:status')[0]?.answer({ ok: true, result: noRegistry });
    await flush();
    fake.pending('registry:volume-usage')[0]?.answer({ ok: true, result: { exists: false } });
    expect(await up).toBe(false);
    expect(store.getState().registry.actionError).toMatchObject({ action: 'up', code: 'port-taken' });
  });
});

describe('the build slice', () => {
  const check: BuildCheckResult = { context: '/p', dockerfile: '/p/Dockerfile', warnings: [] } as unknown as BuildCheckResult;

  async function startedBuild(): Promise<{ fake: ReturnType<typeof fakeBridge>; store: AppStore; stop: () => void; build: Promise<void> }> {
    const fake = fakeBridge();
    const api = createIpcClient(fake.bridge);
    const store = createAppStore(api, 'build');
    const stop = watchBuild(api, store.getState, store.setState);
    store.getState().setBuildDraft({ source: 'folder', folder: '/p', platforms: ['linux/amd64', 'linux/arm64'] });
    const build = store.getState().startBuild({ tag: 'localhost:5000/hello:1' });
    await flush();
    fake.pending('build:check')[0]!.answer({ ok: true, result: check });
    await flush();
    expect(fake.pending('build:run')).toHaveLength(1);
    return { fake, store, stop, build };
  }

  it('adopts the task that carries its call id, and only that task\u2019s logs and progress', async () => {
    const { fake, store, stop, build } = await startedBuild();
    const callId = fake.pending('build:run')[0]!.id;
    expect(store.getState().build.callId).toBe(callId);

    // another build (the CLI, a second window) started after ours, with no clock to tell them apart
    fake.emit('task:update', task({ id: 'theirs', callId: 'c-other', startedAt: Date.now() + 5 }));
    fake.emit('build:log', { taskId: 'theirs', lines: [{ stream: 1, text: 'not ours' }] });
    expect(store.getState().build.taskId).toBeNull();
    expect(store.getState().buildLog.length).toBe(0);

    fake.emit('task:update', task({ id: 'ours', callId, startedAt: Date.now() - 60_000 }));
    expect(store.getState().build.taskId).toBe('ours');
    fake.emit('build:log', { taskId: 'ours', lines: [{ stream: 1, text: 'ours' }] });
    fake.emit('build:log', { taskId: 'theirs', lines: [{ stream: 1, text: 'still not ours' }] });
    expect(store.getState().buildLog.length).toBe(1);
    fake.emit('build:progress', { taskId: 'theirs', mode: 'modern', platforms: [{ platform: 'linux/s390x', state: 'running', steps: [], finished: 0 }] });
    expect(store.getState().build.progress?.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    fake.emit('build:progress', { taskId: 'ours', mode: 'modern', platforms: [{ platform: 'linux/amd64', state: 'running', steps: [], finished: 0 }] });
    expect(store.getState().build.progress?.map((p) => p.platform)).toEqual(['linux/amd64']);
    fake.emit('task:update', task({ id: 'theirs', callId: 'c-other', state: 'failed' }));
    expect(store.getState().build.task?.id).toBe('ours');

    fake.pending('build:run')[0]!.answer({ ok: false, error: { code: 'command-failed', message: 'It failed.' } });
    await build;
    stop();
  });

  it('cancel ends the call at once and sends the cancel message for that call, even before a task exists', async () => {
    const { fake, store, stop, build } = await startedBuild();
    const callId = fake.pending('build:run')[0]!.id;
    expect(store.getState().build.taskId).toBeNull();
    await store.getState().cancelBuild();
    await build;
    expect(fake.cancelled).toEqual([callId]);
    expect(store.getState().build).toMatchObject({ running: false, cancelled: true, failure: null });
    // the core's own answer comes later and changes nothing
    fake.pending('build:run')[0]!.answer({ ok: false, error: { code: 'cancelled', message: 'Build was cancelled.' } });
    await flush();
    expect(store.getState().build).toMatchObject({ running: false, cancelled: true, failure: null });
    expect(fake.pending('tasks:cancel')).toEqual([]);
    stop();
  });
});

describe('the IPC client', () => {
  it('rejects a call at once when its signal aborts, and tells the core which call', async () => {
    const fake = fakeBridge();
    const api = createIpcClient(fake.bridge);
    const controller = new AbortController();
    const call = api.invoke('doctor:report', {}, { signal: controller.signal, callId: 'c-doctor-1' });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    expect(fake.cancelled).toEqual(['c-doctor-1']);
    // an already aborted signal never reaches the core
    await expect(api.invoke('app:info', {}, { signal: controller.signal })).rejects.toBeInstanceOf(AppError);
    expect(fake.calls.map((c) => c.channel)).toEqual(['doctor:report']);
  });
});

describe('the builder slice after a failed start', () => {
  it('removing that builder retires the notice that offered to start it again', async () => {
    const fake = fakeBridge();
    const store = createAppStore(createIpcClient(fake.bridge), 'builder');
    const created = store.getState().createBuilder({ name: 'mybuilder', use: true, bootstrap: true } as never);
    await flush();
    fake.pending('builder:create')[0]!.answer({
      ok: false,
      error: { code: 'pull-failed', message: 'The builder "mybuilder" was created but could not start. The current builder is still "default".', hint: 'start it again (docker buildx inspect --bootstrap mybuilder)' },
    });
    await flush();
    for (const c of fake.pending('builder:list')) c.answer({ ok: true, result: { builders: [] } });
    expect(await created).toBe(false);
    expect(store.getState().builders.createFailure?.builder).toBe('mybuilder');

    const removed = store.getState().removeBuilder('mybuilder');
    await flush();
    fake.pending('builder:remove')[0]!.answer({ ok: true, result: { name: 'mybuilder', removed: [], command: ['docker', 'buildx', 'rm', 'mybuilder'] } } as Envelope);
    await flush();
    for (const c of fake.pending('builder:list')) c.answer({ ok: true, result: { builders: [] } });
    expect(await removed).toBe(true);
    expect(store.getState().builders.createFailure).toBeNull();
  });
});
