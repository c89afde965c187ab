/**
 * Starts the real browser-mode server in-process for tests: a real core (its own temporary data
 * folder, so the user's settings are never touched) on a free loopback port.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../../core/app.js';
import { startServer } from '../../server/server.js';

export interface TestServer {
  url: string;
  token: string;
  port: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** ws://127.0.0.1:PORT/ws */
  wsUrl: string;
  core: Core;
  dataDir: string;
  staticDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Serve this folder; defaults to a tiny fixture site created for the test. */
  staticDir?: string;
  /** Extra environment for the core, e.g. a DOCKER_HOST to point discovery at. */
  env?: NodeJS.ProcessEnv;
}

export const FIXTURE_INDEX = '<!doctype html><html><head><title>fixture</title></head><body><div id="root"></div></body></html>\n';
export const FIXTURE_SCRIPT = 'console.log("fixture");\n';

async function writeFixtureSite(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'index.html'), FIXTURE_INDEX);
  await writeFile(path.join(dir, 'assets', 'app.js'), FIXTURE_SCRIPT);
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-server-test-'));
  const dataDir = path.join(root, 'data');
  let staticDir = options.staticDir;
  if (!staticDir) {
    staticDir = path.join(root, 'site');
    await writeFixtureSite(staticDir);
  }
  const core = createCore({ mode: 'browser', dataDir, env: { ...process.env, ...options.env, MULTIARCH_LAB_DATA_DIR: dataDir } });
  const server = await startServer({ core, port: 0, staticDir });
  const origin = `http://127.0.0.1:${server.port}`;
  return {
    url: server.url,
    token: server.token,
    port: server.port,
    origin,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    core,
    dataDir,
    staticDir,
    close: async () => {
      await server.close();
      await core.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
