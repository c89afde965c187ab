/**
 * A recording stand-in for the `electron` module, so the BUILT main process (dist/electron/main/index.js)
 * runs unchanged in plain Node where no Electron binary exists. Node's own ESM loader loads the built files;
 * a resolve hook (electron-loader.mjs) answers the one specifier 'electron' with electron-module.mjs, which
 * hands out the objects made here. Everything the main process asks of Electron is recorded, and the test
 * plays Electron's part: it fires 'ready', emits WebContents events, calls the handlers the app installed.
 *
 * What it cannot prove: that Chromium enforces what the app asks for (the sandbox, context isolation, the
 * CSP, permission prompts), nor that Electron calls these handlers when it should. The Electron e2e
 * (test/e2e/electron.spec.ts) checks those from inside a real window where a binary exists.
 */
import { EventEmitter } from 'node:events';
import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions, CustomScheme, WindowOpenHandlerResponse } from 'electron';
import { FakeIpcMain } from './fake-electron.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const builtMainFile = path.join(repoRoot, 'dist', 'electron', 'main', 'index.js');

/** The key electron-module.mjs reads the stand-in from. */
const GLOBAL_KEY = Symbol.for('multiarch-lab.electron-stand-in');

/* eslint-disable @typescript-eslint/no-explicit-any -- Electron's handlers and listeners take loosely typed arguments */
type AnyFn = (...args: any[]) => any;

export interface StandInFrame {
  url: string;
  processId: number;
  routingId: number;
}

let nextContentsId = 1;

/** A WebContents as far as the main process uses one: events, the window-open handler, send, its main frame. */
export class StandInWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame: StandInFrame;
  windowOpenHandler: AnyFn | undefined;
  /** every webContents.send(channel, ...args) */
  readonly sent: unknown[][] = [];
  /** the page listening in the main frame: webContents.send reaches it (set by the test when it loads the preload) */
  page: { deliver(channel: string, ...args: unknown[]): void } | undefined;
  private destroyed = false;

  constructor() {
    super();
    this.mainFrame = { url: '', processId: 100 + this.id, routingId: 1 };
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  getURL(): string {
    return this.mainFrame.url;
  }

  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
    this.page?.deliver(channel, ...args);
  }

  setWindowOpenHandler(handler: AnyFn): void {
    this.windowOpenHandler = handler;
  }

  /** Emits what Electron emits before a navigation (or redirect) commits; answers whether the app refused it. */
  navigate(kind: 'will-navigate' | 'will-redirect', url: string): boolean {
    let prevented = false;
    const event = { url, isMainFrame: true, preventDefault: () => (prevented = true) };
    this.emit(kind, event, url, false, true, this.mainFrame.processId, this.mainFrame.routingId);
    return prevented;
  }

  /** A page asking for a <webview>: answers whether the app refused it. */
  attachWebview(): boolean {
    let prevented = false;
    this.emit('will-attach-webview', { preventDefault: () => (prevented = true) }, { preload: '/tmp/evil.js', nodeIntegration: true }, { src: 'https://example.com/' });
    return prevented;
  }

  /** What Electron does for window.open / target=_blank: asks the handler, and with no handler the window would open. */
  openWindow(url: string): WindowOpenHandlerResponse | 'no handler: Electron would open it' {
    if (!this.windowOpenHandler) return 'no handler: Electron would open it';
    return this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'new-window', referrer: { url: '', policy: 'default' }, postBody: undefined });
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

export interface ElectronStandIn {
  /** The objects the built main imports from 'electron'; names it imports that are missing fail its loading. */
  module: Record<string, unknown>;
  /** Calls the main process made, in order (e.g. 'app.enableSandbox', 'app ready'), to check what came before 'ready'. */
  readonly log: string[];
  readonly ipcMain: FakeIpcMain;
  readonly windows: StandInWindow[];
  readonly privilegedSchemes: CustomScheme[][];
  readonly protocolHandlers: Map<string, (request: Request) => Promise<Response> | Response>;
  readonly session: {
    onHeadersReceived: AnyFn | undefined;
    permissionRequest: AnyFn | undefined;
    permissionCheck: AnyFn | undefined;
    devicePermission: AnyFn | undefined;
  };
  readonly openedExternally: string[];
  readonly errorBoxes: Array<{ title: string; content: string }>;
  readonly quits: { quit: number; exit: number[] };
  readonly userPaths: Map<string, string>;
  /** Fires 'ready' (app.whenReady resolves). */
  ready(): void;
  /** A WebContents created by something other than a BrowserWindow (a devtools or child frame host), as Electron announces it. */
  newWebContents(): StandInWebContents;
}

export interface StandInWindow extends EventEmitter {
  readonly options: BrowserWindowConstructorOptions;
  readonly webContents: StandInWebContents;
  readonly loaded: string[];
  shown: boolean;
}

