/** Waiting for a registry to answer GET /v2/: polled quickly at first, and a container that stops is an error. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../core/contract/errors.js';
import type { RegistryLifecycleDeps } from '../../../core/local-registry/container.js';
import { POLL_MAX_MS, pollDelay, waitForRegistry } from '../../../core/local-registry/health.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server on a free port that answers as a registry once `readyAt` has passed (a connection error before: nothing listens). */
async function laterRegistry(delayMs: number): Promise<{ address: string; readyAt: number }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Docker-Distribution-Api-Version': 'registry/2.0', 'Content-Type': 'application/json' });
    res.end('{}');
  });
  const probe = http.createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
  await new Promise((r) => probe.close(r));
  const readyAt = Date.now() + delayMs;
  setTimeout(() => {
    server.listen(port, '127.0.0.1');
    servers.push(server);
  }, delayMs);
  return { address: `127.0.0.1:${port}`, readyAt };
}

function fakeDocker(state: { Running: boolean; Restarting?: boolean; ExitCode?: number }, looks: { count: number }): Docker {
  const container = {
    inspect: async () => {
      looks.count++;
      return { State: { Restarting: false, ExitCode: 0, ...state } };
    },
    logs: async () => Buffer.alloc(0),
  };
  return { getContainer: () => container } as unknown as Docker;
}

const deps = {} as RegistryLifecycleDeps;

describe('pollDelay', () => {
  it('starts at 20 ms, grows by a quarter each round and stays at 250 ms', () => {
    expect([0, 1, 2, 3].map(pollDelay)).toEqual([20, 25, 31, 39]);
    expect(pollDelay(11)).toBeLessThan(POLL_MAX_MS);
    expect(pollDelay(12)).toBe(POLL_MAX_MS);
    expect(pollDelay(100)).toBe(POLL_MAX_MS);
  });
});

describe('waitForRegistry', () => {
  it('answers within a short poll of the registry coming up, not a 250 ms one', async () => {
    const { address, readyAt } = await laterRegistry(150);
    const looks = { count: 0 };
    const health = await waitForRegistry(deps, fakeDocker({ Running: true }, looks), 'r', address, undefined, 10_000);
    expect(health).toMatchObject({ ok: true, status: 200, apiVersionHeader: 'registry/2.0' });
    // rounds 3–5 wait 39–61 ms: the answer comes well before a 250 ms poll would have seen it
    expect(Date.now() - readyAt).toBeLessThan(150);
    // the container was looked at once (right away), not at every quick poll
    expect(looks.count).toBe(1);
  });

  it('a container that stopped is an error with its exit code, found on the first look', async () => {
    const { address } = await laterRegistry(60_000);
    const started = Date.now();
    const error = await waitForRegistry(deps, fakeDocker({ Running: false, ExitCode: 3 }, { count: 0 }), 'r', address, undefined, 10_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('command-failed');
    expect((error as AppError).message).toContain('exit code 3');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('returns the last unanswered ping when the time is up', async () => {
    const { address } = await laterRegistry(60_000);
    const health = await waitForRegistry(deps, fakeDocker({ Running: true }, { count: 0 }), 'r', address, undefined, 300);
    expect(health.ok).toBe(false);
    expect(health.error?.message).toBeTruthy();
  });
});
