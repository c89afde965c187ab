/**
 * What the Build view shows before anything runs: the platforms on offer, the builder the app would pick
 * (the same rule the core applies), the default tag, and the docker commands a build will amount to.
 */
import type { BuildMode } from '../../../core/contract/build.js';
import type { BuilderList, DefaultDriverExplanation } from '../../../core/contract/builder.js';
import type { PlatformStatus } from '../../../core/contract/doctor.js';
import { SettingsSchema } from '../../../core/contract/settings.js';
import { buildEquivalents, type BuildCommandOptions } from '../../../core/commands/build.js';
import { cacheRefProblem, cacheUnavailableReason, defaultCacheRef, registryCachePlan, type RegistryCachePlan } from '../../../core/commands/build-cache.js';
import { defaultBuildTag } from '../../../core/commands/registry.js';
import { isLoopbackRegistry, parseImageReference, type ImageRef } from '../../../core/registry/reference.js';

export interface PlatformOption {
  platform: string;
  /** Which machines use it, in a few words. */
  machines: string;
}

export const PLATFORM_OPTIONS: PlatformOption[] = [
  { platform: 'linux/amd64', machines: '64-bit Intel and AMD: most PCs and cloud servers' },
  { platform: 'linux/arm64', machines: '64-bit ARM: Apple silicon, Graviton, Raspberry Pi on a 64-bit OS' },
  { platform: 'linux/arm/v7', machines: '32-bit ARM: Raspberry Pi 2–4 on a 32-bit OS' },
  { platform: 'linux/arm/v6', machines: 'older 32-bit ARM: Raspberry Pi Zero and 1' },
  { platform: 'linux/386', machines: '32-bit Intel and AMD' },
  { platform: 'linux/riscv64', machines: '64-bit RISC-V boards' },
  { platform: 'linux/ppc64le', machines: 'IBM POWER, little-endian' },
  { platform: 'linux/s390x', machines: 'IBM Z mainframes' },
];

export const MODE_TEXT: Record<BuildMode, { title: string; sentence: string }> = {
  modern: {
    title: 'Modern: one buildx build',
    sentence: 'A single docker buildx build names every platform, builds them side by side and pushes the manifest list in one go.',
  },
  'old-school': {
    title: 'Old-school: one build per platform + manifest list',
    sentence:
      'Each platform is built and pushed under its own tag, then the pushed images are joined into one manifest list, the way it was done before buildx (docker manifest create).',
  },
};

/** The tag offered until the user types one: the hello image in the registry the settings name. */
export function defaultTag(registryPort: number | undefined): string {
  // the tour's goal names this tag: following the defaults meets it
  return defaultBuildTag(registryPort ?? SettingsSchema.parse({}).registry.port);
}

/** The engine's own builder is named after the docker context; without one it is "default". */
export const ENGINE_BUILDER = 'default';

export interface BuilderPick {
  /** null: the app decides when the build starts (the engine could not be asked yet). */
  name: string | null;
  reason: string;
  /** The builder the app would pick does not exist yet: the user should create it first. */
  missing: boolean;
}

/** The builder the core picks when the user leaves the choice to the app (core/build/run-build.ts, chooseBuilder). */
export function automaticBuilder(mode: BuildMode, driver: DefaultDriverExplanation | null, hostBuilder: string | undefined, existing: readonly string[] | null): BuilderPick {
  if (mode === 'old-school') {
    return { name: ENGINE_BUILDER, reason: 'the engine’s own builder: each build makes one platform, which any image store can hold', missing: false };
  }
  if (!driver) return { name: null, reason: 'decided when the build starts, from the engine’s image store', missing: false };
  if (driver.multiPlatform) {
    return { name: ENGINE_BUILDER, reason: 'the engine’s own builder: its containerd image store holds every platform of one image', missing: false };
  }
  const name = hostBuilder ?? 'mybuilder';
  return {
    name,
    reason: 'the host-networked builder: the engine’s own builder cannot build several platforms at once with the classic image store',
    missing: existing !== null && !existing.includes(name),
  };
}

/** The registry part of a tag as docker reads it: a first part with a dot, a port or `localhost`; else Docker Hub. */
export function registryOfTag(tag: string): string {
  const slash = tag.indexOf('/');
  const first = slash === -1 ? '' : tag.slice(0, slash);
  return first && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) ? first : 'docker.io';
}

