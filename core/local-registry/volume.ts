/**
 * The registry's volume: whether it exists, its size, which repositories it holds and who uses it.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { volumeInspectCommand } from '../commands/registry.js';
import type { RegistryVolumeInfo, RegistryVolumeUsage } from '../contract/registry-lifecycle.js';
import type { EngineConnection } from '../docker/engine.js';
import type { EngineReader } from '../docker/engine-reader.js';
import { engineFacts } from '../docker/facts.js';
import { engineFailure, statusCodeOf } from '../docker/errors.js';
import { isManaged } from './container-facts.js';
import { type RegistryLifecycleDeps } from './container.js';
import { countRepositories } from './health.js';

export const REPOSITORY_WALK_DEPTH = 8;

export async function volumeSizes(docker: EngineReader): Promise<Map<string, number>> {
  // only volumes: the full disk-usage report walks every image and container too
  const data = await new Promise<{ Volumes?: Array<{ Name: string; UsageData?: { Size?: number } | null }> | null }>((resolve, reject) => {
    docker.modem.dial(
      { path: '/system/df?', method: 'GET', options: { type: ['volume'] }, statusCodes: { 200: true, 500: 'server error' } },
      (error, result) => (error ? reject(error) : resolve(result as never)),
    );
  });
  const sizes = new Map<string, number>();
  for (const v of data?.Volumes ?? []) {
    const size = v.UsageData?.Size;
    if (typeof size === 'number' && size >= 0) sizes.set(v.Name, size);
  }
  return sizes;
}

export async function inspectVolume(deps: RegistryLifecycleDeps, docker: EngineReader, name: string): Promise<Docker.VolumeInspectInfo | null> {
  try {
    return (await docker.getVolume(name).inspect()) as Docker.VolumeInspectInfo;
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    throw engineFailure(deps.engine, error, `look at the volume ${name}`, volumeInspectCommand(name));
  }
}

export async function volumeInfo(deps: RegistryLifecycleDeps, docker: EngineReader, name: string): Promise<RegistryVolumeInfo> {
  const volume = await inspectVolume(deps, docker, name);
  if (!volume) return { name, exists: false, sizeBytes: null, managed: false };
  let sizeBytes: number | null = null;
  try {
    sizeBytes = (await volumeSizes(docker)).get(name) ?? null;
  } catch {
    // the size is a nicety; the rest of the status still holds
  }
  return { name, exists: true, sizeBytes, managed: isManaged(volume.Labels) };
}

/** Repositories in a registry storage folder: every directory that has a `_manifests` child. */
export async function repositoriesInStorage(root: string, maxDepth = REPOSITORY_WALK_DEPTH): Promise<string[]> {
  const base = path.join(root, 'docker', 'registry', 'v2', 'repositories');
  const found: string[] = [];
  const walk = async (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isDirectory() && e.name === '_manifests')) {
      found.push(path.relative(base, dir).split(path.sep).join('/'));
    }
    if (depth >= maxDepth) return;
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('_')) await walk(path.join(dir, e.name), depth + 1);
    }
  };
  await stat(base);
  await walk(base, 0);
  return found.sort();
}

export async function containersUsingVolume(docker: Docker, volume: string): Promise<string[]> {
  try {
    const list = await docker.listContainers({ all: true, filters: { volume: [volume] } });
    return list.map((c) => (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''));
  } catch {
    return [];
  }
}

/** What removing a volume would lose: its size and the repositories in it. */
export async function measureVolume(deps: RegistryLifecycleDeps, connection: EngineConnection, volume: string, registryAddress: string | null, signal?: AbortSignal): Promise<RegistryVolumeUsage> {
  const docker = connection.docker;
  const info = await inspectVolume(deps, docker, volume);
  if (!info) return { volume, exists: false, sizeBytes: null, repositories: null, repositoriesFrom: null, usedBy: [] };
  const [sizes, usedBy] = await Promise.all([volumeSizes(docker).catch(() => new Map<string, number>()), containersUsingVolume(docker, volume)]);
  let repositories: string[] | null = null;
  let repositoriesFrom: RegistryVolumeUsage['repositoriesFrom'] = null;
  if (registryAddress) {
    repositories = await countRepositories(registryAddress, signal);
    if (repositories) repositoriesFrom = 'registry';
  }
  if (!repositories && info.Mountpoint) {
    // a stopped registry cannot answer; a local engine's volume folder can, when we may read it
    try {
      if ((await engineFacts(connection, deps.platform ?? process.platform)).local) {
        repositories = await repositoriesInStorage(info.Mountpoint);
        repositoriesFrom = 'volume-folder';
      }
    } catch {
      repositories = null;
    }
  }
  return { volume, exists: true, sizeBytes: sizes.get(volume) ?? null, repositories, repositoriesFrom, usedBy };
}
