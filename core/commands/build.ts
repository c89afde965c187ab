/**
 * The docker commands of both build flows, as argument arrays: what the app runs, and the plainer
 * commands a person would type for the same result (shown next to each step, ready to copy).
 */
import { MANAGED_LABEL_ARGS } from '../docker/labels.js';
import { parsePlatform } from '../platform.js';
import { isLoopbackRegistry, type ImageRef } from '../registry/reference.js';

export const REGISTRY_OUTPUT = 'type=registry,registry.insecure=true';
/** For a registry that is not in the plain-HTTP list: BuildKit must not fall back to HTTP (or skip TLS checks) for it. */
export const REGISTRY_OUTPUT_HTTPS = 'type=registry';

export interface BuildCommandOptions {
  /** Absolute path of the build context. */
  context: string;
  /** The Dockerfile when it is not `<context>/Dockerfile`. */
  dockerfile?: string;
  builder?: string;
  noCache?: boolean;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** The registry is in the plain-HTTP list (default: only loopback, as before). */
  plainHttp?: boolean;
  /** A registry cache to read and write (a builder that can export caches). */
  cacheRef?: string;
  /** More caches to read only: the per-platform refs a builder with several nodes keeps. */
  cacheFrom?: string[];
  /** Old-school: each platform's build reads and writes its own ref (`REF-<arch>`). */
  cachePerPlatform?: boolean;
  /**
   * Modern on a builder with several nodes, with the cache on: one buildx build per node's pinned platforms (and one
   * per platform no node pins), reading and writing their refs (`REF-<arch>`) and pushing by digest; the digests are
   * then joined into one list under the tag. Two or more builds, in the order of the platforms asked for.
   */
  nodeBuilds?: NodeBuild[];
  /** The cache's registry is in the plain-HTTP list (default: plain HTTP allowed, as before). */
  cachePlainHttp?: boolean;
}

/** One node's share of a modern build split per node: its name and the platforms buildx sends to it. */
export interface NodeBuild {
  node: string;
  platforms: string[];
}

function registryOutput(o: BuildCommandOptions): string {
  return o.plainHttp === false ? REGISTRY_OUTPUT_HTTPS : REGISTRY_OUTPUT;
}

/**
 * Options shared by every build command, in the order people usually write them. `cachePlatforms`: the build
 * reads and writes the per-platform refs of these platforms (`REF-<arch>`) instead of the one ref.
 */
function commonOptions(o: BuildCommandOptions, forPeople: boolean, cachePlatforms?: readonly string[]): string[] {
  const args: string[] = [];
  if (o.builder) args.push('--builder', o.builder);
  if (o.dockerfile) args.push('--file', o.dockerfile);
  if (o.noCache) args.push('--no-cache');
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(o.labels ?? {})) args.push('--label', `${k}=${v}`);
  if (o.cacheRef) {
    const cacheRef = o.cacheRef;
    const refs = cachePlatforms?.length ? cachePlatforms.map((p) => cacheRefFor(cacheRef, p)) : [cacheRef];
    // Like the push: BuildKit may fall back to HTTP only for a cache registry on the plain-HTTP list.
    const insecure = o.cachePlainHttp === false ? '' : ',registry.insecure=true';
    for (const from of o.cacheFrom ?? []) args.push('--cache-from', `type=registry,ref=${from}${insecure}`);
    for (const ref of refs) args.push('--cache-from', `type=registry,ref=${ref}${insecure}`);
    // mode=max keeps every stage's layers, not only the final image's: a cross-building stage is then cached too.
    // Several refs (a node building several platforms): each is written whole, so each platform keeps its own.
    for (const ref of refs) args.push('--cache-to', `type=registry,ref=${ref},mode=max${insecure}`);
  }
  // The app marks what it builds; a person typing the command has no reason to.
  if (!forPeople) args.push(...MANAGED_LABEL_ARGS);
  return args;
}

/** `docker buildx build` for every platform at once, pushing the list (arguments after `docker`). */
export function modernBuildArgs(o: BuildCommandOptions, platforms: readonly string[], tag: string): string[] {
  return [
    'buildx', 'build',
    '--platform', platforms.join(','),
    '--tag', tag,
    '--output', registryOutput(o),
    '--provenance=false',
    '--progress=rawjson',
    ...commonOptions(o, false),
    o.context,
  ];
}

