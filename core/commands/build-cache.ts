/**
 * The registry build cache (`--cache-from/--cache-to type=registry`): its default ref, and which refs a build
 * reads and writes on a given builder. Pure, so the Build view shows the same refs, flags and refusal the core
 * applies when the build starts (core/build/run-build.ts asks `docker buildx inspect` for the driver and nodes;
 * the view reads the same two facts from the builder list).
 */
import { imageReferenceProblem } from '../contract/input-words.js';
import { parseImageReference } from '../registry/reference.js';
import { samePlatform } from '../platform.js';
import { cacheRefFor, repositoryPart, type BuildCommandOptions, type NodeBuild } from './build.js';

/** The tag a build cache is kept under by default, next to the image: `localhost:5000/hello:buildcache`. */
export const CACHE_TAG = 'buildcache';

/**
 * The cache ref offered for an image: its repository with the tag `buildcache` (the example the CLI's
 * `--cache-ref` help gives). An image tagged `buildcache` itself gets `buildcache-cache`, so the cache never
 * replaces the image. Undefined while the image name is not a tag yet.
 */
export function defaultCacheRef(image: string): string | undefined {
  let ref;
  try {
    ref = parseImageReference(image.trim());
  } catch {
    return undefined;
  }
  // an image pushed by digest is refused before any build: there is no tag to keep a cache next to
  if (ref.digest) return undefined;
  return `${repositoryPart(ref)}:${ref.tag === CACHE_TAG ? `${CACHE_TAG}-cache` : CACHE_TAG}`;
}

/** What is wrong with a cache ref for this image, in the words the core's input check uses; null when it will do. */
export function cacheRefProblem(cacheRef: string, image: string): string | null {
  const problem = imageReferenceProblem(cacheRef.trim());
  if (problem) return problem;
  if (cacheRef.includes('@')) return 'a cache is kept under a tag, not a digest';
  if (cacheRef.trim() === image.trim()) return 'the cache would replace the image: keep it under another tag';
  return null;
}

/** The two facts of a builder the cache depends on, as `docker buildx inspect` (or the builder list) tells them. */
export interface CacheBuilderFacts {
  name: string;
  /** docker, docker-container, kubernetes, remote. */
  driver: string;
  nodes: number;
  /**
   * Which node takes each platform (BuilderInfo.platformNodes: the node pinning it, else the first listing it;
   * `pinned` when a node pins it) and the nodes' names in order; absent when not read. Without them the build is
   * not split.
   */
  platformNodes?: readonly { platform: string; node: string; pinned?: boolean }[];
  nodeNames?: readonly string[];
}

export interface RegistryCachePlan {
  ref: string;
  /** false: the builder cannot export a cache, and the build goes on without one. */
  used: boolean;
  /** The refs read and written: the one ref, or one per platform (`REF-<arch>`). */
  refs?: string[];
  /** Why no cache is used, what the cache cannot do on this builder, or why the build is split per node. */
  reason?: string;
  /**
   * Modern on a builder with several nodes, unless every platform is pinned on one node: the buildx builds (see
   * nodeGroups), each writing its platforms' refs, joined into one list (also in `options.nodeBuilds`).
   */
  split?: NodeBuild[];
  /** What goes into the build commands (nothing when the cache is not used). */
  options: Pick<BuildCommandOptions, 'cacheRef' | 'cacheFrom' | 'cachePerPlatform' | 'nodeBuilds'>;
}

/**
 * The buildx builds of a modern build split per node, in the order of the platforms asked for; undefined when the
 * builder's nodes are not known. Each platform goes to the node pinning it, else the first node listing it, else the
 * first node (buildx's rule, as `platformNodes` states it). The platforms a node pins share one build; a platform no
 * node pins gets a build of its own: buildx 0.13 was seen sending a build for several platforms partly or wholly to
 * another node than the pins say, while a build for one platform runs on one node, so its cache ref holds that
 * platform's cache whichever node buildx picks.
 */
export function nodeGroups(builder: Pick<CacheBuilderFacts, 'platformNodes' | 'nodeNames'>, platforms: readonly string[]): NodeBuild[] | undefined {
  const first = builder.nodeNames?.[0];
  if (!builder.platformNodes || !first) return undefined;
  const groups: NodeBuild[] = [];
  const pinnedGroups = new Map<string, NodeBuild>();
  for (const platform of platforms) {
    const pn = builder.platformNodes.find((x) => samePlatformText(x.platform, platform));
    const node = pn?.node ?? first;
    if (!pn?.pinned) {
      groups.push({ node, platforms: [platform] });
      continue;
    }
    const group = pinnedGroups.get(node);
    if (group) group.platforms.push(platform);
    else {
      const made = { node, platforms: [platform] };
      pinnedGroups.set(node, made);
      groups.push(made);
    }
  }
  return groups;
}

