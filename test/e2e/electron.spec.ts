/**
 * The Electron app end to end: opens the real window, finds the engine version the Doctor shows,
 * checks the security baseline from inside the page, cancels a running build over IPC, and reloads
 * the window mid-build. Runs only where an Electron binary is installed (or ELECTRON_OVERRIDE_DIST_PATH
 * names one); elsewhere each test says plainly that it did not run (and Playwright lists it as skipped).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { _electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import type { PreloadApi } from '../../electron/preload/api.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mainEntry = path.join(root, 'dist', 'electron', 'main', 'index.js');

function findElectronBinary(): { path: string } | { reason: string } {
  try {
    const found: unknown = createRequire(import.meta.url)('electron');
    if (typeof found === 'string' && existsSync(found)) return { path: found };
    return { reason: `the electron package names ${String(found)}, which does not exist` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/failed to install correctly/i.test(message)) {
      return { reason: 'the electron package is present but its binary was never downloaded; `npm run electron:download` fetches it from GitHub' };
    }
    return { reason: `require('electron') failed: ${message.split('\n')[0]}` };
  }
}

/** The engine version the user would see from `docker version`. */
async function dockerServerVersion(): Promise<string> {
  const docker = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
  const { stdout } = await promisify(execFile)(docker, ['version', '--format', '{{.Server.Version}}'], { timeout: 30_000 });
  return stdout.trim();
}

/** A virtual display when there is no real one, so the window really opens. */
async function startXvfb(): Promise<{ display: string; process: ChildProcess } | undefined> {
  const xvfb = ['/usr/bin/Xvfb', '/usr/local/bin/Xvfb'].find((p) => existsSync(p));
  if (!xvfb) return undefined;
  const number = 90 + Math.floor(Math.random() * 400);
  const child = spawn(xvfb, [`:${number}`, '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  const socket = `/tmp/.X11-unix/X${number}`;
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) {
    child.kill();
    throw new Error(`Xvfb did not start on display :${number}`);
  }
  return { display: `:${number}`, process: child };
}

const electronBinary = findElectronBinary();
const BASE_IMAGE = 'multiarch-lab-test/busybox:1';

/** Says plainly that this test did not run, in every reporter's output, and skips it. */
function skipWithoutElectron(): void {
  if (!('reason' in electronBinary)) return;
  const line = `Electron e2e NOT RUN (${test.info().title}): no Electron binary installed (${electronBinary.reason})`;
  console.log(line);
  test.info().annotations.push({ type: 'not run', description: line });
  test.skip(true, line);
}

/** Processes of ours that name this folder (the docker CLI and buildx for a build of it). */
async function dockerProcessesFor(folder: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'pid=,args=']);
  return stdout.split('\n').filter((line) => line.includes(folder) && /docker/.test(line));
}

/** A project whose build runs long enough to be interrupted. */
async function slowProject(root: string): Promise<string> {
  const dir = path.join(root, 'slow-project');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'Dockerfile'), `FROM ${BASE_IMAGE}\nRUN sleep 120\n`);
  return dir;
}

type Api = { multiarchLab: PreloadApi };

/** Starts a build from the page and resolves with its task id once the core reports it running. */
async function startSlowBuild(page: Page, context: string): Promise<string> {
  await page.evaluate((ctx) => {
    const g = globalThis as unknown as Api & { __build?: Promise<unknown>; __buildTasks?: string[] };
    g.__buildTasks = [];
    g.multiarchLab.on('task:update', (task) => {
      if (task.kind.startsWith('build') && task.state === 'running' && !g.__buildTasks?.includes(task.id)) g.__buildTasks?.push(task.id);
    });
    g.__build = g.multiarchLab.invoke('c-e2e-build', 'build:run', {
      context: ctx,
      platforms: ['linux/amd64'],
      tag: 'localhost:1/mal-e2e-electron:1',
      noCache: true,
      labels: { 'dev.multiarch-lab.test': 'e2e-electron' },
    });
  }, context);
  await expect.poll(() => page.evaluate(() => (globalThis as unknown as { __buildTasks?: string[] }).__buildTasks?.length ?? 0), { timeout: 60_000 }).toBeGreaterThan(0);
  await expect.poll(() => dockerProcessesFor(context).then((p) => p.length), { timeout: 60_000 }).toBeGreaterThan(0);
  return page.evaluate(() => (globalThis as unknown as { __buildTasks: string[] }).__buildTasks[0] as string);
}