/**
 * The docker commands a build will amount to, for a person to read or type: built by the core module whose
 * arrays the build task shows once it runs. A tag that is not a reference yet shows nothing (the form says why).
 */
export function previewCommands(opts: {
  mode: BuildMode;
  platforms: readonly string[];
  tag: string;
  context: string;
  builder: string | null;
  dockerfile?: string;
  noCache?: boolean;
  /** Whether the core's plain-HTTP list holds the tag's registry; unknown means loopback only, as the core without a list. */
  plainHttp?: boolean | undefined;
  /** The registry cache the build will read and write (cacheChoice().plan.options), when it will. */
  cache?: Pick<BuildCommandOptions, 'cacheRef' | 'cacheFrom' | 'cachePerPlatform' | 'nodeBuilds'>;
  /** Whether the cache's registry is on the plain-HTTP list; unknown means loopback only, as for the tag. */
  cachePlainHttp?: boolean | undefined;
}): string[][] {
  let ref: ImageRef;
  try {
    ref = parseImageReference(opts.tag);
  } catch {
    return [];
  }
  const o: BuildCommandOptions = {
    context: opts.context,
    ...(opts.builder ? { builder: opts.builder } : {}),
    ...(opts.dockerfile ? { dockerfile: opts.dockerfile } : {}),
    ...(opts.noCache ? { noCache: true } : {}),
    plainHttp: opts.plainHttp ?? isLoopbackRegistry(ref.registry),
  };
  if (opts.cache?.cacheRef) {
    Object.assign(o, opts.cache);
    o.cachePlainHttp = opts.cachePlainHttp ?? isLoopbackRegistry(parseImageReference(opts.cache.cacheRef).registry);
  }
  return buildEquivalents(opts.mode, o, opts.platforms, ref);
}

/** The registry cache option as the Build view offers it, worked out by the core's own rule (core/commands/build-cache.ts). */
export interface CacheChoice {
  /** The ref in use: the one typed, else the default next to the image (undefined while the image name is not a tag). */
  ref: string | undefined;
  /** What the field offers when left empty. */
  defaultRef: string | undefined;
  /** Why this builder cannot keep a cache (the checkbox is off and says so); null when it can or is not known yet. */
  unavailable: string | null;
  /** What is wrong with the ref typed; null when it will do. */
  problem: string | null;
  /** Refs, flags and notes the build will use; undefined when the cache is off, unavailable or the ref is wrong. */
  plan: RegistryCachePlan | undefined;
  /** The builder's facts are not known (the list is not read yet, or the builder does not exist): the core decides when the build starts. */
  unknownBuilder: boolean;
}

/**
 * The cache option for the builder the build will use, from the builder list the view already has (its driver
 * and its nodes: what the core reads from `docker buildx inspect` when the build starts).
 */
export function cacheChoice(opts: {
  on: boolean;
  /** What the user typed; null follows the image. */
  typed: string | null;
  tag: string;
  mode: BuildMode;
  platforms: readonly string[];
  builderName: string | null;
  builders: BuilderList | null;
}): CacheChoice {
  const defaultRef = defaultCacheRef(opts.tag);
  const typed = opts.typed?.trim() ? opts.typed.trim() : null;
  const ref = typed ?? defaultRef;
  const info = opts.builderName ? opts.builders?.builders.find((b) => b.name === opts.builderName) : undefined;
  const builder =
    info && opts.builderName
      ? { name: opts.builderName, driver: info.driver, nodes: Math.max(info.nodes.length, 1), platformNodes: info.platformNodes, nodeNames: info.nodes.map((n) => n.name) }
      : undefined;
  const problem = ref === undefined ? (typed === null ? 'name the image first: the cache is kept next to it' : null) : cacheRefProblem(ref, opts.tag);
  const unavailable = builder ? cacheUnavailableReason(builder) : null;
  const plan = opts.on && !unavailable && ref !== undefined && !problem ? registryCachePlan({ cacheRef: ref, mode: opts.mode, platforms: opts.platforms, builder, builderName: opts.builderName ?? 'chosen when the build starts' }) : undefined;
  return { ref, defaultRef, unavailable, problem: opts.on && !unavailable ? problem : null, plan, unknownBuilder: !builder };
}

export function supportByPlatform(platforms: readonly PlatformStatus[] | undefined): Map<string, PlatformStatus> {
  return new Map((platforms ?? []).map((p) => [p.platform, p]));
}

export { navigate } from '../lib/views.js';