/** Makes the stand-in and points electron-module.mjs at it; call before the built main is imported. */
export function createElectronStandIn(): ElectronStandIn {
  const log: string[] = [];
  const ipcMain = new FakeIpcMain();
  const windows: StandInWindow[] = [];
  const privilegedSchemes: CustomScheme[][] = [];
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response> | Response>();
  const sessionRecord: ElectronStandIn['session'] = { onHeadersReceived: undefined, permissionRequest: undefined, permissionCheck: undefined, devicePermission: undefined };
  const openedExternally: string[] = [];
  const errorBoxes: Array<{ title: string; content: string }> = [];
  const quits = { quit: 0, exit: [] as number[] };
  const userPaths = new Map<string, string>();
  let markReady!: () => void;
  const whenReady = new Promise<void>((resolve) => (markReady = resolve));

  const app = Object.assign(new EventEmitter(), {
    setPath: (name: string, value: string) => {
      log.push(`app.setPath ${name}`);
      userPaths.set(name, value);
    },
    getPath: (name: string) => {
      if (name === 'home') return os.homedir();
      const value = userPaths.get(name);
      if (value === undefined) throw new Error(`the stand-in knows no path named ${name}`);
      return value;
    },
    // `electron .` runs the app from the folder that holds package.json
    getAppPath: () => repoRoot,
    enableSandbox: () => log.push('app.enableSandbox'),
    whenReady: () => whenReady,
    requestSingleInstanceLock: () => true,
    setAppUserModelId: (id: string) => log.push(`app.setAppUserModelId ${id}`),
    quit: () => {
      log.push('app.quit');
      quits.quit++;
    },
    exit: (code = 0) => {
      log.push(`app.exit ${code}`);
      quits.exit.push(code);
    },
  });

  const announce = (contents: StandInWebContents) => app.emit('web-contents-created', { preventDefault: () => undefined }, contents);

  class BrowserWindow extends EventEmitter implements StandInWindow {
    readonly options: BrowserWindowConstructorOptions;
    readonly webContents = new StandInWebContents();
    readonly loaded: string[] = [];
    shown = false;
    private destroyed = false;

    constructor(options: BrowserWindowConstructorOptions) {
      super();
      // a deep copy: what the window got at construction, whatever the app does to the object later
      this.options = structuredClone(options);
      log.push('new BrowserWindow');
      windows.push(this);
      // Electron announces the window's WebContents as it creates it, before the constructor returns
      announce(this.webContents);
    }

    loadURL(url: string): Promise<void> {
      this.loaded.push(url);
      this.webContents.mainFrame.url = url;
      return Promise.resolve();
    }

    show(): void {
      this.shown = true;
    }

    isDestroyed(): boolean {
      return this.destroyed;
    }

    isMinimized(): boolean {
      return false;
    }

    restore(): void {}

    focus(): void {}

    close(): void {
      this.destroyed = true;
      this.webContents.destroy();
      this.emit('closed');
    }
  }

  const module: Record<string, unknown> = {
    app,
    BrowserWindow,
    ipcMain,
    dialog: {
      showErrorBox: (title: string, content: string) => {
        log.push('dialog.showErrorBox');
        errorBoxes.push({ title, content });
      },
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: CustomScheme[]) => {
        log.push('protocol.registerSchemesAsPrivileged');
        privilegedSchemes.push(structuredClone(schemes));
      },
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
        log.push(`protocol.handle ${scheme}`);
        protocolHandlers.set(scheme, handler);
      },
    },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (listener: AnyFn) => {
            sessionRecord.onHeadersReceived = listener;
          },
        },
        setPermissionRequestHandler: (handler: AnyFn) => {
          sessionRecord.permissionRequest = handler;
        },
        setPermissionCheckHandler: (handler: AnyFn) => {
          sessionRecord.permissionCheck = handler;
        },
        setDevicePermissionHandler: (handler: AnyFn) => {
          sessionRecord.devicePermission = handler;
        },
      },
    },
    shell: {
      openExternal: (url: string) => {
        openedExternally.push(url);
        return Promise.resolve();
      },
    },
  };
  // the main process's imports are named imports, so the ES module must list them
  for (const name of ['app', 'BrowserWindow', 'ipcMain', 'dialog', 'protocol', 'session', 'shell']) {
    if (!(name in module)) throw new Error(`stand-in lacks ${name}`);
  }

  const standIn: ElectronStandIn = {
    module,
    log,
    ipcMain,
    windows,
    privilegedSchemes,
    protocolHandlers,
    session: sessionRecord,
    openedExternally,
    errorBoxes,
    quits,
    userPaths,
    ready() {
      log.push('app ready');
      markReady();
      app.emit('ready');
    },
    newWebContents() {
      const contents = new StandInWebContents();
      announce(contents);
      return contents;
    },
  };
  (globalThis as Record<symbol, unknown>)[GLOBAL_KEY] = module;
  return standIn;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

let hookRegistered = false;

/**
 * Loads the built main process with Node's own loader: only the specifier 'electron', imported from
 * dist/electron/, resolves to the stand-in. The hook is process-wide, which is why this runs in the test
 * file's own worker process and maps nothing else.
 */
export async function loadBuiltMain(): Promise<void> {
  if (!hookRegistered) {
    register(pathToFileURL(path.join(here, 'electron-loader.mjs')).href, {
      data: { standIn: pathToFileURL(path.join(here, 'electron-module.mjs')).href, scope: pathToFileURL(path.join(repoRoot, 'dist', 'electron') + path.sep).href },
    });
    hookRegistered = true;
  }
  // vitest hands /dist/electron/main/ to Node untransformed (server.deps.external in vitest.config.ts)
  await import(pathToFileURL(builtMainFile).href);
}