export function modernEquivalent(o: BuildCommandOptions, platforms: readonly string[], tag: string): string[] {
  return [
    'docker', 'buildx', 'build',
    '--platform', platforms.join(','),
    '--tag', tag,
    '--output', registryOutput(o),
    '--provenance=false',
    ...commonOptions(o, true),
    o.context,
  ];
}

/**
 * One platform into the local image store (`--load`), as `docker build --platform P -t TAG` does;
 * then `docker push` sends it. `--provenance=false` keeps the pushed tag a plain image manifest,
 * so the list joined later holds only runnable images.
 */
export function oldSchoolBuildArgs(o: BuildCommandOptions, platform: string, tag: string): string[] {
  return ['buildx', 'build', '--platform', platform, '--tag', tag, '--provenance=false', '--load', '--progress=rawjson', ...commonOptions(o, false, o.cachePerPlatform ? [platform] : undefined), o.context];
}

export function oldSchoolBuildEquivalent(o: BuildCommandOptions, platform: string, tag: string): string[] {
  return ['docker', 'build', '--platform', platform, '-t', tag, '--provenance=false', ...commonOptions(o, true, o.cachePerPlatform ? [platform] : undefined), o.context];
}

/**
 * The output of one node's build in a split modern build: the image pushed to the repository by its digest
 * only (no tag: nothing is under the tag until every node's image is there and joined), as buildx's
 * multi-platform "distributed build" recipe does.
 */
export function pushByDigestOutput(o: BuildCommandOptions, repository: string): string {
  return `type=image,name=${repository},push-by-digest=true,name-canonical=true,push=true${o.plainHttp === false ? '' : ',registry.insecure=true'}`;
}

/**
 * One node's `docker buildx build` of a split modern build (arguments after `docker`): that node's platforms,
 * their own cache refs, pushed by digest; the digest and the node that ran it are read from `metadataFile`.
 */
export function nodeBuildArgs(o: BuildCommandOptions, group: NodeBuild, repository: string, metadataFile: string): string[] {
  return [
    'buildx', 'build',
    '--platform', group.platforms.join(','),
    '--output', pushByDigestOutput(o, repository),
    '--provenance=false',
    '--metadata-file', metadataFile,
    '--progress=rawjson',
    ...commonOptions(o, false, group.platforms),
    o.context,
  ];
}

/** The same as a person would type it (the digest is printed at the end of the build's output). */
export function nodeBuildEquivalent(o: BuildCommandOptions, group: NodeBuild, repository: string): string[] {
  return [
    'docker', 'buildx', 'build',
    '--platform', group.platforms.join(','),
    '--output', pushByDigestOutput(o, repository),
    '--provenance=false',
    ...commonOptions(o, true, group.platforms),
    o.context,
  ];
}

/** What stands for a digest in the join command until the build has pushed it. */
export function digestPlaceholder(repository: string, platforms: readonly string[]): string {
  return `${repository}@<digest of ${platforms.join(',')}>`;
}

/** The join of a split build: every node's pushed image into one list under the tag. */
export function imagetoolsCreateEquivalent(tag: string, sources: readonly string[]): string[] {
  return ['docker', 'buildx', 'imagetools', 'create', '-t', tag, ...sources];
}

export function pushEquivalent(tag: string): string[] {
  return ['docker', 'push', tag];
}

/** `docker manifest` refuses plain-HTTP registries unless told, localhost included. */
export function manifestCreateEquivalent(ref: ImageRef, list: string, platformTags: readonly string[], plainHttp = isLoopbackRegistry(ref.registry)): string[] {
  const insecure = plainHttp ? ['--insecure'] : [];
  return ['docker', 'manifest', 'create', ...insecure, list, ...platformTags.flatMap((t) => ['--amend', t])];
}

export function manifestPushEquivalent(ref: ImageRef, list: string, plainHttp = isLoopbackRegistry(ref.registry)): string[] {
  const insecure = plainHttp ? ['--insecure'] : [];
  return ['docker', 'manifest', 'push', ...insecure, list];
}

export function imagetoolsInspectEquivalent(reference: string): string[] {
  return ['docker', 'buildx', 'imagetools', 'inspect', reference];
}

/** `linux/arm/v7` → `armv7`, `linux/arm64` → `arm64`; other operating systems keep their name in front. */
export function platformSuffix(platform: string): string {
  const p = parsePlatform(platform);
  const variant = p.architecture === 'arm64' && p.variant === 'v8' ? '' : (p.variant ?? '');
  const arch = `${p.architecture}${variant}`;
  return p.os === 'linux' ? arch : `${p.os}-${arch}`;
}

