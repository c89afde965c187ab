/**
 * The real test engine, for integration tests: ping it, restart it (SIGTERM dockerd, then start it again
 * the way the provisioning script does), find free ports, and remove exactly the resources a test made.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isAlive } from './process.js';
import { docker } from './registry-process.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);
export const DOCKER_SOCKET = '/var/run/docker.sock';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** GET /_ping on the engine socket: true when it answers OK. */
export function pingEngine(timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: DOCKER_SOCKET, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** PIDs of running dockerd processes, read from /proc (no shell, no pgrep). */
export async function dockerdPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, 'utf8')).trim() === 'dockerd') pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** SIGTERM to dockerd, as a service manager stops it (containers stop as on a reboot); returns once the socket is silent and the process gone. */
export async function stopEngine(): Promise<void> {
  const pids = await dockerdPids();
  if (pids.length === 0) throw new Error('no dockerd process found to stop');
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  await waitFor('the engine socket to stop answering', async () => ((await pingEngine(500)) ? undefined : true), 60_000);
  await waitFor('dockerd to exit', () => (pids.every((pid) => !isAlive(pid)) ? true : undefined), 60_000);
}

/** Starts dockerd through scripts/provision-test-engine.sh (idempotent, quick when the rest is in place) and waits for /_ping. */
export async function startEngine(): Promise<void> {
  await execFileAsync('bash', [path.join(REPO_ROOT, 'scripts', 'provision-test-engine.sh')], { timeout: 300_000, maxBuffer: 8 * 1024 * 1024 });
  await waitFor('the engine to answer /_ping', async () => ((await pingEngine(1000)) ? true : undefined), 60_000);
}

/**
 * Stops dockerd and starts it again. Other tests on this engine see it go away: run this rarely.
 * The start runs even when the stop failed (no dockerd found, or it did not exit in time): the files
 * that run later must never inherit a dead engine. The stop's failure is still reported afterwards.
 */
export async function restartEngine(): Promise<{ downMs: number }> {
  const started = Date.now();
  let stopFailure: unknown;
  try {
    await stopEngine();
  } catch (error) {
    stopFailure = error;
  }
  await startEngine();
  if (stopFailure !== undefined) {
    throw new Error(`stopping the engine failed (it was started again): ${stopFailure instanceof Error ? stopFailure.message : String(stopFailure)}`, { cause: stopFailure });
  }
  return { downMs: Date.now() - started };
}

/** Removes containers and volumes that carry `label` and whose names start with `prefix`. Never anything else. */
export async function removeTestResources(label: string, prefix: string): Promise<void> {
  const { stdout: containers } = await docker(['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}']).catch(() => ({ stdout: '' }));
  const names = containers.split('\n').map((s) => s.trim()).filter((n) => n.startsWith(prefix));
  if (names.length) await docker(['rm', '-f', '-v', ...names]).catch(() => undefined);
  const { stdout: volumes } = await docker(['volume', 'ls', '-q', '--filter', `label=${label}`]).catch(() => ({ stdout: '' }));
  const vols = volumes.split('\n').map((s) => s.trim()).filter((n) => n.startsWith(prefix));
  if (vols.length) await docker(['volume', 'rm', '-f', ...vols]).catch(() => undefined);
}

/** Does a volume exist? */
export async function volumeExists(name: string): Promise<boolean> {
  try {
    await execFileAsync('/usr/bin/docker', ['volume', 'inspect', name], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** Names of containers (any state) whose name is exactly `name`. */
export async function containersNamed(name: string): Promise<string[]> {
  const { stdout } = await docker(['ps', '-a', '--filter', `name=^/${name}$`, '--format', '{{.Names}}']);
  return stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}