test.describe('Electron app', () => {
  let app: ElectronApplication | undefined;
  let xvfb: Awaited<ReturnType<typeof startXvfb>>;
  let dataDir: string | undefined;

  test.afterEach(async () => {
    await app?.close().catch(() => undefined);
    app = undefined;
    xvfb?.process.kill();
    xvfb = undefined;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  /** Opens the real window on a data folder of its own; resolves with the page once the app's URL is loaded. */
  async function launch(): Promise<{ app: ElectronApplication; page: Page; dataDir: string }> {
    if ('reason' in electronBinary) throw new Error('no Electron binary');
    expect(existsSync(mainEntry), `${mainEntry} is missing: run "npm run build" before this test`).toBe(true);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-electron-e2e-'));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'ELECTRON_RUN_AS_NODE') env[key] = value;
    env.MULTIARCH_LAB_DATA_DIR = dataDir;
    env.PATH = `/usr/bin:${env.PATH ?? ''}`;
    const args: string[] = [];
    if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
      xvfb = await startXvfb();
      if (xvfb) env.DISPLAY = xvfb.display;
      else args.push('--ozone-platform=headless');
    }
    // Chromium refuses to start as root with its OS sandbox; CI containers run as root. The
    // renderer's own sandbox (webPreferences.sandbox) is unaffected by this switch.
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    args.push(root);
    app = await _electron.launch({ executablePath: electronBinary.path, args, cwd: root, env, timeout: 60_000 });
    const page = await app.firstWindow();
    await page.waitForURL(/^app:\/\/multiarch-lab\//, { timeout: 30_000 });
    return { app, page, dataDir };
  }

  test('opens the Doctor and shows the engine version docker reports', async () => {
    skipWithoutElectron();
    test.setTimeout(120_000);
    const expectedVersion = await dockerServerVersion();
    const { app, page } = await launch();

    const doctorNav = page.getByRole('link', { name: /^doctor$/i }).or(page.getByRole('button', { name: /^doctor$/i })).first();
    if (await doctorNav.isVisible().catch(() => false)) await doctorNav.click();
    await expect(page.getByTestId('engine-version')).toContainText(expectedVersion, { timeout: 60_000 });

    // the page sees the bridge and nothing of Node
    const surface = await page.evaluate(() => {
      const g = globalThis as unknown as Record<string, unknown> & { multiarchLab?: PreloadApi };
      return { require: typeof g.require, process: typeof g.process, api: Object.keys(g.multiarchLab ?? {}).sort() };
    });
    expect(surface).toEqual({ require: 'undefined', process: 'undefined', api: ['cancel', 'invoke', 'on', 'platform'] });

    // a malformed call is refused by the core's validation, over the real IPC
    const refused = await page.evaluate(() =>
      (globalThis as unknown as { multiarchLab: PreloadApi }).multiarchLab.invoke('c-e2e-1', 'tasks:cancel', { id: '../../etc/passwd' }),
    );
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.code).toBe('invalid-input');

    // window.open gives nothing, navigation away is stopped, and an inline script does not run
    const windowsBefore = app.windows().length;
    expect(await page.evaluate(() => window.open('file:///etc/passwd') === null)).toBe(true);
    await page.evaluate(() => {
      window.location.href = 'file:///etc/passwd';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/^app:\/\/multiarch-lab\//);
    expect(app.windows()).toHaveLength(windowsBefore);
    const inlineRan = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.head.append(script);
      await new Promise((r) => setTimeout(r, 100));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(inlineRan).toBe(false);
  });

  test('cancels a running build over IPC: the call ends as cancelled and its docker processes are gone', async () => {
    skipWithoutElectron();
    test.setTimeout(180_000);
    const { page, dataDir: folder } = await launch();
    const context = await slowProject(folder);
    const taskId = await startSlowBuild(page, context);

    // the renderer's cancel: the contract's one cancel message for the build's call id, sent over IPC
    await page.evaluate(() => (globalThis as unknown as Api).multiarchLab.cancel('c-e2e-build'));
    const answer = await page.evaluate(() => (globalThis as unknown as { __build: Promise<{ ok: boolean; error?: { code: string } }> }).__build);
    expect(answer.ok).toBe(false);
    expect(answer.error?.code).toBe('cancelled');
    await expect.poll(() => dockerProcessesFor(context), { timeout: 15_000 }).toEqual([]);
    const tasks = await page.evaluate(() => (globalThis as unknown as Api).multiarchLab.invoke('c-e2e-list', 'tasks:list', {}));
    expect(tasks.ok && (tasks.result as Array<{ id: string; state: string }>).find((t) => t.id === taskId)?.state).toBe('cancelled');
  });

  test('a reload mid-build leaves a working window and no build running unseen', async () => {
    skipWithoutElectron();
    test.setTimeout(180_000);
    const expectedVersion = await dockerServerVersion();
    const { page, dataDir: folder } = await launch();
    const context = await slowProject(folder);
    const taskId = await startSlowBuild(page, context);

    await page.reload();
    await page.waitForURL(/^app:\/\/multiarch-lab\//, { timeout: 30_000 });
    // the new page talks to the same core over IPC and the Doctor works
    const doctorNav = page.getByRole('link', { name: /^doctor$/i }).or(page.getByRole('button', { name: /^doctor$/i })).first();
    if (await doctorNav.isVisible().catch(() => false)) await doctorNav.click();
    await expect(page.getByTestId('engine-version')).toContainText(expectedVersion, { timeout: 60_000 });
    const listed = await page.evaluate(() => (globalThis as unknown as Api).multiarchLab.invoke('c-e2e-list', 'tasks:list', {}));
    expect(listed.ok).toBe(true);
    const task = (listed.ok ? (listed.result as Array<{ id: string; state: string }>) : []).find((t) => t.id === taskId);
    // the build either ended with the page that started it, or is still listed so the new page can cancel it
    expect(task, 'the build started before the reload is listed').toBeDefined();
    if (task?.state === 'running') {
      const cancelled = await page.evaluate((id) => (globalThis as unknown as Api).multiarchLab.invoke('c-e2e-cancel', 'tasks:cancel', { id }), taskId);
      expect(cancelled).toMatchObject({ ok: true, result: { cancelled: true } });
    } else {
      expect(task?.state).toBe('cancelled');
    }
    await expect.poll(() => dockerProcessesFor(context), { timeout: 15_000 }).toEqual([]);
  });
});
