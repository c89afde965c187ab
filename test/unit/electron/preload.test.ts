import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import { beforeEach, describe, expect, test } from 'vitest';
import { eventNames } from '../../../core/contract/events.js';

/*
 * No Electron binary here, so the preload runs in a bare V8 context with a stand-in for the
 * 'electron' module that records what the script hands to the page. This checks what crosses
 * the bridge; the real bridge is exercised by the Electron e2e spec where a binary exists.
 */
const preloadFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../electron/preload/index.cts');

type IpcListener = (event: unknown, ...args: unknown[]) => void;
interface Loaded {
  exposed: Map<string, Record<string, unknown>>;
  invoked: unknown[][];
  sent: unknown[][];
  ipcListeners: Map<string, IpcListener[]>;
  required: string[];
  ipcRenderer: object;
}

async function loadPreload(): Promise<Loaded> {
  const source = await readFile(preloadFile, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: 'index.cts',
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const loaded: Loaded = { exposed: new Map(), invoked: [], sent: [], ipcListeners: new Map(), required: [], ipcRenderer: {} };
  const ipcRenderer = {
    invoke: async (...args: unknown[]) => {
      loaded.invoked.push(args);
      return { ok: true, result: 'from-main' };
    },
    send: (...args: unknown[]) => {
      loaded.sent.push(args);
    },
    on: (channel: string, listener: IpcListener) => {
      loaded.ipcListeners.set(channel, [...(loaded.ipcListeners.get(channel) ?? []), listener]);
      return ipcRenderer;
    },
  };
  loaded.ipcRenderer = ipcRenderer;
  const electron = {
    ipcRenderer,
    contextBridge: {
      exposeInMainWorld: (key: string, api: Record<string, unknown>) => loaded.exposed.set(key, api),
    },
  };
  const module = { exports: {} };
  vm.runInNewContext(outputText, {
    require: (name: string) => {
      loaded.required.push(name);
      // a sandboxed preload gets only Electron's own modules; anything else would fail there
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return electron;
    },
    module,
    exports: module.exports,
    process: { platform: 'linux' },
    console,
  });
  return loaded;
}

describe('the preload bridge', () => {
  let loaded: Loaded;
  let api: Record<string, unknown>;

  beforeEach(async () => {
    loaded = await loadPreload();
    api = loaded.exposed.get('multiarchLab') ?? {};
  });

  test('requires nothing but electron and exposes only invoke, cancel, on and platform', () => {
    expect(loaded.required).toEqual(['electron']);
    expect([...loaded.exposed.keys()]).toEqual(['multiarchLab']);
    expect(Object.keys(api).sort()).toEqual(['cancel', 'invoke', 'on', 'platform']);
    expect(api.platform).toBe('linux');
    for (const value of Object.values(api)) {
      expect(value).not.toBe(loaded.ipcRenderer);
      expect(Object.values(loaded.ipcRenderer)).not.toContain(value);
    }
  });

  test('invoke sends the contract\u2019s invoke message through the one invoke channel', async () => {
    const invoke = api.invoke as (id: unknown, channel: unknown, input: unknown) => Promise<unknown>;
    await expect(invoke('c-1', 'doctor:report', {})).resolves.toEqual({ ok: true, result: 'from-main' });
    expect(loaded.invoked).toEqual([['multiarch-lab:invoke', { type: 'invoke', id: 'c-1', channel: 'doctor:report', input: {} }]]);
    for (const [id, channel] of [[42, 'doctor:report'], ['c-2', 42]]) {
      const refused = (await invoke(id, channel, {})) as { ok: boolean; error?: { code: string } };
      expect(refused.ok).toBe(false);
      expect(refused.error?.code).toBe('invalid-input');
    }
    expect(loaded.invoked).toHaveLength(1);
  });

  test('cancel sends the contract\u2019s one cancel message, and nothing for a malformed id', () => {
    const cancel = api.cancel as (id: unknown) => void;
    cancel('c-1');
    cancel({ not: 'an id' });
    expect(loaded.sent).toEqual([['multiarch-lab:cancel', { type: 'cancel', id: 'c-1' }]]);
  });

  test('only known events can be subscribed, and listeners get the payload alone', () => {
    const on = api.on as (event: unknown, listener: unknown) => () => void;
    expect(() => on('ipc:raw', () => undefined)).toThrow(/Unknown event/);
    expect(() => on('task:update', 'not a function')).toThrow(/function/);

    const received: unknown[][] = [];
    const off = on('engine:status', (...args: unknown[]) => received.push(args));
    const forward = loaded.ipcListeners.get('multiarch-lab:event')?.[0];
    expect(forward).toBeTypeOf('function');
    const ipcEvent = { sender: 'the raw IPC event must stay in the preload' };

    forward?.(ipcEvent, 'engine:status', { reachable: true });
    forward?.(ipcEvent, 'task:update', { id: 'other event' });
    forward?.(ipcEvent, 'not-an-event', { reachable: false });
    expect(received).toEqual([[{ reachable: true }]]);

    off();
    forward?.(ipcEvent, 'engine:status', { reachable: false });
    expect(received).toHaveLength(1);
  });

  test('every event of the contract can be subscribed', () => {
    const on = api.on as (event: unknown, listener: unknown) => () => void;
    for (const name of eventNames) expect(() => on(name, () => undefined)()).not.toThrow();
  });
});
