/**
 * The shipped app restarts as a user restarts it: a real `multiarch-lab serve` process (node dist/cli/index.js,
 * its own data folder) sets up a registry and a builder and records a run; it is stopped with SIGTERM; the CLI,
 * as separate processes on the same data folder, finds the registry, the builder and the history and adds a
 * run of its own; a new `serve` process finds all of it and the settings, through the WebSocket API the page
 * uses, without being told any name again. (test/integration/app-restart.test.ts does the same in-process.)
 * Runs what `npx tsc -b` built into dist/; it stops with a clear message when dist/ is older than the sources.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BuilderList } from '../../core/contract/builder.js';
import type { RegistryStatus } from '../../core/contract/registry-lifecycle.js';
import type { RunSummary } from '../../core/contract/runs.js';
import { runCommand } from '../../core/docker/exec.js';
import { testLabelEnv } from '../../core/docker/labels.js';
import type { ApiClient } from '../../renderer/src/api/types.js';
import { createWsClient, type SocketLike } from '../../renderer/src/api/ws-client.js';
import { removeTestResources } from '../helpers/engine.js';
import { freePort, pushSeedImage } from '../helpers/registry-process.js';
import { removeImagesFrom } from '../helpers/run-images.js';
import { waitFor } from '../helpers/wait.js';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(repoRoot, 'dist', 'cli', 'index.js');
const suffix = randomBytes(4).toString('hex');
const LABEL_VALUE = `app-restart-proc-${suffix}`;
const LABEL = `dev.multiarch-lab.test=${LABEL_VALUE}`;
const PREFIX = `mal-test-restartp-${suffix}`;
const REGISTRY = `${PREFIX}-registry`;
const VOLUME = `${PREFIX}-data`;
const BUILDER = `mal-test-bld-${suffix}-rp`;

let root: string;
let dataDir: string;
let workspaceDir: string;
let port: number;
let env: NodeJS.ProcessEnv;

interface Serve {
  child: ChildProcess;
  api: ApiClient;
  output(): string;
  /** SIGTERM, as Ctrl+C or a service manager stops it; resolves with the exit code. */
  stop(): Promise<number | null>;
}
const serves: Serve[] = [];

/** The first source under these folders whose built file in dist/ is missing or older than it, if any. */
async function staleBuild(dirs: string[]): Promise<string | undefined> {
  const visit = async (dir: string): Promise<string | undefined> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = await visit(full);
        if (found) return found;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const built = path.join(repoRoot, 'dist', path.relative(repoRoot, full)).replace(/\.ts$/, '.js');
        const [src, out] = await Promise.all([stat(full), stat(built).catch(() => undefined)]);
        if (!out || out.mtimeMs < src.mtimeMs) return path.relative(repoRoot, full);
      }
    }
    return undefined;
  };
  for (const dir of dirs) {
    const found = await visit(path.join(repoRoot, dir));
    if (found) return found;
  }
  return undefined;
}