function samePlatformText(a: string, b: string): boolean {
  try {
    return samePlatform(a, b);
  } catch {
    return a === b;
  }
}

/** Why a modern build with the cache on is split per node, in the words the CLI and the Build view show. */
export function splitReason(builderName: string, nodes: number, groups: readonly NodeBuild[]): string {
  const each = groups.map((g) => `${g.node}: ${g.platforms.join(', ')}`).join('; ');
  return `the builder ${builderName} has ${nodes} nodes and the cache is on: one buildx build would keep only the last node's cache, so each node's platforms are built separately with their own cache ref and joined into one manifest list (${each})`;
}

/**
 * Why this builder cannot keep a registry cache, or null when it can. The docker driver (the engine's own
 * builder) cannot export a cache to a registry: BuildKit refuses `--cache-to type=registry` there.
 */
export function cacheUnavailableReason(builder: Pick<CacheBuilderFacts, 'name' | 'driver'>): string | null {
  if (builder.driver !== 'docker') return null;
  return `the builder ${builder.name} uses the docker driver, which cannot write a cache to a registry; build with a docker-container builder (builder create) to keep one`;
}

/**
 * Which cache refs a build reads and writes. `builder` undefined: its facts could not be read, and the cache is
 * tried as asked (buildx says so if it cannot). One export replaces the whole ref, so:
 * - old-school: each platform is its own build and keeps its own ref (`REF-<arch>`);
 * - modern on a builder with several nodes: buildx hands every node the same --cache-to and the last export
 *   wins. So unless every platform asked for is pinned on one node, the build is split (see nodeGroups): one
 *   buildx build per node's pinned platforms, and one per platform no node pins, each reading and writing its
 *   platforms' refs (`REF-<arch>`, the refs an old-school build keeps too), joined into one list. When they are all
 *   pinned on one node, one build keeps them all in the one ref (and reads the per-platform refs too); when the
 *   nodes are not known, the one ref is written, the per-platform refs read, and the result says what that cannot
 *   keep.
 */
export function registryCachePlan(opts: { cacheRef: string; mode: 'modern' | 'old-school'; platforms: readonly string[]; builder: CacheBuilderFacts | undefined; builderName: string }): RegistryCachePlan {
  const { cacheRef, platforms, builder } = opts;
  const unavailable = builder ? cacheUnavailableReason(builder) : null;
  if (unavailable) return { ref: cacheRef, used: false, reason: unavailable, options: {} };
  const perPlatform = platforms.map((p) => cacheRefFor(cacheRef, p));
  if (opts.mode === 'old-school') {
    return { ref: cacheRef, used: true, refs: perPlatform, options: { cacheRef, cachePerPlatform: true } };
  }
  const nodes = builder?.nodes ?? 1;
  if (nodes > 1 && platforms.length > 1) {
    const groups = nodeGroups(builder!, platforms);
    if (groups && groups.length > 1) {
      return { ref: cacheRef, used: true, refs: perPlatform, reason: splitReason(opts.builderName, nodes, groups), split: groups, options: { cacheRef, nodeBuilds: groups } };
    }
    // one build: every platform asked for is pinned on one node
    if (groups) {
      return {
        ref: cacheRef,
        used: true,
        refs: [cacheRef, ...perPlatform],
        reason: `every platform asked for is pinned on node ${groups[0]!.node} of the builder ${opts.builderName}, so one buildx build keeps their cache in ${cacheRef}; the per-platform refs (${perPlatform.join(', ')}) are read too`,
        options: { cacheRef, cacheFrom: perPlatform },
      };
    }
    return {
      ref: cacheRef,
      used: true,
      refs: [cacheRef, ...perPlatform],
      reason: `the builder ${opts.builderName} has ${nodes} nodes and one buildx build writes one cache ref, so ${cacheRef} keeps the platforms of the node that exported last; the per-platform refs (${perPlatform.join(', ')}) are read too, and an old-school build writes them`,
      options: { cacheRef, cacheFrom: perPlatform },
    };
  }
  return { ref: cacheRef, used: true, refs: [cacheRef], options: { cacheRef } };
}
