/**
 * The Electron shell as it ships, where no Electron binary exists: the BUILT main process
 * (dist/electron/main/index.js) and preload (dist/electron/preload/index.cjs) run unchanged in Node, with
 * a recording stand-in for the `electron` module (test/helpers/electron-stand-in.ts). The test plays
 * Electron's part and checks what the app answers: the window's webPreferences, the permission, navigation
 * and window-open handlers, the CSP of the app:// protocol and of onHeadersReceived, the protocol handler
 * against path traversal, and the preload's api over the real IPC adapter and core.
 *
 * It lives in the integration project because it needs dist/: `npm test` builds before integration (also
 * when only integration is asked for), while the unit phase may run with no build at all. It brings the
 * two Electron builds up to date itself (`tsc -b`, a few seconds when nothing changed) so it never checks a
 * stale dist/; the renderer must have been built (`npm run build`).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { newCallId, type Envelope, type TaskSnapshot } from '../../core/contract/index.js';
import { eventNames } from '../../core/contract/events.js';
import type { PreloadApi } from '../../electron/preload/api.js';
import { builtPreloadFor, builtPreloadFile, type PreloadRun } from '../helpers/fake-electron.js';
import { waitFor } from '../helpers/wait.js';
import { builtMainFile, createElectronStandIn, loadBuiltMain, repoRoot, type ElectronStandIn, type StandInWindow } from '../helpers/electron-stand-in.js';

const APP_URL = 'app://multiarch-lab/index.html';
const rendererDir = path.join(repoRoot, 'dist', 'renderer');

/** The keys of PreloadApi, checked against the type both ways: a key added to or dropped from the interface fails the typecheck here. */
const PRELOAD_KEYS = ['cancel', 'invoke', 'on', 'platform'] as const satisfies readonly (keyof PreloadApi)[];
type UnlistedKey = Exclude<keyof PreloadApi, (typeof PRELOAD_KEYS)[number]>;
const everyKeyListed: [UnlistedKey] extends [never] ? true : UnlistedKey = true;
void everyKeyListed;

const STAND_IN_LIMITS =
  'Electron stand-in: this checks what the BUILT main and preload ask of Electron and what their handlers answer. ' +
  'It cannot prove that Chromium enforces it (the renderer sandbox, context isolation, the CSP, permission prompts) ' +
  'or that Electron calls each handler when it should; test/e2e/electron.spec.ts checks that in a real window where an Electron binary exists.';

let standIn: ElectronStandIn;
let window: StandInWindow;
let dataDir: string;
const savedEnv = { MULTIARCH_LAB_DATA_DIR: process.env.MULTIARCH_LAB_DATA_DIR, DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CONTEXT: process.env.DOCKER_CONTEXT, PATH: process.env.PATH };

beforeAll(async () => {
  console.log(STAND_IN_LIMITS);
  // what the current source builds to, not whatever an older build left in dist/
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-b', 'electron/main', 'electron/preload'], { cwd: repoRoot, timeout: 110_000 });
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`${rendererDir}/index.html is missing: build the renderer first (npm run build, or npx vite build --config renderer/vite.config.ts).`);
  }

  dataDir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-electron-shell-'));
  // the app's data in a folder of its own, and an engine endpoint where nothing listens: this test never touches the shared engine
  process.env.MULTIARCH_LAB_DATA_DIR = dataDir;
  process.env.DOCKER_HOST = `unix://${path.join(dataDir, 'no-engine.sock')}`;
  process.env.DOCKER_CONTEXT = '';

  standIn = createElectronStandIn();
  await loadBuiltMain();
  standIn.ready();
  window = await waitFor('the main process to open its window', () => standIn.windows[0] ?? (standIn.errorBoxes.length ? Promise.reject(new Error(JSON.stringify(standIn.errorBoxes))) : undefined), 10_000, 20);
});

