/**
 * Stand-ins for the parts of Electron the IPC adapter touches, for unit tests where no Electron binary
 * exists: an ipcMain that records its handlers, a window whose webContents emits what Electron would, and
 * the real preload script run in a bare V8 context whose ipcRenderer talks to that ipcMain as one frame.
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

const preloadFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../electron/preload/index.cts');

/** Runs the real preload with an ipcRenderer wired to `ipc` as the window's main frame; returns what it exposed. */
export async function preloadFor(ipc: FakeIpcMain, frame: () => SenderFrame | null): Promise<PreloadApi> {
  const source = await readFile(preloadFile, 'utf8');
  const { outputText } = ts.transpileModule(source, { fileName: 'index.cts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  let exposed: PreloadApi | undefined;
  const electron = {
    ipcRenderer: {
      // IPC copies what crosses it (structured clone); so does this stand-in
      invoke: (channel: string, ...args: unknown[]) => ipc.invoke(frame(), channel, ...structuredClone(args)),
      send: (channel: string, ...args: unknown[]) => ipc.send(frame(), channel, ...structuredClone(args)),
      on: () => undefined,
    },
    contextBridge: {
      exposeInMainWorld: (_key: string, api: PreloadApi) => {
        exposed = api;
      },
    },
  };
  const module = { exports: {} };
  vm.runInNewContext(outputText, { require: () => electron, module, exports: module.exports, process: { platform: 'linux' }, console });
  if (!exposed) throw new Error('the preload exposed nothing');
  return exposed;
}
