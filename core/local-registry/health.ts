/**
 * Is the registry answering? Where this machine reaches it, GET /v2/, and waiting for it to come up.
 */
import http from 'node:http';
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

/** The first pause between two GET /v2/ while waiting; each next one is a quarter longer, up to `POLL_MAX_MS`. */
export const POLL_FIRST_MS = 20;
export const POLL_MAX_MS = 250;
/** How often the wait looks whether the container still runs. */
export const ALIVE_CHECK_MS = 1_000;

/** The pause after the `round`th unanswered GET /v2/: short at first (a registry starts in a fraction of a second), then every 250 ms. */
export function pollDelay(round: number): number {
  return Math.min(POLL_MAX_MS, Math.round(POLL_FIRST_MS * 1.25 ** round));
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
  let lastLook = -Infinity;
  for (let round = 0; ; round++) {
    const last = await pingRegistry(address, signal);
    if (last.ok) return last;
    const timedOut = Date.now() >= deadline;
    // the pause runs beside the look at the container, not after it
    const pause = timedOut ? undefined : sleep(pollDelay(round), signal);
    void pause?.catch(() => undefined);
    if (Date.now() - lastLook >= ALIVE_CHECK_MS) {
      lastLook = Date.now();
      const info = await inspectContainer(deps, docker, name);
      if (!info) throw new AppError('not-found', `The container ${name} disappeared while starting.`, { hint: 'Something else removed it; run multiarch-lab registry up again.' });
      if (!info.State.Running && !info.State.Restarting) {
        const logs = await containerLogsTail(docker.getContainer(name));
        throw new AppError('command-failed', `The registry container ${name} stopped right after starting (exit code ${info.State.ExitCode})${logs ? `:\n${logs}` : '.'}`, {
          hint: `Read its whole log with: docker logs ${name}`,
        });
      }
    }
    if (!pause) return last;
    await pause;
  }
}

/**
 * GET /v2/ on one fresh connection that is closed afterwards, whatever answers. For a port that may be held by
 * anything (a squatter that accepts and never replies): fetch's pool keeps such a socket open after a timeout.
 */
export function probeRegistryOnce(address: string, signal?: AbortSignal, timeoutMs = PING_TIMEOUT_MS): Promise<RegistryHealth> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve) => {
    const fail = (message: string) => resolve({ ok: false, status: null, apiVersionHeader: null, error: { code: 'registry-error', message, hint: 'Check what listens on that port.' } });
    const req = http.get({ host, port, path: '/v2/', agent: false, timeout: timeoutMs, headers: { Connection: 'close' }, ...(signal ? { signal } : {}) }, (res) => {
      const header = res.headers['docker-distribution-api-version'];
      const apiVersionHeader = typeof header === 'string' ? header : null;
      res.resume();
      res.socket.destroy();
      resolve({ ok: res.statusCode === 200 && apiVersionHeader !== null, status: res.statusCode ?? null, apiVersionHeader });
    });
    req.on('timeout', () => {
      req.destroy();
      fail(`http://${address}/v2/ did not answer within ${timeoutMs} ms.`);
    });
    req.on('error', (error) => fail(`http://${address}/v2/: ${error.message}`));
  });
}