afterAll(async () => {
  if (standIn) {
    // what quitting does: the app closes its core, then quits for real
    let prevented = false;
    (standIn.module.app as NodeJS.EventEmitter).emit('will-quit', { preventDefault: () => (prevented = true) });
    if (prevented) await waitFor('the app to quit after closing its core', () => (standIn.quits.quit > 0 ? true : undefined), 10_000, 20);
  }
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the window the built main process opens', () => {
  test('is the one window, with isolation, the sandbox and web security on, Node off, and the built preload', async () => {
    expect(standIn.errorBoxes).toEqual([]);
    expect(standIn.windows).toHaveLength(1);
    const prefs = window.options.webPreferences ?? {};
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).not.toBe(true);
    expect(prefs.nodeIntegrationInSubFrames).not.toBe(true);
    expect(prefs.webSecurity).not.toBe(false);
    expect(prefs.allowRunningInsecureContent).not.toBe(true);
    expect(prefs.webviewTag).not.toBe(true);
    expect(prefs.experimentalFeatures).not.toBe(true);
    // the preload it names is the file tsc -b built, and it exists
    expect(prefs.preload).toBe(builtPreloadFile);
    expect(existsSync(prefs.preload!)).toBe(true);
    // any key added to webPreferences shows up here and has to be looked at on purpose
    expect(Object.keys(prefs).sort()).toEqual(
      [
        'allowRunningInsecureContent',
        'contextIsolation',
        'experimentalFeatures',
        'navigateOnDragDrop',
        'nodeIntegration',
        'nodeIntegrationInSubFrames',
        'nodeIntegrationInWorker',
        'preload',
        'safeDialogs',
        'sandbox',
        'spellcheck',
        'webSecurity',
        'webviewTag',
      ].sort(),
    );
  });

  test('loads the app over app://, shows itself only when ready, and the sandbox and scheme are set before ready', () => {
    expect(window.loaded).toEqual([APP_URL]);
    expect(window.shown).toBe(false);
    window.emit('ready-to-show');
    expect(window.shown).toBe(true);

    const ready = standIn.log.indexOf('app ready');
    expect(standIn.log.indexOf('app.enableSandbox')).toBeGreaterThanOrEqual(0);
    expect(standIn.log.indexOf('app.enableSandbox')).toBeLessThan(ready);
    expect(standIn.log.indexOf('protocol.registerSchemesAsPrivileged')).toBeLessThan(ready);
    // a secure standard origin, and no privilege that would lift the CSP or CORS for it
    expect(standIn.privilegedSchemes).toEqual([[{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]]);
    expect(standIn.userPaths.get('userData')).toBe(path.join(dataDir, 'electron'));
  });
});

describe('permissions', () => {
  const request = (permission: string, requestingUrl: string): Promise<boolean> =>
    new Promise((resolve) => standIn.session.permissionRequest!(window.webContents, permission, resolve, { requestingUrl, isMainFrame: true }));
  const check = (permission: string, origin: string): boolean => standIn.session.permissionCheck!(window.webContents, permission, origin, { isMainFrame: true });

  test('notifications and clipboard writes are granted to the app', async () => {
    expect(await request('notifications', APP_URL)).toBe(true);
    expect(await request('clipboard-sanitized-write', APP_URL)).toBe(true);
    expect(check('notifications', 'app://multiarch-lab')).toBe(true);
    expect(check('clipboard-sanitized-write', 'app://multiarch-lab')).toBe(true);
  });

  test.each(['media', 'geolocation', 'clipboard-read', 'display-capture', 'midiSysex', 'openExternal', 'pointerLock', 'fullscreen', 'unknown'])(
    '%s is refused, to the app too',
    async (permission) => {
      expect(await request(permission, APP_URL)).toBe(false);
      expect(check(permission, 'app://multiarch-lab')).toBe(false);
    },
  );

  test.each(['https://example.com/', 'app://multiarch-lab.evil.example/', 'file:///etc/passwd', 'app://user:pw@multiarch-lab/'])(
    'even a granted permission is refused to %s',
    async (url) => {
      expect(await request('notifications', url)).toBe(false);
      expect(check('notifications', url)).toBe(false);
    },
  );

  test('no USB, serial or HID device is ever granted', () => {
    expect(standIn.session.devicePermission!({ deviceType: 'usb', origin: 'app://multiarch-lab', device: {} })).toBe(false);
  });
});

