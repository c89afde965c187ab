/**
 * Stand-ins for the parts of Electron the IPC adapter touches, for unit tests where no Electron binary
 * exists: an ipcMain that records its handlers, a window whose webContents emits what Electron would, and
 * the real preload script (its source, or the built file) run in a bare V8 context whose ipcRenderer talks
 * to that ipcMain as one frame. test/helpers/electron-stand-in.ts builds the whole `electron` module on these.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import type { BoundWindowLike, IpcMainLike } from '../../electron/main/ipc-binding.js';
import type { InvokeEventLike } from '../../electron/main/invoke-handler.js';
import { APP_ENTRY_URL, type SenderFrame } from '../../electron/main/security.js';
import type { PreloadApi } from '../../electron/preload/api.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- mirrors Electron's loosely typed listener arguments */
type Listener = (event: InvokeEventLike, ...args: any[]) => any;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  readonly listeners = new Map<string, Set<Listener>>();

  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`a second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  on(channel: string, listener: Listener): this {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return this;
  }

  removeListener(channel: string, listener: (...args: any[]) => void): this {
    this.listeners.get(channel)?.delete(listener as Listener);
    return this;
  }

  /** What ipcRenderer.invoke does: the one handler answers, or Electron rejects when there is none. */
  async invoke(frame: SenderFrame | null, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ senderFrame: frame }, ...args);
  }

  /** What ipcRenderer.send does: every listener hears it, nobody answers. */
  send(frame: SenderFrame | null, channel: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(channel) ?? []) l({ senderFrame: frame }, ...args);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface FakeWindow extends BoundWindowLike {
  readonly contents: EventEmitter;
  readonly frame: { url: string; processId: number; routingId: number };
  readonly sent: unknown[][];
  /** Makes the window gone, as Electron reports it: 'closed' on the window. */
  close(): void;
}

export function fakeWindow(processId = 3): FakeWindow {
  const contents = new EventEmitter();
  const win = new EventEmitter();
  const frame = { url: APP_ENTRY_URL, processId, routingId: 1 };
  const sent: unknown[][] = [];
  let destroyed = false;
  return {
    contents,
    frame,
    sent,
    isDestroyed: () => destroyed,
    webContents: {
      mainFrame: frame,
      isDestroyed: () => destroyed,
      getURL: () => frame.url,
      send: (...args: unknown[]) => sent.push(args),
      on: (event, listener) => contents.on(event, listener),
    },
    on: (event, listener) => win.on(event, listener),
    close() {
      destroyed = true;
      win.emit('closed');
    },
  };
}

const preloadSource = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../electron/preload/index.cts');

/** The preload as tsc -b ships it: what Electron loads from the packaged app. */
export const builtPreloadFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/electron/preload/index.cjs');

/** One IPC message as it crossed the stand-in: who sent it, on which channel, with what. */
export interface IpcTraffic {
  kind: 'invoke' | 'send';
  frame: SenderFrame | null;
  channel: string;
  args: unknown[];
}

/** What running a preload script produced: what it put on the page, what it required, and its IPC listeners. */
export interface PreloadRun {
  /** contextBridge.exposeInMainWorld calls, by key. */
  readonly exposed: Map<string, unknown>;
  /** every module name the script asked require() for, in order */
  readonly required: string[];
  /** everything the page's ipcRenderer sent to the main process */
  readonly traffic: IpcTraffic[];
  /** the ipcRenderer object the script was given (it must never reach the page) */
  readonly ipcRenderer: object;
  /** What webContents.send does for this page: every ipcRenderer.on listener of the channel hears it. */
  deliver(channel: string, ...args: unknown[]): void;
}

/**
 * Runs preload code (CommonJS text) in a bare V8 context, as one frame of a page: its ipcRenderer talks to
 * `ipc` with that frame as the sender, and its require() answers 'electron' only, as a sandboxed preload's
 * would for this script. IPC copies what crosses it (structured clone); so does this stand-in.
 */
export function runPreload(code: string, ipc: FakeIpcMain, frame: () => SenderFrame | null, platform: NodeJS.Platform = 'linux'): PreloadRun {
  const exposed = new Map<string, unknown>();
  const required: string[] = [];
  const traffic: IpcTraffic[] = [];
  const pageListeners = new Map<string, Array<(event: unknown, ...args: unknown[]) => void>>();
  const ipcRenderer = {
    invoke: (channel: string, ...args: unknown[]) => {
      const copy = structuredClone(args);
      traffic.push({ kind: 'invoke', frame: frame(), channel, args: copy });
      return ipc.invoke(frame(), channel, ...copy);
    },
    send: (channel: string, ...args: unknown[]) => {
      const copy = structuredClone(args);
      traffic.push({ kind: 'send', frame: frame(), channel, args: copy });
      ipc.send(frame(), channel, ...copy);
    },
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      pageListeners.set(channel, [...(pageListeners.get(channel) ?? []), listener]);
      return ipcRenderer;
    },
  };
  const electron = {
    ipcRenderer,
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
        exposed.set(key, api);
      },
    },
  };
  const module = { exports: {} };
  vm.runInNewContext(code, {
    require: (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`this stand-in for a sandboxed preload only provides 'electron', not ${name}`);
      return electron;
    },
    module,
    exports: module.exports,
    process: { platform },
    console,
  });
  return {
    exposed,
    required,
    traffic,
    ipcRenderer,
    deliver(channel, ...args) {
      const copy = structuredClone(args);
      // the IPC event object stays with the preload; a stand-in with a sender, as Electron's has
      for (const listener of pageListeners.get(channel) ?? []) listener({ sender: ipcRenderer }, ...copy);
    },
  };
}

/** Runs the preload's source (transpiled here, for unit tests that run before any build); returns what it exposed. */
export async function preloadFor(ipc: FakeIpcMain, frame: () => SenderFrame | null): Promise<PreloadApi> {
  const source = await readFile(preloadSource, 'utf8');
  const { outputText } = ts.transpileModule(source, { fileName: 'index.cts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const exposed = runPreload(outputText, ipc, frame).exposed.get('multiarchLab') as PreloadApi | undefined;
  if (!exposed) throw new Error('the preload exposed nothing');
  return exposed;
}

/** Runs the built preload (dist/electron/preload/index.cjs), unchanged, as one frame of a page. */
export async function builtPreloadFor(ipc: FakeIpcMain, frame: () => SenderFrame | null): Promise<PreloadRun> {
  return runPreload(await readFile(builtPreloadFile, 'utf8'), ipc, frame);
}
