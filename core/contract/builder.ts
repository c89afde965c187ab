/**
 * Buildx builders and emulation: what the core answers and the channels that ask for it.
 * `builderChannels` is spread into `channels` (channels.ts).
 */
import * as z from 'zod';
import { Empty, PlatformString, ResourceName } from './common.js';
import { channel, taskChannel } from './define.js';
import type { PlatformStatus } from './doctor.js';

export const builderDrivers = ['docker-container', 'kubernetes', 'remote'] as const;
export const BuilderDriver = z.enum(builderDrivers);
export type BuilderDriverName = z.infer<typeof BuilderDriver>;

/**
 * Driver option keys and values: letters, digits and `_ . : / = , -` only. No spaces or shell characters,
 * so an option shown as a command can be pasted as is. Keys are narrower still, so `K=V` splits one way.
 */
export const DriverOptKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'a driver option name is letters, digits, "_", "." and "-", e.g. network or env.BUILDKIT_STEP_LOG_MAX_SIZE');
export const DriverOptValue = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9_.:/=,-]+$/, 'a driver option value is letters, digits and _ . : / = , - only (no spaces), e.g. host');
export const DriverOpts = z.record(DriverOptKey, DriverOptValue).refine((o) => Object.keys(o).length <= 32, 'at most 32 driver options');

const hostname = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])';
const port = '(?::[0-9]{1,5})';

/** host[:port] of a registry buildkitd should reach over plain HTTP (a LAN address, registry.localhost:5000). */
export const InsecureRegistry = z
  .string()
  .max(255)
  .regex(new RegExp(`^${hostname}${port}?$`), 'a registry address looks like host:port, e.g. 192.168.1.20:5000 or registry.localhost:5000');

/**
 * Where a node runs: an ssh:// or tcp:// engine, a unix:// socket, or the name of a docker context.
 * A context name may not start with "-", so it can never be taken for a flag.
 */
export const BuilderEndpoint = z
  .string()
  .min(1)
  .max(512)
  .regex(
    new RegExp(
      `^(?:ssh://(?:[A-Za-z0-9._-]+@)?${hostname}${port}?|tcp://${hostname}${port}|unix:///[A-Za-z0-9._/-]+|[A-Za-z0-9][A-Za-z0-9_.+-]*)$`,
    ),
    'an endpoint is ssh://user@host, tcp://host:port, unix:///path/to/socket, or the name of a docker context',
  );

const Platforms = z.array(PlatformString).min(1).max(32);

export const BuilderCreateInput = z
  .object({
    /** Defaults to the builder name in settings (mybuilder). */
    name: ResourceName.optional(),
    driver: BuilderDriver.default('docker-container'),
    /** Defaults to {network: 'host'} for the docker-container driver (so builds reach a registry on the host's localhost). */
    driverOpts: DriverOpts.optional(),
    /** The engine the first node runs on; required by the remote driver (tcp://host:port). */
    endpoint: BuilderEndpoint.optional(),
    use: z.boolean().default(true),
    bootstrap: z.boolean().default(true),
    /** Registries to reach over plain HTTP: written into a buildkitd.toml given to the builder. */
    insecureRegistries: z.array(InsecureRegistry).max(20).optional(),
    /** Platforms to pin on the first node. */
    platforms: Platforms.optional(),
  })
  .strict()
  .refine((v) => v.driver !== 'remote' || v.endpoint !== undefined, {
    message: 'the remote driver needs the address of a running buildkitd, e.g. tcp://buildkitd.example:1234',
    path: ['endpoint'],
  });

export const BuilderNameInput = z.object({ name: ResourceName }).strict();

export const BuilderRemoveInput = z.object({ name: ResourceName, keepState: z.boolean().default(false) }).strict();

export const BuilderAppendInput = z
  .object({
    name: ResourceName,
    endpoint: BuilderEndpoint,
    nodeName: ResourceName.optional(),
    /** Platforms this node takes: buildx sends them to it (pin the first node's too, see builder:create). */
    platforms: Platforms.optional(),
    /** e.g. {network: 'host'}: an engine without a bridge gives the node's container no network otherwise. */
    driverOpts: DriverOpts.optional(),
    /** Registries this node reaches over plain HTTP (a LAN address): written into its own buildkitd.toml. */
    insecureRegistries: z.array(InsecureRegistry).max(20).optional(),
  })
  .strict();

export const InstallEmulatorsInput = z
  .object({
    /** Which platforms to install emulators for; 'all' installs every one the image has; omitted means the missing ones. */
    platforms: z.union([z.literal('all'), Platforms]).optional(),
  })
  .strict();