describe('navigation and new windows', () => {
  // the window's own WebContents, and one Electron announces later (a child frame host, devtools): every one is hardened
  const contentsUnderTest = () => [
    ['the app window', window.webContents],
    ['a WebContents created later', standIn.newWebContents()],
  ] as const;

  test('navigating within the app is allowed', () => {
    for (const [, contents] of contentsUnderTest()) {
      expect(contents.navigate('will-navigate', APP_URL)).toBe(false);
      expect(contents.navigate('will-navigate', 'app://multiarch-lab/#/doctor')).toBe(false);
      expect(contents.navigate('will-redirect', APP_URL)).toBe(false);
    }
    expect(standIn.openedExternally).toEqual([]);
  });

  test('a web link is refused in the window and opened in the system browser instead', () => {
    for (const [name, contents] of contentsUnderTest()) {
      standIn.openedExternally.length = 0;
      expect(contents.navigate('will-navigate', 'https://docs.docker.com/build/'), name).toBe(true);
      expect(standIn.openedExternally, name).toEqual(['https://docs.docker.com/build/']);
    }
  });

  test.each(['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'app://multiarch-lab.evil.example/', 'https://user:pw@example.com/', 'smb://host/share'])(
    'navigating to %s is refused and nothing opens',
    (url) => {
      standIn.openedExternally.length = 0;
      for (const [name, contents] of contentsUnderTest()) {
        expect(contents.navigate('will-navigate', url), name).toBe(true);
        expect(contents.navigate('will-redirect', url), name).toBe(true);
      }
      expect(standIn.openedExternally).toEqual([]);
    },
  );

  test('a redirect away from the app is refused, and does not open the browser', () => {
    standIn.openedExternally.length = 0;
    expect(window.webContents.navigate('will-redirect', 'https://example.com/')).toBe(true);
    expect(standIn.openedExternally).toEqual([]);
  });

  test('window.open never opens an Electron window; only a plain web link reaches the system browser', () => {
    for (const [name, contents] of contentsUnderTest()) {
      standIn.openedExternally.length = 0;
      expect(contents.openWindow('https://github.com/'), name).toEqual({ action: 'deny' });
      expect(standIn.openedExternally, name).toEqual(['https://github.com/']);
      for (const url of [APP_URL, 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@example.com/', 'nonsense']) {
        expect(contents.openWindow(url), `${name} ${url}`).toEqual({ action: 'deny' });
      }
      expect(standIn.openedExternally, name).toEqual(['https://github.com/']);
    }
  });

  test('a <webview> is never attached', () => {
    for (const [name, contents] of contentsUnderTest()) expect(contents.attachWebview(), name).toBe(true);
  });
});

/** A CSP header's directives, by name. */
function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

/** What makes a policy strict, checked on the header as sent. */
function expectStrictPolicy(policy: string | null | undefined, where: string): void {
  expect(policy, where).toBeTruthy();
  const d = directives(policy!);
  expect(d.get('default-src'), where).toEqual(["'self'"]);
  // scripts: the app's own files only (script-src, or default-src when it is absent)
  const scripts = d.get('script-src') ?? d.get('default-src')!;
  expect(scripts, where).toEqual(["'self'"]);
  for (const [name, values] of d) {
    for (const value of values) {
      expect(value, `${where}: ${name} ${value}`).not.toMatch(/unsafe|^\*$|^\*\.|^(https?|wss?|file|blob|filesystem):$/i);
      if (value === 'data:') expect(name, where).toBe('img-src');
    }
  }
  expect(d.get('object-src'), where).toEqual(["'none'"]);
  expect(d.get('base-uri'), where).toEqual(["'none'"]);
  expect(d.get('frame-ancestors'), where).toEqual(["'none'"]);
}

/**
 * A request the way Chromium hands it to the handler: app:// is registered as a standard scheme, so Chromium
 * parses its URLs as it parses http ones (dot segments folded, backslashes as slashes).
 */
function chromiumRequest(url: string, init?: RequestInit): Request {
  const asHttp = new URL(url.replace(/^app:/i, 'http:'));
  return new Request(asHttp.href.replace(/^http:/, 'app:'), init);
}

async function fetchApp(url: string, init?: RequestInit): Promise<Response> {
  const handler = standIn.protocolHandlers.get('app');
  expect(handler, 'the app:// handler').toBeTypeOf('function');
  return handler!(chromiumRequest(url, init));
}

describe('the app:// protocol', () => {
  test('serves the built renderer with a strict CSP and the other security headers', async () => {
    const index = await fetchApp(APP_URL);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    // byte for byte (Buffer.equals: a deep toEqual over half a megabyte takes seconds)
    expect(Buffer.from(await index.arrayBuffer()).equals(await readFile(path.join(rendererDir, 'index.html')))).toBe(true);
    expectStrictPolicy(index.headers.get('content-security-policy'), 'app:// index.html');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');

    // a real script of the build, typed so nosniff lets it run
    const script = (await readdir(path.join(rendererDir, 'assets'))).find((f) => f.endsWith('.js'));
    expect(script, 'a built script in dist/renderer/assets').toBeTruthy();
    const asset = await fetchApp(`app://multiarch-lab/assets/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(Buffer.from(await asset.arrayBuffer()).equals(await readFile(path.join(rendererDir, 'assets', script!)))).toBe(true);
    expectStrictPolicy(asset.headers.get('content-security-policy'), 'app:// script');

    // a reload on a client-side route gets the page; HEAD gets headers and no body
    expect(await (await fetchApp('app://multiarch-lab/doctor')).text()).toBe(await readFile(path.join(rendererDir, 'index.html'), 'utf8'));
    const head = await fetchApp(APP_URL, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  // Each aims at a file that exists outside dist/renderer: /etc/passwd, the repository's package.json, the built main.
  test.each([
    'app://multiarch-lab/../../etc/passwd',
    'app://multiarch-lab/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
    'app://multiarch-lab/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    'app://multiarch-lab/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'app://multiarch-lab/assets/..%2F..%2F..%2Fpackage.json',
    'app://multiarch-lab/..%2F..%2Fpackage.json',
    'app://multiarch-lab/..%252F..%252Fpackage.json',
    'app://multiarch-lab/..%5C..%5Cpackage.json',
    'app://multiarch-lab/..\\..\\package.json',
    'app://multiarch-lab/..%2Felectron%2Fmain%2Findex.js',
    'app://multiarch-lab/%2Fetc%2Fpasswd',
    'app://multiarch-lab//etc/passwd',
    'app://multiarch-lab/index.html%00.js',
    'app://elsewhere/../package.json',
  ])('never serves a file outside the renderer for %s', async (url) => {
    const outside = [await readFile('/etc/passwd', 'utf8'), await readFile(path.join(repoRoot, 'package.json'), 'utf8'), await readFile(builtMainFile, 'utf8')];
    const page = await readFile(path.join(rendererDir, 'index.html'), 'utf8');
    const response = await fetchApp(url);
    const body = await response.text();
    for (const secret of outside) expect(body).not.toBe(secret);
    // refused outright, or, for a path without an extension, the app's own page (a reload on a client-side route)
    if (response.status === 200) expect(body).toBe(page);
    else expect([response.status, body]).toEqual([404, 'Not found']);
    expectStrictPolicy(response.headers.get('content-security-policy'), `answer to ${url}`);
  });

  test('answers only GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetchApp(APP_URL, { method, ...(method === 'DELETE' ? {} : { body: 'x' }) });
      expect(response.status, method).toBe(404);
    }
  });
});

describe('onHeadersReceived', () => {
  const receive = (responseHeaders: Record<string, string[]> | undefined): Record<string, string[]> => {
    let answer: { responseHeaders?: Record<string, string[]>; cancel?: boolean } | undefined;
    standIn.session.onHeadersReceived!({ url: 'https://example.com/', method: 'GET', resourceType: 'mainFrame', responseHeaders }, (a: typeof answer) => (answer = a));
    expect(answer, 'onHeadersReceived answered').toBeDefined();
    expect(answer!.cancel).not.toBe(true);
    return answer!.responseHeaders ?? {};
  };
  const policies = (headers: Record<string, string[]>) =>
    Object.entries(headers)
      .filter(([name]) => name.toLowerCase() === 'content-security-policy')
      .flatMap(([, values]) => values);

  test('puts the strict CSP on a response that had none, keeping its other headers', () => {
    const headers = receive({ 'Content-Type': ['text/html'], 'X-Other': ['1'] });
    expect(policies(headers)).toHaveLength(1);
    expectStrictPolicy(policies(headers)[0], 'onHeadersReceived');
    expect(headers['X-Other']).toEqual(['1']);
    expectStrictPolicy(policies(receive(undefined))[0], 'onHeadersReceived without headers');
  });

  test('a response with its own lax CSP also gets the strict one, which Chromium enforces alongside', () => {
    // every CSP header of a response is enforced (a resource must pass all of them), so the strict one bounds what a lax one allows
    const headers = receive({ 'content-security-policy': ["script-src * 'unsafe-inline' 'unsafe-eval'"], 'Content-Security-Policy': ["default-src *"] });
    const all = policies(headers);
    expect(all.filter((p) => !/unsafe|\*/.test(p))).toHaveLength(1);
    expectStrictPolicy(all.find((p) => !/unsafe|\*/.test(p)), 'onHeadersReceived over a lax CSP');
    // the same-named header is replaced, not added to
    expect(headers['Content-Security-Policy']).toHaveLength(1);
  });

  test('is the same policy the app:// handler sends', async () => {
    const served = (await fetchApp(APP_URL)).headers.get('content-security-policy');
    expect(policies(receive({}))).toEqual([served]);
  });
});

describe('the built preload over the IPC adapter', () => {
  let page: PreloadRun;
  let api: PreloadApi;

  beforeAll(async () => {
    page = await builtPreloadFor(standIn.ipcMain, () => window.webContents.mainFrame);
    window.webContents.page = page;
    api = page.exposed.get('multiarchLab') as PreloadApi;
  });

  test('requires only electron and exposes exactly the typed api, and never ipcRenderer', () => {
    expect(page.required).toEqual(['electron']);
    expect([...page.exposed.keys()]).toEqual(['multiarchLab']);
    expect(Object.keys(api).sort()).toEqual([...PRELOAD_KEYS].sort());
    expect(api.platform).toBe('linux');
    for (const value of Object.values(api)) {
      expect(value).not.toBe(page.ipcRenderer);
      expect(Object.values(page.ipcRenderer)).not.toContain(value);
    }
  });

  test('a call travels as the contract\u2019s invoke message and the real core answers it', async () => {
    const id = newCallId();
    const envelope = await api.invoke(id, 'app:info', {});
    expect(page.traffic.at(-1)).toEqual({ kind: 'invoke', frame: window.webContents.mainFrame, channel: 'multiarch-lab:invoke', args: [{ type: 'invoke', id, channel: 'app:info', input: {} }] });
    expect(envelope.ok).toBe(true);
    const info = (envelope as Extract<Envelope, { ok: true }>).result as { mode: string; dataDir: string };
    expect(info.mode).toBe('electron');
    expect(info.dataDir).toBe(dataDir);
  });

  test('bad input is refused with a clear error: in the preload, and by the adapter', async () => {
    const sent = page.traffic.length;
    for (const [id, channel] of [[42, 'app:info'], [newCallId(), 42]]) {
      const notStrings = await (api.invoke as (...a: unknown[]) => Promise<Envelope>)(id, channel, {});
      expect(!notStrings.ok && notStrings.error.code).toBe('invalid-input');
    }
    (api.cancel as (id: unknown) => void)({ not: 'an id' });
    // refused in the preload: nothing crossed IPC
    expect(page.traffic).toHaveLength(sent);
    const unknownChannel = await api.invoke(newCallId(), 'shell:exec', { command: 'id' });
    expect(unknownChannel.ok).toBe(false);
    const badInput = await api.invoke(newCallId(), 'settings:update', { theme: 42 });
    expect(!badInput.ok && badInput.error.code).toBe('invalid-input');
  });

  test('a call from another frame, another window or a page that navigated away is refused as unauthorized', async () => {
    const main = window.webContents.mainFrame;
    const senders = [
      ['a subframe of the app window', { url: APP_URL, processId: main.processId, routingId: main.routingId + 1 }],
      ['another window showing the app', { url: APP_URL, processId: main.processId + 50, routingId: main.routingId }],
      ['no frame at all', null],
    ] as const;
    for (const [name, frame] of senders) {
      const other = await builtPreloadFor(standIn.ipcMain, () => frame);
      const envelope = await (other.exposed.get('multiarchLab') as PreloadApi).invoke(newCallId(), 'app:info', {});
      expect(!envelope.ok && envelope.error.code, name).toBe('unauthorized');
    }
    // the app window's own main frame, once it shows a foreign page
    main.url = 'https://evil.example/';
    onTestFinished(() => {
      main.url = APP_URL;
    });
    const envelope = await api.invoke(newCallId(), 'app:info', {});
    expect(!envelope.ok && envelope.error.code).toBe('unauthorized');
  });

  test('the page subscribes to known events only, with a function, and can unsubscribe', () => {
    const on = api.on as (event: unknown, listener: unknown) => () => void;
    expect(() => on('ipc:raw', () => undefined)).toThrow(/Unknown event/);
    expect(() => on('engine:status', 'not a function')).toThrow(/function/);
    for (const name of eventNames) expect(() => on(name, () => undefined)()).not.toThrow();

    // what the adapter does with a core event: webContents.send on the one event channel
    const received: unknown[][] = [];
    const off = on('engine:status', (...args: unknown[]) => received.push(args));
    window.webContents.send('multiarch-lab:event', 'engine:status', { reachable: true });
    window.webContents.send('multiarch-lab:event', 'ipc:raw', { leaked: true });
    expect(received).toEqual([[{ reachable: true }]]);
    off();
    window.webContents.send('multiarch-lab:event', 'engine:status', { reachable: false });
    expect(received).toHaveLength(1);
  });

  test('a call\u2019s events reach the page with the payload alone; cancels count only from the app window; a foreign page gets nothing', async () => {
    // a registry that accepts connections and never answers keeps a run waiting in its first step
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hangUp = () => {
      for (const socket of held) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    };
    onTestFinished(() => (silent.listening ? hangUp() : undefined));
    const reference = `127.0.0.1:${(silent.address() as net.AddressInfo).port}/silent:1`;

    const updates: unknown[][] = [];
    const off = api.on('task:update', (...args: unknown[]) => updates.push(args));
    onTestFinished(off);
    const lastOf = (callId: string) => updates.map((args) => args[0] as TaskSnapshot).filter((t) => t.callId === callId).at(-1);

    const callId = newCallId();
    const run = api.invoke(callId, 'runs:start', { reference });
    const cancelSent = { kind: 'send', frame: window.webContents.mainFrame, channel: 'multiarch-lab:cancel', args: [{ type: 'cancel', id: callId }] };
    await expect.poll(() => lastOf(callId)?.state, { timeout: 10_000 }).toBe('running');
    // the listener got the task alone, not the IPC event
    expect(updates.every((args) => args.length === 1)).toBe(true);
    expect(lastOf(callId)?.kind).toBe('runs');

    // a cancel message from a subframe cancels nothing
    const main = window.webContents.mainFrame;
    const sub = await builtPreloadFor(standIn.ipcMain, () => ({ url: APP_URL, processId: main.processId, routingId: main.routingId + 1 }));
    (sub.exposed.get('multiarchLab') as PreloadApi).cancel(callId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lastOf(callId)?.state).toBe('running');

    // an event name the preload does not know is dropped before the page's listeners
    const before = updates.length;
    window.webContents.send('multiarch-lab:event', 'ipc:raw', { leaked: true });
    expect(updates).toHaveLength(before);

    // the app window's own cancel message (the contract's, on the cancel channel) cancels the call and its task
    api.cancel(callId);
    expect(page.traffic.at(-1)).toEqual(cancelSent);
    const cancelled = await run;
    expect(!cancelled.ok && cancelled.error.code).toBe('cancelled');
    await expect.poll(() => lastOf(callId)?.state).toBe('cancelled');

    // while the window shows a foreign page, what the core publishes is not sent to it
    const second = newCallId();
    const failing = api.invoke(second, 'runs:start', { reference });
    await expect.poll(() => lastOf(second)?.state, { timeout: 10_000 }).toBe('running');
    main.url = 'https://evil.example/';
    onTestFinished(() => {
      main.url = APP_URL;
    });
    const sentBefore = window.webContents.sent.length;
    const updatesBefore = updates.length;
    // the registry hangs up: the run fails, and the core publishes that
    await hangUp();
    const failed = await failing;
    expect(failed.ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(window.webContents.sent.length).toBe(sentBefore);
    expect(updates).toHaveLength(updatesBefore);
  });
});
