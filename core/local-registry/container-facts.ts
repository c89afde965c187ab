/**
 * Pure facts about registry containers, read from what the engine answers: is this container a registry,
 * where is it published, which volume holds its data, what would `docker run` look like. No I/O here,
 * so unit tests feed them captured `docker inspect` JSON.
 */
import { REGISTRY_CONTAINER_PORT, REGISTRY_DATA_PATH } from '../contract/registry-paths.js';
import { DELETE_ENABLED_ENV, garbageCollectArgs, type GcOptions, type GcTarget } from '../commands/registry.js';
import { MANAGED_LABEL, REGISTRY_ROLE, ROLE_LABEL } from '../docker/labels.js';


/** The parts of `docker container inspect` this module reads. */
export interface ContainerFacts {
  Id?: string;
  Name?: string;
  Path?: string;
  Args?: string[];
  State?: { Status?: string; Running?: boolean; Paused?: boolean; Restarting?: boolean; ExitCode?: number; StartedAt?: string };
  Config?: {
    Image?: string;
    Labels?: Record<string, string> | null;
    Entrypoint?: string[] | string | null;
    Cmd?: string[] | string | null;
    Env?: string[] | null;
  };
  HostConfig?: {
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null;
  };
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null };
  Mounts?: Array<{ Type?: string; Name?: string; Source?: string; Destination?: string }>;
}

/** The repository part of an image reference: no tag, no digest. */
export function imageRepository(image: string): string {
  let rest = image;
  const at = rest.indexOf('@');
  if (at !== -1) rest = rest.slice(0, at);
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && colon > rest.lastIndexOf('/')) rest = rest.slice(0, colon);
  return rest;
}

function basename(p: string): string {
  const parts = p.split('/');
  return parts[parts.length - 1] ?? p;
}

function asList(value: string[] | string | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Is this container a distribution registry? By our role label, by its image (`registry`, `…/registry`,
 * `…/distribution`), or by what it runs (the registry binary, or the official image's entrypoint
 * script serving the registry config). Returns why, for messages; null when it is not one.
 */
export function registryEvidence(info: ContainerFacts): string | null {
  const labels = info.Config?.Labels ?? {};
  if (labels[ROLE_LABEL] === REGISTRY_ROLE) return `it carries the label ${ROLE_LABEL}=${REGISTRY_ROLE}`;
  const image = info.Config?.Image ?? '';
  const repo = imageRepository(image).toLowerCase();
  if (repo === 'registry' || repo.endsWith('/registry') || repo.endsWith('/distribution')) return `it runs the image ${image}`;
  const command = [...(info.Path ? [info.Path] : asList(info.Config?.Entrypoint)), ...(info.Args ?? asList(info.Config?.Cmd))];
  const program = command[0] ? basename(command[0]) : '';
  if (program === 'registry' || program === 'docker-registry') return `it runs the registry program ${command[0]}`;
  if (program === 'entrypoint.sh' && command.some((a) => a.endsWith('/docker/registry/config.yml'))) return 'it serves a registry configuration';
  return null;
}

export function isManaged(labels: Record<string, string> | null | undefined): boolean {
  return (labels ?? {})[MANAGED_LABEL] === 'true';
}

export interface Published {
  /** The host address as people type it: localhost for the wildcard binds. */
  host: string;
  port: number;
}

type PortMap = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null | undefined;

function firstBinding(map: PortMap, key: string): Published | null {
  const bindings = map?.[key] ?? null;
  if (!bindings) return null;
  // IPv4 first: "localhost" resolves to it everywhere, while an IPv6-only bind is rarer
  const sorted = [...bindings].sort((a, b) => Number((a.HostIp ?? '').includes(':')) - Number((b.HostIp ?? '').includes(':')));
  for (const b of sorted) {
    const port = Number(b.HostPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
    const ip = b.HostIp ?? '';
    const host = ip === '' || ip === '0.0.0.0' || ip === '::' ? 'localhost' : ip.includes(':') ? `[${ip}]` : ip;
    return { host, port };
  }
  return null;
}

/**
 * Where the registry port is published on the engine's host: from the live port map when running,
 * from the configured bindings otherwise. Prefers the registry's own port (5000/tcp), then any port.
 */
export function publishedRegistryPort(info: ContainerFacts): Published | null {
  const key = `${REGISTRY_CONTAINER_PORT}/tcp`;
  const maps: PortMap[] = info.State?.Running ? [info.NetworkSettings?.Ports, info.HostConfig?.PortBindings] : [info.HostConfig?.PortBindings, info.NetworkSettings?.Ports];
  for (const map of maps) {
    const found = firstBinding(map, key);
    if (found) return found;
  }
  for (const map of maps) {
    for (const k of Object.keys(map ?? {}).filter((k) => k.endsWith('/tcp'))) {
      const found = firstBinding(map, k);
      if (found) return found;
    }
  }
  return null;
}

/** The named volume mounted at the registry's storage path; null for a bind mount or none. */
export function registryVolumeName(info: ContainerFacts): string | null {
  const mount = (info.Mounts ?? []).find((m) => m.Destination === REGISTRY_DATA_PATH);
  if (!mount || mount.Type !== 'volume' || !mount.Name) return null;
  return mount.Name;
}

export function deleteEnabledIn(env: string[] | null | undefined): boolean {
  return (env ?? []).some((e) => {
    const [k, ...v] = e.split('=');
    return k === DELETE_ENABLED_ENV && v.join('=').trim().toLowerCase() === 'true';
  });
}

/** The registry program and config this container serves with, for `registry garbage-collect`; unknown parts stay unset. */
export function gcTargetOf(info: ContainerFacts): GcTarget {
  const command = [...(info.Path ? [info.Path] : asList(info.Config?.Entrypoint)), ...(info.Args ?? asList(info.Config?.Cmd))];
  const target: GcTarget = {};
  if (command[0] && ['registry', 'docker-registry'].includes(basename(command[0])) && command[0].startsWith('/')) target.program = command[0];
  const config = command.find((a) => /\.ya?ml$/.test(a));
  if (config) target.config = config;
  return target;
}

/** The collector's arguments for this container (never --delete-untagged: see garbageCollectArgs). */
export function garbageCollectCommand(info: ContainerFacts, opts: GcOptions = {}): string[] {
  return garbageCollectArgs(gcTargetOf(info), opts);
}

export interface GcSummary {
  blobsMarked: number | null;
  blobsEligible: number | null;
  manifestsEligible: number | null;
}

/** Reads the closing line of `registry garbage-collect`: "N blobs marked, M blobs and K manifests eligible for deletion". */
export function parseGcSummary(output: string): GcSummary {
  const m = /(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion/.exec(output);
  if (!m) return { blobsMarked: null, blobsEligible: null, manifestsEligible: null };
  return { blobsMarked: Number(m[1]), blobsEligible: Number(m[2]), manifestsEligible: Number(m[3]) };
}
