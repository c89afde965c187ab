/**
 * `npm start` where no Electron binary is installed (browser mode), stopped with Ctrl-C in the
 * middle of a real build: the terminal's SIGINT to the whole group plus npm's relay of it. The app
 * must end cleanly and leave none of the docker processes it started behind (they run in process
 * groups of their own, so nothing but the app's own cleanup ends them). Needs dist/ and the engine.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BASE_IMAGE = 'multiarch-lab-test/busybox:1';

let work: string;
let context: string;
let started: ChildProcess | undefined;

/** Processes whose command line names our build folder (docker, docker-buildx), with their ids. */
async function ourDockerProcesses(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'pid=,args=']);
  return stdout
    .split('\n')
    .filter((line) => line.includes(context) && /docker/.test(line))
    .map((line) => line.trim());
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-start-test-'));
  context = path.join(work, 'project');
  await mkdir(context);
  // long enough to be interrupted mid-build; --no-cache below makes it run every time
  await writeFile(path.join(context, 'Dockerfile'), `FROM ${BASE_IMAGE}\nRUN sleep 120\n`);
});

afterAll(async () => {
  if (started?.pid && started.exitCode === null && started.signalCode === null) process.kill(-started.pid, 'SIGKILL');
  for (const line of await ourDockerProcesses().catch(() => [])) process.kill(Number(line.split(/\s+/)[0]), 'SIGKILL');
  await rm(work, { recursive: true, force: true });
});

describe.runIf(process.platform !== 'win32')('npm start in browser mode', () => {
  test('Ctrl-C during a build ends the app cleanly and leaves no docker process of ours running', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `/usr/bin:${process.env.PATH ?? ''}`,
      // an empty folder where the electron package looks first: no binary, so browser mode
      ELECTRON_OVERRIDE_DIST_PATH: path.join(work, 'no-electron'),
      MULTIARCH_LAB_START_NO_BUILD: '1',
      MULTIARCH_LAB_DATA_DIR: path.join(work, 'data'),
    };
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs'), '--port', '0'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    started = child;
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += String(c)));
    child.stderr?.on('data', (c: Buffer) => (output += String(c)));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));

    const url = await waitFor('the serving address', async () => /serving on (http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/.exec(output)?.[1], 60_000);
    expect(output).toContain('No Electron binary is installed here');
    const { port, searchParams } = new URL(url);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${searchParams.get('token') ?? ''}`, { headers: { Origin: `http://127.0.0.1:${port}` } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('error', () => undefined);
    ws.send(
      JSON.stringify({
        type: 'invoke',
        id: 'build',
        channel: 'build:run',
        input: { context, platforms: ['linux/amd64'], tag: 'localhost:1/mal-start-test:1', noCache: true, labels: { 'dev.multiarch-lab.test': 'start' } },
      }),
    );
    const running = await waitFor('the build\'s docker process', async () => ((await ourDockerProcesses()).length > 0 ? await ourDockerProcesses() : undefined), 60_000);
    expect(running.length).toBeGreaterThan(0);

    const pid = child.pid as number;
    process.kill(-pid, 'SIGINT'); // the terminal's Ctrl-C, to the whole foreground group
    process.kill(pid, 'SIGINT'); // npm relaying it
    const { code, signal } = await Promise.race([
      ended,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`npm start did not end within 30 s:\n${output}`)), 30_000)),
    ]);
    ws.terminate();
    expect({ code, signal }, output).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/Stopping \(SIGINT\)/);
    expect(await ourDockerProcesses(), `still running after the app ended:\n${running.join('\n')}`).toEqual([]);
  });
});
