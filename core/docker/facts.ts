/**
 * Facts about the engine that do not change while it runs: where its published ports are reached, its CPU,
 * version, kernel, and which image store it uses. Read with one `docker info` per connection and kept
 * with that connection: a new connection (after the engine went away) reads them again.
 */
import os from 'node:os';
import type { EngineConnection } from './engine.js';

export interface EngineFacts {
  /** Where this machine reaches the engine's published ports. */
  host: string;
  /** The engine's CPU as it names it (x86_64, aarch64), or 'unknown'. */
  arch: string;
  serverVersion?: string;
  osType?: string;
  kernelVersion?: string;
  /** The engine runs on this machine's own kernel (not in a VM such as Docker Desktop's). */
  local: boolean;
  /** The storage driver (overlay2, overlayfs…). */
  storageDriver?: string;
  /** DriverStatus' "driver-type": names the containerd snapshotter when that store is in use. */
  driverType?: string;
  imageStore: 'containerd' | 'graphdriver';
}

export const CONTAINERD_SNAPSHOTTER = 'io.containerd.snapshotter.v1';

/** The host this machine reaches the engine's published ports on. */
export function engineHost(connection: Pick<EngineConnection, 'endpoint'>): string {
  if (connection.endpoint.startsWith('tcp://')) {
    try {
      const host = new URL(connection.endpoint.replace(/^tcp:/, 'http:')).hostname;
      if (host && !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(host)) return host;
    } catch {
      // fall back to localhost
    }
  }
  return 'localhost';
}
/** Is the engine running on this machine's own kernel? Only a local unix socket to a Linux engine with our kernel release is. */
export function engineIsLocal(connection: Pick<EngineConnection, 'endpoint'>, info: { KernelVersion?: string; OSType?: string }, platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'linux' && connection.endpoint.startsWith('unix://') && info.OSType === 'linux' && info.KernelVersion === os.release();
}

/** DriverStatus is a list of [key, value] pairs; "driver-type" names the containerd snapshotter when it is in use. */
export function driverTypeOf(driverStatus: unknown): string | undefined {
  if (!Array.isArray(driverStatus)) return undefined;
  for (const pair of driverStatus as unknown[]) {
    if (Array.isArray(pair) && pair[0] === 'driver-type' && typeof pair[1] === 'string') return pair[1];
  }
  return undefined;
}

/** The facts in one `docker info` answer. Pure. */
export function factsFromInfo(connection: Pick<EngineConnection, 'endpoint'>, info: Record<string, unknown>, platform: NodeJS.Platform = process.platform): EngineFacts {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const driverType = driverTypeOf(info.DriverStatus);
  const facts: EngineFacts = {
    host: engineHost(connection),
    arch: str(info.Architecture) ?? 'unknown',
    local: engineIsLocal(connection, { KernelVersion: str(info.KernelVersion) ?? '', OSType: str(info.OSType) ?? '' }, platform),
    imageStore: driverType === CONTAINERD_SNAPSHOTTER ? 'containerd' : 'graphdriver',
  };
  const optional = { serverVersion: str(info.ServerVersion), osType: str(info.OSType), kernelVersion: str(info.KernelVersion), storageDriver: str(info.Driver), driverType };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (facts as unknown as Record<string, string>)[k] = v;
  return facts;
}

const cache = new WeakMap<EngineConnection, Promise<EngineFacts>>();

/** The engine's facts, read once per connection; a failed read is not kept, so the next call asks again. */
export function engineFacts(connection: EngineConnection, platform: NodeJS.Platform = process.platform): Promise<EngineFacts> {
  let facts = cache.get(connection);
  if (!facts) {
    facts = connection.docker.info().then((info: unknown) => factsFromInfo(connection, (info ?? {}) as Record<string, unknown>, platform));
    facts.catch(() => cache.delete(connection));
    cache.set(connection, facts);
  }
  return facts;
}
