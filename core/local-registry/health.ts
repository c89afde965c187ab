/**
 * Is the registry answering? Where this machine reaches it, GET /v2/, and waiting for it to come up.
 */
import type Docker from 'dockerode';
import { AppError } from '../contract/errors.js';
import type { RegistryHealth } from '../contract/registry-lifecycle.js';
import type { EngineConnection } from '../docker/engine.js';
import { demuxDockerStream } from '../docker/demux.js';
import { engineHost } from '../docker/facts.js';
import { RegistryClient } from '../registry/client.js';
import { type RegistryLifecycleDeps, inspectContainer } from './container.js';

export const HEALTH_TIMEOUT_MS = 30_000;
export const PING_TIMEOUT_MS = 2_000;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AppError('cancelled', 'Waiting was cancelled.'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AppError('cancelled', 'Waiting was cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function isLocalEngine(connection: Pick<EngineConnection, 'endpoint'>): boolean {
  return engineHost(connection) === 'localhost';
}

/** host:port to reach a published port from this machine (which differs from the engine's view only for remote engines). */
export function httpAddress(connection: EngineConnection, published: { host: string; port: number }): string {
  return `${published.host === 'localhost' ? engineHost(connection) : published.host}:${published.port}`;
}

export function clientFor(address: string, signal?: AbortSignal): RegistryClient {
  // our own registry speaks plain HTTP even when the engine is on another machine
  return new RegistryClient({ registry: address, insecure: true, timeoutMs: PING_TIMEOUT_MS, ...(signal ? { signal } : {}) });
}

export async function pingRegistry(address: string, signal?: AbortSignal): Promise<RegistryHealth> {
  try {
    const ping = await clientFor(address, signal).ping();
    const health: RegistryHealth = { ok: ping.ok && ping.apiVersionHeader !== null, status: ping.status, apiVersionHeader: ping.apiVersionHeader };
    if (ping.ok && ping.apiVersionHeader === null) {
      health.error = {
        code: 'registry-error',
        message: `${address} answered GET /v2/ without a Docker-Distribution-Api-Version header: it may not be a registry.`,
        hint: 'Check what listens on that port.',
      };
    }
    return health;
  } catch (error) {
    const e = error instanceof AppError ? error : new AppError('registry-error', String(error));
    return { ok: false, status: null, apiVersionHeader: null, error: e.toJSON() };
  }
}

export async function countRepositories(address: string, signal?: AbortSignal): Promise<string[] | null> {
  try {
    const client = new RegistryClient({ registry: address, insecure: true, timeoutMs: 10_000, ...(signal ? { signal } : {}) });
    return (await client.catalog({ pageSize: 1000 })).items;
  } catch {
    return null;
  }
}

export async function containerLogsTail(container: Docker.Container, lines = 15): Promise<string> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    const { stdout, stderr } = demuxDockerStream(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    return `${stdout}${stderr}`.trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Polls GET /v2/ until the registry answers or the container dies. A container that exits is an error
 * (with its last log lines); one that runs but does not answer in time is reported as unhealthy.
 */
export async function waitForRegistry(
  deps: RegistryLifecycleDeps,
  docker: Docker,
  name: string,
  address: string,
  signal: AbortSignal | undefined,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<RegistryHealth> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const last = await pingRegistry(address, signal);
    if (last.ok) return last;
    if (round % 4 === 0) {
      const info = await inspectContainer(deps, docker, name);
      if (!info) throw new AppError('not-found', `The container ${name} disappeared while starting.`, { hint: 'Something else removed it; run multiarch-lab registry up again.' });
      if (!info.State.Running && !info.State.Restarting) {
        const logs = await containerLogsTail(docker.getContainer(name));
        throw new AppError('command-failed', `The registry container ${name} stopped right after starting (exit code ${info.State.ExitCode})${logs ? `:\n${logs}` : '.'}`, {
          hint: `Read its whole log with: docker logs ${name}`,
        });
      }
    }
    if (Date.now() >= deadline) return last;
    await sleep(250, signal);
  }
}
