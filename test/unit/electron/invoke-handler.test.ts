import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../../../core/app.js';
import { UNAUTHORIZED_SENDER, createInvokeHandler } from '../../../electron/main/invoke-handler.js';
import { APP_ENTRY_URL, type AppWindowLike } from '../../../electron/main/security.js';

// The handler is driven with plain event objects (no Electron binary here) over the real core's dispatch.
describe('the IPC invoke handler', () => {
  let dataDir: string;
  let core: Core;
  const mainFrame = { url: APP_ENTRY_URL, processId: 3, routingId: 1 };
  const window: AppWindowLike = { isDestroyed: () => false, webContents: { mainFrame } };
  let dispatched: string[];
  let controller: AbortController;

  function handler() {
    return createInvokeHandler({
      dispatch: (channel, input, ctx) => {
        dispatched.push(channel);
        return core.dispatch(channel, input, ctx);
      },
      getWindow: () => window,
      getSignal: () => controller.signal,
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
    controller = new AbortController();
    const envelope = await handler()({ senderFrame: mainFrame }, 'app:info', {});
    expect(envelope.ok).toBe(true);
    expect(envelope.ok && envelope.result).toMatchObject({ mode: 'electron', dataDir });
  });

  test('lets the core reject malformed input', async () => {
    dispatched = [];
    controller = new AbortController();
    const envelope = await handler()({ senderFrame: mainFrame }, 'tasks:cancel', { id: '../../etc' });
    expect(envelope.ok).toBe(false);
    expect(!envelope.ok && envelope.error.code).toBe('invalid-input');
    const unknown = await handler()({ senderFrame: mainFrame }, { not: 'a channel' }, {});
    expect(!unknown.ok && unknown.error.code).toBe('unknown-channel');
  });

  test.each([
    ['the main frame after it left the app', { url: 'https://evil.example/', processId: 3, routingId: 1 }],
    ['a frame from another page', { url: 'https://evil.example/', processId: 9, routingId: 4 }],
    ['a subframe of the app', { url: APP_ENTRY_URL, processId: 3, routingId: 2 }],
    ['no frame at all', null],
  ])('refuses %s without calling the core', async (_label, senderFrame) => {
    dispatched = [];
    controller = new AbortController();
    const envelope = await handler()({ senderFrame }, 'app:info', {});
    expect(envelope).toEqual(UNAUTHORIZED_SENDER);
    expect(!envelope.ok && envelope.error.code).toBe('unauthorized');
    expect(!envelope.ok && envelope.error.hint).toBeTruthy();
    expect(dispatched).toEqual([]);
  });

  test('refuses everything once the window is gone', async () => {
    dispatched = [];
    controller = new AbortController();
    const gone = createInvokeHandler({ dispatch: core.dispatch, getWindow: () => null, getSignal: () => undefined });
    expect(await gone({ senderFrame: mainFrame }, 'app:info', {})).toEqual(UNAUTHORIZED_SENDER);
  });

  test('passes the window\u2019s abort signal to the call', async () => {
    controller = new AbortController();
    let seen: AbortSignal | undefined;
    const spy = createInvokeHandler({
      dispatch: (channel, input, ctx) => {
        seen = ctx?.signal;
        return core.dispatch(channel, input, ctx);
      },
      getWindow: () => window,
      getSignal: () => controller.signal,
    });
    await spy({ senderFrame: mainFrame }, 'tasks:list', {});
    expect(seen).toBe(controller.signal);
  });
});