/** The reference without its tag, as the user wrote it: `localhost:5000/hello`. */
export function repositoryPart(ref: ImageRef): string {
  const original = ref.original;
  if (ref.tag !== undefined && original.endsWith(`:${ref.tag}`)) return original.slice(0, -(ref.tag.length + 1));
  return original;
}

const MAX_TAG = 128;

/** The per-platform tag of the old-school flow: `localhost:5000/hello:1-arm64`. */
export function platformTag(ref: ImageRef, platform: string): string {
  const suffix = `-${platformSuffix(platform)}`;
  const tag = (ref.tag ?? 'latest').slice(0, MAX_TAG - suffix.length);
  return `${repositoryPart(ref)}:${tag}${suffix}`;
}

/**
 * The cache ref of one platform: the cache tag with the platform's suffix (`hello:buildcache` →
 * `hello:buildcache-arm64`). One ref per platform, because an export replaces the whole ref: builds that
 * write one shared ref in turn (old-school, or the nodes of a builder with several) keep only the last one.
 */
export function cacheRefFor(cacheRef: string, platform: string): string {
  const at = cacheRef.lastIndexOf(':');
  const slash = cacheRef.lastIndexOf('/');
  const hasTag = at > slash;
  const repo = hasTag ? cacheRef.slice(0, at) : cacheRef;
  const suffix = `-${platformSuffix(platform)}`;
  const tag = (hasTag ? cacheRef.slice(at + 1) : 'latest').slice(0, MAX_TAG - suffix.length);
  return `${repo}:${tag}${suffix}`;
}

/** The digest `docker push` prints: `1-arm64: digest: sha256:… size: 891`. */
export function parsePushDigest(stdout: string): { digest: string; size?: number } | undefined {
  const m = /digest: (sha256:[a-f0-9]{64})(?:\s+size:\s*(\d+))?/.exec(stdout);
  if (!m?.[1]) return undefined;
  return m[2] ? { digest: m[1], size: Number(m[2]) } : { digest: m[1] };
}

/**
 * What `docker buildx build --metadata-file` wrote: the pushed digest (`containerimage.digest`) and the node that
 * ran the build (`buildx.build.ref` is BUILDER/NODE/REF).
 */
export function parseBuildMetadata(json: Record<string, unknown>): { digest?: string; node?: string } {
  const out: { digest?: string; node?: string } = {};
  const digest = json['containerimage.digest'];
  if (typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest)) out.digest = digest;
  const ref = json['buildx.build.ref'];
  if (typeof ref === 'string') {
    const parts = ref.split('/');
    if (parts.length === 3 && parts[1]) out.node = parts[1];
  }
  return out;
}

/**
 * Every command a build amounts to, as a person would type them, in order: the one buildx command (modern),
 * one buildx command per node and the join (modern split per node, see `nodeBuilds`), or per platform a build
 * and a push, then the list joined and pushed (old-school). The build task shows
 * the same arrays on its steps.
 */
export function buildEquivalents(
  mode: 'modern' | 'old-school',
  o: BuildCommandOptions,
  platforms: readonly string[],
  ref: ImageRef,
  /** A split modern build: the digest each of `o.nodeBuilds` pushed, in its order (a placeholder until known). */
  digests: readonly (string | undefined)[] = [],
): string[][] {
  if (mode === 'modern' && o.nodeBuilds && o.nodeBuilds.length > 1) {
    const repository = repositoryPart(ref);
    return [
      ...o.nodeBuilds.map((g) => nodeBuildEquivalent(o, g, repository)),
      imagetoolsCreateEquivalent(ref.original, o.nodeBuilds.map((g, i) => (digests[i] ? `${repository}@${digests[i]}` : digestPlaceholder(repository, g.platforms)))),
    ];
  }
  if (mode === 'modern') return [modernEquivalent(o, platforms, ref.original)];
  const tags = platforms.map((p) => platformTag(ref, p));
  return [
    ...platforms.flatMap((p, i) => [oldSchoolBuildEquivalent(o, p, tags[i]!), pushEquivalent(tags[i]!)]),
    manifestCreateEquivalent(ref, ref.original, tags, o.plainHttp),
    manifestPushEquivalent(ref, ref.original, o.plainHttp),
  ];
}
