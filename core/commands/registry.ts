/**
 * The docker commands of the local registry: what the app runs (through the engine API, with these as their
 * CLI equivalents) and what every front shows before and after. Pure, so the renderer shows the same arrays.
 */
import { REGISTRY_CONTAINER_PORT, REGISTRY_DATA_PATH } from '../contract/registry-paths.js';
import { appLabels, labelArgs, REGISTRY_ROLE } from '../docker/labels.js';
import { tourTag } from '../tutorial/progress.js';

export const DELETE_ENABLED_ENV = 'REGISTRY_STORAGE_DELETE_ENABLED';
/** Where the registry image keeps its configuration, and the program that serves it. */
export const DEFAULT_REGISTRY_CONFIG = '/etc/docker/registry/config.yml';
export const DEFAULT_REGISTRY_BINARY = '/bin/registry';

export interface RegistrySpec {
  name: string;
  image: string;
  port: number;
  volume: string;
  deleteEnabled: boolean;
  labels: Record<string, string>;
}

/** The labels of the registry container and volume (plus any the environment asks for). */
export function registryLabels(env?: Record<string, string | undefined>): Record<string, string> {
  return appLabels(env, REGISTRY_ROLE);
}

/** Where this machine pushes to a registry published on `port`. */
export function registryAddress(port: number, host = 'localhost'): string {
  return `${host}:${port}`;
}

/** The `docker run` that creates the same container the app creates, labels included. */
export function registryRunCommand(spec: RegistrySpec): string[] {
  return [
    'docker', 'run', '-d',
    '-p', `${spec.port}:${REGISTRY_CONTAINER_PORT}`,
    '--restart=always',
    '--name', spec.name,
    '-v', `${spec.volume}:${REGISTRY_DATA_PATH}`,
    ...(spec.deleteEnabled ? ['-e', `${DELETE_ENABLED_ENV}=true`] : []),
    ...labelArgs(spec.labels),
    spec.image,
  ];
}

export function volumeCreateCommand(volume: string, labels: Record<string, string>): string[] {
  return ['docker', 'volume', 'create', ...labelArgs(labels), volume];
}

export function containerInspectCommand(name: string): string[] {
  return ['docker', 'container', 'inspect', name];
}

export function volumeInspectCommand(name: string): string[] {
  return ['docker', 'volume', 'inspect', name];
}

/** Who publishes a port already. */
export function portCheckCommand(port: number): string[] {
  return ['docker', 'ps', '--filter', `publish=${port}`];
}

export function registryHealthCommand(address: string): string[] {
  return ['curl', '-i', `http://${address}/v2/`];
}

export function registryStopCommand(name: string): string[] {
  return ['docker', 'stop', name];
}

/** A paused container is unpaused, a stopped one started. */
export function registryStartCommand(name: string, paused = false): string[] {
  return paused ? ['docker', 'unpause', name] : ['docker', 'start', name];
}

export function registryRemoveCommand(name: string): string[] {
  return ['docker', 'rm', '-f', name];
}

export function volumeRemoveCommand(volume: string): string[] {
  return ['docker', 'volume', 'rm', volume];
}

/** registry down: the container, then (when asked) its volume. */
export function registryRemoveCommands(name: string, volume: string | null, removeVolume: boolean): string[][] {
  const out = [registryRemoveCommand(name)];
  if (removeVolume && volume) out.push(volumeRemoveCommand(volume));
  return out;
}

export interface GcOptions {
  dryRun?: boolean;
}

/** The program and config a registry container serves with; the registry image's own when unknown. */
export interface GcTarget {
  program?: string;
  config?: string;
}

/**
 * `registry garbage-collect` as the collector runs it, never with its --delete-untagged: registry 2.8 counts a
 * manifest only an index names as untagged and deletes it (distribution issue #3178). Untagged manifests are
 * found and deleted through the API instead (core/local-registry/gc-plan.ts).
 */
export function garbageCollectArgs(target: GcTarget = {}, opts: GcOptions = {}): string[] {
  return [target.program ?? DEFAULT_REGISTRY_BINARY, 'garbage-collect', ...(opts.dryRun ? ['--dry-run'] : []), target.config ?? DEFAULT_REGISTRY_CONFIG];
}

/**
 * The collector as a one-off container beside the registry, on its volumes, with its image:
 * `docker run --rm --volumes-from NAME --entrypoint PROGRAM IMAGE garbage-collect …`.
 */
export function registryGcCommand(name: string, image: string, target: GcTarget = {}, opts: GcOptions = {}): string[] {
  const [program, ...args] = garbageCollectArgs(target, opts);
  return ['docker', 'run', '--rm', '--volumes-from', name, '--entrypoint', program!, image, ...args];
}

/** Garbage collection by hand: the registry out of service (no upload can race the collector), collect, back. */
export function registryGcCommands(name: string, image: string, target: GcTarget = {}, opts: GcOptions = {}): string[][] {
  if (opts.dryRun) return [registryGcCommand(name, image, target, opts)];
  return [registryStopCommand(name), registryGcCommand(name, image, target, opts), registryStartCommand(name)];
}

/** Where a registry publishes its port, when it is not where we expected. */
export function portLookupCommand(name: string): string[] {
  return ['docker', 'port', name];
}

/** The first multi-platform build into a fresh registry. */
export function firstBuildCommand(address: string): string[] {
  return ['docker', 'buildx', 'build', '--platform', 'linux/amd64,linux/arm64', '-t', `${address}/hello:1.0`, '--push', '.'];
}

/** How to put a first image into the registry: tag a local image for it, then push. */
export function pushCommands(address: string, image = 'busybox:latest', target = 'demo/busybox:1'): string[][] {
  return [
    ['docker', 'tag', image, `${address}/${target}`],
    ['docker', 'push', `${address}/${target}`],
  ];
}

/** The tag the build view offers until the user types one: the tour's own, so following the defaults meets its goal. */
export function defaultBuildTag(port: number): string {
  return tourTag(registryAddress(port));
}

/** The reference the run view suggests: what the tutorial builds. */
export function exampleRunReference(port: number): string {
  return tourTag(registryAddress(port));
}