export interface BuilderNodeInfo {
  name: string;
  /** unix:///var/run/docker.sock, ssh://pi@host, tcp://host:1234, or a docker context name. */
  endpoint: string;
  /** running, inactive, stopped, error… as buildx says; "unknown" when it said nothing. */
  status: string;
  /** Every platform the node builds, pinned ones first. Empty for a node that never started and pins none. */
  platforms: string[];
  /** Platforms fixed with --platform (buildx marks them with `*`). */
  pinnedPlatforms: string[];
  buildkitVersion?: string;
  driverOptions: Record<string, string>;
  buildkitdFlags: string[];
  error?: string;
  /**
   * What the node runs without emulation: its engine's OS and CPU, asked of that engine (builder:inspect and
   * builder:append-node fill it in; absent when the engine did not answer or was not asked).
   */
  nativePlatform?: string;
}

/** Which node builds a platform: the first node pinning it, else the first node listing it. */
export interface PlatformNode {
  platform: string;
  node: string;
  endpoint: string;
  pinned: boolean;
}

export interface BuilderInfo {
  name: string;
  /** docker, docker-container, kubernetes, remote. */
  driver: string;
  current: boolean;
  /** running when a node runs; else the first node's status; error when buildx could not load the builder. */
  status: string;
  lastActivity?: string;
  nodes: BuilderNodeInfo[];
  platformNodes: PlatformNode[];
  error?: string;
  /** buildx shortened a platform list, so some platforms are not named. */
  platformsTruncated?: boolean;
}

export interface BuilderList {
  builders: BuilderInfo[];
  current?: string;
  buildxVersion: string;
}

export interface BuilderCreateResult {
  builder: BuilderInfo;
  /** Every command the app ran, in order, ready to copy. */
  commands: string[][];
  bootstrapped: boolean;
  /** The builder buildx names as current after the create, read back. */
  current?: string;
  /** The buildkitd.toml written for insecure registries. */
  configFile?: string;
  taskId: string;
}

export interface BuilderUseResult {
  current: string;
  command: string[];
}

export interface BuilderRemoveResult {
  name: string;
  command: string[];
  /** Containers and volumes looked for after removal (buildx_buildkit_<node>, …_state). */
  checked: { containers: string[]; volumes: string[] };
  /** State volumes left on purpose (keepState). */
  keptVolumes: string[];
}

export interface BuilderAppendResult {
  builder: BuilderInfo;
  node: string;
  command: string[];
}

export interface EmulatorReport {
  engineArch: string;
  /** Where the facts came from: the engine's binfmt_misc handlers, the current builder's platform list, or nowhere. */
  source: 'binfmt_misc' | 'builder' | 'none';
  platforms: PlatformStatus[];
  /** Platforms that can run neither natively nor emulated. */
  missing: string[];
}

export interface InstallEmulatorsResult {
  image: string;
  /** What was passed to --install (binfmt's names: arm64, arm, riscv64…, or all); empty when nothing was missing. */
  installed: string[];
  command?: string[];
  taskId: string;
  /** The check made after installing. */
  report: EmulatorReport;
}

export interface DefaultDriverExplanation {
  driver: 'docker';
  engineVersion: string;
  /** The engine's image store: the containerd snapshotter, or the graph driver (overlay2…). */
  imageStore: 'containerd' | 'graphdriver';
  /** DriverStatus "driver-type" from docker info, when present (io.containerd.snapshotter.v1). */
  driverType?: string;
  storageDriver?: string;
  containerdImageStore: boolean;
  /** The default builder can build (and keep) multi-platform images. */
  multiPlatform: boolean;
  /** Paragraphs, in plain words. */
  explanation: string[];
  /** Offered when the default builder cannot build multi-platform images. */
  suggestion?: { title: string; text: string; command: string[] };
}

export const builderChannels = {
  'builder:list': channel<BuilderList>()(Empty),
  'builder:create': taskChannel<BuilderCreateResult>()('builder:create', BuilderCreateInput),
  'builder:inspect': channel<BuilderInfo>()(BuilderNameInput),
  'builder:use': channel<BuilderUseResult>()(BuilderNameInput),
  'builder:remove': channel<BuilderRemoveResult>()(BuilderRemoveInput),
  'builder:append-node': channel<BuilderAppendResult>()(BuilderAppendInput),
  'builder:emulators': channel<EmulatorReport>()(Empty),
  'builder:install-emulators': taskChannel<InstallEmulatorsResult>()('builder:install-emulators', InstallEmulatorsInput),
  'builder:default-driver': channel<DefaultDriverExplanation>()(Empty),
} as const;
