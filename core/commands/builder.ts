/**
 * The docker CLI commands behind every builder action, as argument arrays (without the leading "docker").
 * The same arrays are run and shown to the user, so what they copy is what the app did.
 */
import type { BuildxVersion } from '../docker/parsers/buildx-version.js';
import { versionAtLeast } from '../docker/parsers/buildx-version.js';
import { labelArgs, MANAGED_LABEL_ARGS } from '../docker/labels.js';

/** The image buildx starts for a docker-container node unless driver option `image` says otherwise. */
export const DEFAULT_BUILDKIT_IMAGE = 'moby/buildkit:buildx-stable-1';

/** Pinned, so installing emulators is repeatable; qemu 8.1.5 handles arm64, arm, riscv64, ppc64le, s390x and more. */
export const BINFMT_IMAGE = 'tonistiigi/binfmt:qemu-v8.1.5';


export interface CreateSpec {
  name: string;
  driver: string;
  driverOpts: Record<string, string>;
  platforms?: string[];
  endpoint?: string;
  /** The buildkitd.toml to hand to the builder, with the flag this buildx version knows. */
  config?: { flag: string; file: string };
}

/** buildx 0.13 renamed `create --config` to `--buildkitd-config`; the old name stays as a hidden alias there. */
export function buildkitdConfigFlag(version: Pick<BuildxVersion, 'major' | 'minor' | 'patch'>): '--buildkitd-config' | '--config' {
  return versionAtLeast(version, 0, 13) ? '--buildkitd-config' : '--config';
}

/** The driver option that puts a docker-container builder on the host network, so `localhost:PORT` is this machine's registry. */
export const HOST_NETWORK_DRIVER_OPTS: Readonly<Record<string, string>> = { network: 'host' };

/** What `builder create` passes when the user names no driver options: the host network for docker-container. */
export function defaultDriverOpts(driver: string): Record<string, string> {
  return driver === 'docker-container' ? { ...HOST_NETWORK_DRIVER_OPTS } : {};
}

export function createArgs(spec: CreateSpec): string[] {
  const args = ['buildx', 'create', '--name', spec.name, '--driver', spec.driver];
  for (const [key, value] of Object.entries(spec.driverOpts)) args.push('--driver-opt', `${key}=${value}`);
  if (spec.platforms?.length) args.push('--platform', spec.platforms.join(','));
  if (spec.config) args.push(spec.config.flag, spec.config.file);
  if (spec.endpoint) args.push(spec.endpoint);
  return args;
}

export function useArgs(name: string): string[] {
  return ['buildx', 'use', name];
}

/** Starting the builder is what `inspect --bootstrap` does: pull BuildKit, start it, report its platforms. */
export function bootstrapArgs(name: string): string[] {
  return ['buildx', 'inspect', '--bootstrap', name];
}

export function inspectArgs(name?: string): string[] {
  return name === undefined ? ['buildx', 'inspect'] : ['buildx', 'inspect', name];
}

export function removeArgs(name: string, keepState: boolean): string[] {
  return keepState ? ['buildx', 'rm', '--keep-state', name] : ['buildx', 'rm', name];
}

export interface AppendSpec {
  name: string;
  endpoint: string;
  nodeName?: string;
  platforms?: string[];
  driverOpts?: Record<string, string>;
  config?: { flag: string; file: string };
}

export function appendArgs(spec: AppendSpec): string[] {
  const args = ['buildx', 'create', '--append', '--name', spec.name];
  if (spec.nodeName) args.push('--node', spec.nodeName);
  for (const [key, value] of Object.entries(spec.driverOpts ?? {})) args.push('--driver-opt', `${key}=${value}`);
  if (spec.platforms?.length) args.push('--platform', spec.platforms.join(','));
  if (spec.config) args.push(spec.config.flag, spec.config.file);
  args.push(spec.endpoint);
  return args;
}

export function pullArgs(image: string): string[] {
  return ['pull', image];
}

/**
 * binfmt registers the emulators in the kernel, so it needs --privileged; --rm leaves nothing behind.
 * Extra labels (MULTIARCH_LAB_RESOURCE_LABELS) let a test suite find the container if it ever outlives its run.
 */
export function binfmtInstallArgs(names: readonly string[], extraLabels: Record<string, string> = {}): string[] {
  return ['run', '--privileged', '--rm', ...MANAGED_LABEL_ARGS, ...labelArgs(extraLabels), BINFMT_IMAGE, '--install', names.join(',')];
}

/** The docker-container driver names a node's container and state volume after the node. */
export function buildkitContainerName(nodeName: string): string {
  return `buildx_buildkit_${nodeName}`;
}

export function buildkitStateVolumeName(nodeName: string): string {
  return `${buildkitContainerName(nodeName)}_state`;
}

/** For showing: the command as a person would type it. */
export function dockerCommand(args: readonly string[]): string[] {
  return ['docker', ...args];
}

export interface BuilderCreatePlan extends CreateSpec {
  use: boolean;
  bootstrap: boolean;
}

/** The commands `builder create` runs, in order: create, then `buildx use` and the bootstrap when asked. */
export function builderCreateCommands(plan: BuilderCreatePlan): string[][] {
  const out = [dockerCommand(createArgs(plan))];
  if (plan.use) out.push(dockerCommand(useArgs(plan.name)));
  if (plan.bootstrap) out.push(dockerCommand(bootstrapArgs(plan.name)));
  return out;
}

/** The one-liner people type for the classic multi-platform setup: a host-networked docker-container builder, made current. */
export function hostNetworkBuilderCommand(name = 'mybuilder'): string[] {
  return [...dockerCommand(createArgs({ name, driver: 'docker-container', driverOpts: { ...HOST_NETWORK_DRIVER_OPTS } })), '--use'];
}