async function startServe(): Promise<Serve> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await waitFor('serve to print its address', () => {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${out}`);
    return /Multiarch Lab is serving on (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)?.[1];
  }, 60_000, 50);
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token')!;
  const api = createWsClient({
    url: `ws://127.0.0.1:${parsed.port}/ws`,
    createSocket: (u) =>
      new WebSocket(u, { headers: { Origin: `http://127.0.0.1:${parsed.port}`, Cookie: `multiarch_lab_token_${parsed.port}=${token}` } }) as unknown as SocketLike,
  });
  const serve: Serve = {
    child,
    api,
    output: () => out,
    stop: async () => {
      api.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  serves.push(serve);
  return serve;
}

function cli(args: string[]) {
  return runCommand(process.execPath, [CLI, ...args], { env, cwd: root, timeoutMs: 180_000 });
}

beforeAll(async () => {
  // this test runs what ships: an old build would test old code
  const stale = await staleBuild(['cli', 'core', 'server']);
  if (stale) throw new Error(`dist/ is not a build of the current sources (${stale} is newer than its output, or was never built): run npx tsc -b first.`);
  root = await mkdtemp(path.join(os.tmpdir(), 'mal-app-restart-proc-'));
  dataDir = path.join(root, 'data');
  workspaceDir = path.join(root, 'workspace');
  port = await freePort();
  env = {
    ...process.env,
    PATH: `/usr/bin:${process.env.PATH ?? ''}`,
    MULTIARCH_LAB_DATA_DIR: dataDir,
    ...testLabelEnv(LABEL_VALUE),
  };
  delete env.DOCKER_HOST;
});

afterAll(async () => {
  for (const s of serves) await s.stop().catch(() => undefined);
  await execFileAsync('/usr/bin/docker', ['buildx', 'rm', BUILDER]).catch(() => undefined);
  await removeTestResources(LABEL, PREFIX);
  if (port) await removeImagesFrom(`localhost:${port}`).catch(() => undefined);
  if (root) await rm(root, { recursive: true, force: true });
}, 120_000);

describe('a restart of the real serve process, with the CLI in between', () => {
  let firstRun = '';
  let cliRun = '';
  const target = () => `localhost:${port}/lab/restart:1`;

  it('before: serve sets up a registry and a builder of its own, records a run, and stops cleanly on SIGTERM', async () => {
    const serve = await startServe();
    const { api } = serve;
    await api.invoke('settings:update', { registry: { name: REGISTRY, port, volume: VOLUME }, builder: { name: BUILDER }, workspaceDir });
    expect(await api.invoke('registry:up', {})).toMatchObject({ name: REGISTRY, port, volume: VOLUME, healthy: true, adopted: false });
    expect((await api.invoke('builder:create', { bootstrap: false, use: false })).builder.name).toBe(BUILDER);
    await pushSeedImage(target());
    const matrix = await api.invoke('runs:start', { reference: target(), platforms: ['linux/amd64', 'linux/arm64'], command: ['uname', '-m'] });
    expect(matrix.summary).toEqual({ passed: 2, failed: 0, unverified: 0 });
    firstRun = matrix.id;

    expect(await serve.stop()).toBe(0);
    expect(serve.output()).toContain('Stopping (SIGTERM)');
  }, 240_000);

  it('the CLI, as separate processes on the same data folder, finds the registry, the builder and the history, and adds a run', async () => {
    expect(firstRun, 'the first part must have run').toBeTruthy();
    const status = await cli(['registry', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout) as RegistryStatus).toMatchObject({ exists: true, name: REGISTRY, running: true, port, repositories: 1, health: { ok: true } });

    const builders = await cli(['builder', 'ls', '--json']);
    expect(builders.code, builders.stderr).toBe(0);
    expect((JSON.parse(builders.stdout) as BuilderList).builders.map((b) => b.name)).toContain(BUILDER);

    const history = await cli(['run', '--history', '--json']);
    expect(history.code, history.stderr).toBe(0);
    expect((JSON.parse(history.stdout) as RunSummary[]).map((r) => r.id)).toContain(firstRun);

    const ran = await cli(['run', target(), '--platform', 'linux/arm64', '--json', '--', 'uname', '-m']);
    expect(ran.code, ran.stderr).toBe(0);
    const matrix = JSON.parse(ran.stdout) as { id: string; runs: Array<{ printed: string }> };
    expect(matrix.runs.map((r) => r.printed)).toEqual(['aarch64']);
    cliRun = matrix.id;
  }, 240_000);

  it('after: a new serve process finds the settings, the registry, the builder and both runs, and can take them down', async () => {
    expect(cliRun, 'the CLI part must have run').toBeTruthy();
    const serve = await startServe();
    const { api } = serve;

    const settings = await api.invoke('settings:get', {});
    expect(settings).toMatchObject({ registry: { name: REGISTRY, port, volume: VOLUME }, builder: { name: BUILDER }, workspaceDir });

    const status = await api.invoke('registry:status', {});
    if (!status.exists) throw new Error(`the registry was not found after the restart: ${status.message}`);
    expect(status).toMatchObject({ name: REGISTRY, running: true, managed: true, port, restartPolicy: 'always', health: { ok: true }, repositories: 1 });
    expect(status.volume?.name).toBe(VOLUME);

    const mine = (await api.invoke('builder:list', {})).builders.find((b) => b.name === BUILDER);
    expect(mine?.driver).toBe('docker-container');

    const runs = await api.invoke('runs:list', {});
    expect(runs.map((r) => r.id)).toEqual(expect.arrayContaining([firstRun, cliRun]));
    const run = await api.invoke('runs:get', { id: firstRun });
    expect(run.runs.map((r) => [r.platform, r.printed, r.result])).toEqual([
      ['linux/amd64', 'x86_64', 'pass'],
      ['linux/arm64', 'aarch64', 'pass'],
    ]);

    expect((await api.invoke('builder:remove', { name: BUILDER })).name).toBe(BUILDER);
    expect(await api.invoke('registry:down', { removeVolume: true })).toMatchObject({ removedContainer: true, removedVolume: true });
    expect(await serve.stop()).toBe(0);
  }, 240_000);
});
