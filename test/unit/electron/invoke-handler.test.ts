import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../../../core/app.js';
import { CallTracker } from '../../../core/calls.js';
import { UNAUTHORIZED_SENDER, createCancelHandler, createInvokeHandler } from '../../../electron/main/invoke-handler.js';
import { APP_ENTRY_URL, type AppWindowLike } from '../../../electron/main/security.js';

// The handler is driven with plain event objects (no Electron binary here) over the real core's dispatch.
describe('the IPC invoke handler', () => {
  let dataDir: string;
  let core: Core;
  const mainFrame = { url: APP_ENTRY_URL, processId: 3, routingId: 1 };
  const window: AppWindowLike = { isDestroyed: () => false, webContents: { mainFrame } };
  let dispatched: string[];
  let calls: CallTracker;
  let n = 0;
  const call = (channel: unknown, input: unknown) => ({ type: 'invoke', id: `c-test-${++n}`, channel, input });

  function handler() {
    return createInvokeHandler({
      dispatch: (channel, input, ctx) => {
        dispatched.push(channel);
        return core.dispatch(channel, input, ctx);
      },
      getWindow: () => window,
      calls,
    });
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-ipc-'));
    core = createCore({ mode: 'electron', dataDir, env: { ...process.env, MULTIARCH_LAB_DATA_DIR: dataDir } });
  });

  afterAll(async () => {
    await core.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('answers the app window through the core', async () => {
    dispatched = [];
    calls = new CallTracker();
    const envelope = await handler()({ senderFrame: mainFrame }, call('app:info', {}));
    expect(envelope.ok).toBe(true);
    expect(envelope.ok && envelope.result).toMatchObject({ mode: 'electron', dataDir });
  });

  test('lets the core reject malformed input', async () => {
    dispatched = [];
    calls = new CallTracker();
    const envelope = await handler()({ senderFrame: mainFrame }, call('tasks:cancel', { id: '../../etc' }));
    expect(envelope.ok).toBe(false);
    expect(!envelope.ok && envelope.error.code).toBe('invalid-input');
    const unknown = await handler()({ senderFrame: mainFrame }, call('no:such-channel', {}));
    expect(!unknown.ok && unknown.error.code).toBe('unknown-channel');
  });

  test.each([
    ['the main frame after it left the app', { url: 'https://evil.example/', processId: 3, routingId: 1 }],
    ['a frame from another page', { url: 'https://evil.example/', processId: 9, routingId: 4 }],
    ['a subframe of the app', { url: APP_ENTRY_URL, processId: 3, routingId: 2 }],
    ['no frame at all', null],
  ])('refuses %s without calling the core', async (_label, senderFrame) => {
    dispatched = [];
    calls = new CallTracker();
    const envelope = await handler()({ senderFrame }, call('app:info', {}));
    expect(envelope).toEqual(UNAUTHORIZED_SENDER);
    expect(!envelope.ok && envelope.error.code).toBe('unauthorized');
    expect(!envelope.ok && envelope.error.hint).toBeTruthy();
    expect(dispatched).toEqual([]);
  });

  test('refuses everything once the window is gone', async () => {
    dispatched = [];
    calls = new CallTracker();
    const gone = createInvokeHandler({ dispatch: core.dispatch, getWindow: () => null, calls });
    expect(await gone({ senderFrame: mainFrame }, call('app:info', {}))).toEqual(UNAUTHORIZED_SENDER);
    expect(createCancelHandler({ getWindow: () => null, calls })({ senderFrame: mainFrame }, { type: 'cancel', id: 'c-1' })).toBe(false);
  });

  test('gives every call its own signal and passes the call id to the core', async () => {
    calls = new CallTracker();
    const seen: Array<{ signal?: AbortSignal; callId?: string }> = [];
    const spy = createInvokeHandler({
      dispatch: (channel, input, ctx) => {
        seen.push({ ...(ctx?.signal ? { signal: ctx.signal } : {}), ...(ctx?.callId ? { callId: ctx.callId } : {}) });
        return core.dispatch(channel, input, ctx);
      },
      getWindow: () => window,
      calls,
    });
    await spy({ senderFrame: mainFrame }, { type: 'invoke', id: 'c-one', channel: 'tasks:list', input: {} });
    await spy({ senderFrame: mainFrame }, { type: 'invoke', id: 'c-two', channel: 'tasks:list', input: {} });
    expect(seen.map((s) => s.callId)).toEqual(['c-one', 'c-two']);
    expect(seen[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(seen[0]?.signal).not.toBe(seen[1]?.signal);
    // answered calls are forgotten: nothing is left to cancel
    expect(calls.size).toBe(0);
  });
});
