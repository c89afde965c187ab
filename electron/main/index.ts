/**
 * Electron main process: one hardened window over the shared core. All real work is in core/;
 * this file only wires the window, the app:// protocol, the security handlers and the IPC adapter.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, protocol, session, shell, type WebContents } from 'electron';
import { createCore, type Core } from '../../core/app.js';
import { defaultDataDir } from '../../core/paths.js';
import { applyAppIdentity } from './app-identity.js';
import { appPaths } from './app-paths.js';
import { mimeTypeFor, resolveAppRequest } from './app-protocol.js';
import { dockerCliPath } from './docker-path.js';
import { bindIpc, type IpcBinding } from './ipc.js';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  SECURITY_HEADERS,
  handleWindowOpen,
  isAllowedNavigation,
  isAllowedPermission,
  windowOptions,
} from './security.js';

// dist/electron/main -> dist/electron/preload and dist/renderer
const { preload: preloadPath, rendererDir } = appPaths(path.dirname(fileURLToPath(import.meta.url)));

// Settings live where the CLI and browser mode read them; Chromium's profile sits beside them, so
// MULTIARCH_LAB_DATA_DIR isolates a test run completely (and the single-instance lock with it).
const dataDir = defaultDataDir(process.env);
app.setPath('userData', path.join(dataDir, 'electron'));
applyAppIdentity(app, process.platform);
// before the core exists: everything it spawns (docker, buildx, credential helpers) inherits this
const cliPath = dockerCliPath({ platform: process.platform, pathValue: process.env.PATH, home: app.getPath('home') });
if (cliPath !== undefined) process.env.PATH = cliPath;

// Must happen before 'ready': the scheme becomes a secure, standard origin with fetch support.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;
let core: Core | null = null;
let ipc: IpcBinding | null = null;

function openExternalSafely(url: string): void {
  shell.openExternal(url).catch((error: unknown) => console.error('[multiarch-lab] could not open', url, error));
}

/** Applied to every WebContents that ever exists, so no later window or frame escapes the rules. */
function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url)) return;
    event.preventDefault();
    // a plain link clicked in the app means "show me this page": the system browser does that
    handleWindowOpen({ url }, openExternalSafely);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler((details) => handleWindowOpen(details, openExternalSafely));
}

function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const notFound = () => new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS } });
    if (request.method !== 'GET' && request.method !== 'HEAD') return notFound();
    const file = resolveAppRequest(rendererDir, request.url);
    if (!file) return notFound();
    try {
      const body = await readFile(file);
      return new Response(request.method === 'HEAD' ? null : body, {
        status: 200,
        headers: { 'Content-Type': mimeTypeFor(file), 'Cache-Control': 'no-cache', ...SECURITY_HEADERS },
      });
    } catch {
      return notFound();
    }
  });
}

function applySessionPolicy(): void {
  const ses = session.defaultSession;
  // The protocol handler already sends the CSP; this covers any response that does not come through it.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isAllowedPermission(permission, details.requestingUrl));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isAllowedPermission(permission, requestingOrigin));
  // No device pickers: USB, serial and HID stay out of reach.
  ses.setDevicePermissionHandler(() => false);
}

function createWindow(): BrowserWindow {
  const options = windowOptions(preloadPath);
  const icon = path.join(app.getAppPath(), 'assets', 'icon.png');
  if (process.platform === 'linux' && existsSync(icon)) options.icon = icon;
  const window = new BrowserWindow(options);
  window.once('ready-to-show', () => window.show());
  ipc?.attachWindow(window);
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

function focusWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

async function start(): Promise<void> {
  await app.whenReady();
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    dialog.showErrorBox(
      'Multiarch Lab cannot start',
      `The app's pages were not found in ${rendererDir}. Run "npm run build" (or "npm start", which builds first) and try again.`,
    );
    app.quit();
    return;
  }
  core = createCore({ mode: 'electron', dataDir });
  core.startEngineWatch();
  ipc = bindIpc(core);
  registerAppProtocol();
  applySessionPolicy();
  mainWindow = createWindow();
  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  // another copy already runs with this data folder: it gets focused instead
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closing = false;
  app.on('will-quit', (event) => {
    if (closing || !core) return;
    // give the core a moment to close engine connections, then quit for real
    closing = true;
    event.preventDefault();
    ipc?.dispose();
    void core
      .close()
      .catch((error: unknown) => console.error('[multiarch-lab] closing the core failed:', error))
      .finally(() => app.quit());
  });
  start().catch((error: unknown) => {
    console.error('[multiarch-lab] failed to start:', error);
    dialog.showErrorBox('Multiarch Lab failed to start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
}
