/**
 * Starts the app the way a user does in browser mode: `multiarch-lab serve --port 0` from the
 * build, and hands its address (printed on stdout) to the specs through the environment.
 * The build itself is the test script's job (`npm run build`); this only checks it is there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_LINE = /Multiarch Lab is serving on (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/;
const START_TIMEOUT_MS = 30_000;

export const E2E_URL_VAR = 'MULTIARCH_LAB_E2E_URL';

function waitForUrl(child: ChildProcess, output: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The server did not print its address within ${START_TIMEOUT_MS / 1000} s. Output so far:\n${output.text}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output.text += chunk.toString('utf8');
      const m = READY_LINE.exec(output.text);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output.text += chunk.toString('utf8');
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The server exited (${signal ?? `code ${code}`}) before printing its address. Output:\n${output.text}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const cli = path.join(root, 'dist', 'cli', 'index.js');
  const pages = path.join(root, 'dist', 'renderer', 'index.html');
  for (const [file, what] of [
    [cli, 'The CLI'],
    [pages, 'The renderer'],
  ] as const) {
    if (!existsSync(file)) throw new Error(`${what} is not built (${path.relative(root, file)} is missing). Run "npm run build" before the end-to-end tests.`);
  }
  const args = [cli, 'serve', '--port', '0'];

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-e2e-'));
  // The docker CLI's folder of the run's own (contexts, builders, the current builder), for the server and, through
  // the environment the workers inherit, for every spec: nothing a spec makes lands in the user's ~/.docker.
  const dockerConfig = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-e2e-docker-'));
  const savedDockerConfig = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = dockerConfig;
  const child = spawn(process.execPath, args, {
    cwd: root,
    // Containers the app starts for the specs (the run matrix) carry dev.multiarch-lab.test=e2e.
    env: { ...process.env, MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_RESOURCE_LABELS: 'dev.multiarch-lab.test=e2e', BROWSER: 'none', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  let url: string;
  try {
    url = await waitForUrl(child, output);
  } catch (error) {
    child.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
    await rm(dockerConfig, { recursive: true, force: true });
    throw error;
  }
  process.env[E2E_URL_VAR] = url;
  // the specs share this server's data folder; each test starts from the views' defaults (see openApp)
  process.env.MULTIARCH_LAB_E2E_DATA_DIR = dataDir;

  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
    // the specs removed what they made in it; the folder goes with them
    await rm(dockerConfig, { recursive: true, force: true });
    if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedDockerConfig;
  };
}
