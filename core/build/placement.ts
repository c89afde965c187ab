/**
 * Which node of a builder builds each platform, and what each node runs natively: read from
 * `docker buildx inspect` (the nodes, their endpoints and pinned platforms) and from each node's engine
 * (`docker version`: its OS and CPU). Nothing here is guessed: a node whose engine does not answer gets no
 * native platform, and the timing then says it cannot tell.
 *
 * Before a build (issue 13) buildx's own files answer first, without a process competing with BuildKit: a
 * one-node docker-container builder on the app's own engine is placed from its instance file, the builder of
 * the docker context the app uses from the context's name (the docker driver: one node, on that engine); any other
 * one-node builder is read after the build (nothing shown during it depends on the placement); only a builder
 * with several nodes, or one the files cannot tell, is read beside the build, for the live timeline's nodes.
 */
import type { BuilderInfo } from '../contract/builder.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { parseBuildxInspect } from '../docker/parsers/buildx-inspect.js';
import { fromInspect } from '../builder/model.js';
import { formatPlatform, parsePlatform } from '../platform.js';
import { nodeNativePlatform } from '../builder/node-platform.js';
import { readBuilderFiles } from '../builder/state-files.js';
import type { PlatformPlacement } from './timing.js';

const QUICK_MS = 15_000;

export { engineArgs } from '../builder/node-platform.js';

export interface NodePlacement {
  node: string;
  endpoint: string;
  /** What the node's engine runs without emulation; absent when its engine did not say. */
  nativePlatform?: string;
  /** The platforms this build sent to it (empty when that cannot be told). */
  platforms: string[];
  /** The platforms the node pins (`--platform` at create or append). */
  pinned: string[];
}

export interface BuildPlacement {
  builder: string;
  driver: string;
  nodes: NodePlacement[];
  /**
   * False when buildx may not follow the pins: seen with buildx 0.13, a build for several platforms on a builder
   * whose first node pins none went wholly to the first node. Then no node is named for any platform.
   */
  known: boolean;
  placementOf: (platform: string) => PlatformPlacement;
}

function normalise(platform: string): string {
  try {
    return formatPlatform(parsePlatform(platform));
  } catch {
    return platform;
  }
}

/**
 * The node each platform goes to, by buildx's rule as `platformNodes` states it (a node that pins the
 * platform, else the first that lists it), with each node's native platform read from its engine.
 */
export function placementFrom(info: BuilderInfo, natives: Record<string, string | undefined>, platforms: readonly string[]): BuildPlacement {
  const byPlatform = new Map(info.platformNodes.map((p) => [normalise(p.platform), p.node]));
  const first = info.nodes.find((n) => !n.error)?.name ?? info.nodes[0]?.name;
  const nodeOf = (platform: string): string | undefined => byPlatform.get(normalise(platform)) ?? first;
  const several = info.nodes.length > 1;
  // One platform at a time (the old-school way) went to the node pinning it in every case we saw; several at once
  // only when every node pins its platforms.
  const known = !several || platforms.length < 2 || info.nodes.every((n) => n.pinnedPlatforms.length > 0);
  const nodes: NodePlacement[] = info.nodes.map((n) => {
    const out: NodePlacement = { node: n.name, endpoint: n.endpoint, platforms: known ? platforms.filter((p) => nodeOf(p) === n.name) : [], pinned: [...n.pinnedPlatforms] };
    const native = natives[n.name];
    if (native) out.nativePlatform = native;
    return out;
  });
  return {
    builder: info.name,
    driver: info.driver,
    nodes,
    known,
    placementOf: (platform) => {
      if (!known) return {};
      const node = nodeOf(platform);
      const out: PlatformPlacement = {};
      if (node && several) out.node = node;
      const native = node ? natives[node] : undefined;
      if (native) out.nativePlatform = native;
      return out;
    },
  };
}

/** Reads the builder and its nodes' engines; undefined when the builder cannot be inspected. */
export async function readPlacement(
  cli: DockerCli,
  builder: string,
  platforms: readonly string[],
  signal?: AbortSignal,
  /** Native platforms already known by node endpoint (the app's own engine): no `docker version` for those. */
  knownNatives: Readonly<Record<string, string>> = {},
): Promise<BuildPlacement | undefined> {
  const r = await cli.run(['buildx', 'inspect', builder], { allowFailure: true, timeoutMs: QUICK_MS, ...(signal ? { signal } : {}) }).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const parsed = parseBuildxInspect(r.stdout);
  if (!parsed) return undefined;
  const info = fromInspect(parsed, false);
  const natives: Record<string, string | undefined> = {};
  // During a build every process started competes with BuildKit for the CPU: ask only the engines not known yet.
  await Promise.all(info.nodes.map(async (n) => (natives[n.name] = knownNatives[n.endpoint] ?? (await nodeNativePlatform(cli, n.endpoint, signal)))));
  return placementFrom(info, natives, platforms);
}

/**
 * The placement of a build on builder NAME from the text of its buildx instance file
 * ($DOCKER_CONFIG/buildx/instances/NAME), with the native platforms known without asking (the app's own engine,
 * by endpoint). Pure. `nodes` is how many nodes the file lists (undefined when the text is not NAME's instance
 * file); `placement` is given only where the file answers for sure, i.e. where `readPlacement` would say the
 * same: one node, the docker-container driver (whose BuildKit runs on the endpoint's engine), not dynamic, no
 * pinned platforms, its endpoint's engine known. Several nodes, pins, other drivers (remote: BuildKit runs
 * elsewhere) or an engine not known get no placement: the caller asks buildx and the engines.
 */
export function placementFromInstance(
  name: string,
  text: string,
  knownNatives: Readonly<Record<string, string>>,
  platforms: readonly string[],
): { nodes?: number; placement?: BuildPlacement } {
  let file: { Name?: unknown; Driver?: unknown; Dynamic?: unknown; Nodes?: unknown };
  try {
    file = JSON.parse(text) as typeof file;
  } catch {
    return {};
  }
  if (!file || typeof file !== 'object' || file.Name !== name || typeof file.Driver !== 'string' || !Array.isArray(file.Nodes) || file.Nodes.length === 0) return {};
  // a dynamic builder's nodes come and go (buildx's own word): the file's count is not the build's
  if (file.Dynamic !== false && file.Dynamic !== undefined) return {};
  const nodes = file.Nodes.length;
  if (nodes !== 1 || file.Driver !== 'docker-container') return { nodes };
  const n = file.Nodes[0] as { Name?: unknown; Endpoint?: unknown; Platforms?: unknown };
  const unpinned = n.Platforms === null || n.Platforms === undefined || (Array.isArray(n.Platforms) && n.Platforms.length === 0);
  if (typeof n.Name !== 'string' || !n.Name || typeof n.Endpoint !== 'string' || !unpinned) return { nodes };
  const placement = oneNodePlacement(name, file.Driver, n.Name, n.Endpoint, knownNatives, platforms);
  return placement ? { nodes, placement } : { nodes };
}

/**
 * The placement of a build on the builder of docker context NAME (the docker driver: one node, named after the
 * context, BuildKit inside that context's engine), when that engine is known without asking; else undefined. Pure.
 */
export function placementOfContextBuilder(name: string, knownNatives: Readonly<Record<string, string>>, platforms: readonly string[]): BuildPlacement | undefined {
  return oneNodePlacement(name, 'docker', name, name, knownNatives, platforms);
}

/** A builder of one unpinned node whose engine's native platform is known by its endpoint; else undefined. */
function oneNodePlacement(
  builder: string,
  driver: string,
  node: string,
  endpoint: string,
  knownNatives: Readonly<Record<string, string>>,
  platforms: readonly string[],
): BuildPlacement | undefined {
  const native = Object.hasOwn(knownNatives, endpoint) ? knownNatives[endpoint] : undefined;
  if (!native) return undefined;
  const info: BuilderInfo = {
    name: builder,
    driver,
    current: false,
    status: 'unknown',
    nodes: [{ name: node, endpoint, status: 'unknown', platforms: [], pinnedPlatforms: [], driverOptions: {}, buildkitdFlags: [] }],
    platformNodes: [],
  };
  return placementFrom(info, { [node]: native }, platforms);
}

/**
 * What is known of the placement before a build, from buildx's files only (no process):
 *  - `placement`: the one-node cases the files answer (placementFromInstance, placementOfContextBuilder);
 *  - `oneNode`: a builder with one node whose placement the files cannot give (pins, another engine, a remote
 *    driver): it names no node during the build, so it is read after it;
 *  - neither: several nodes, or the files cannot tell: read it beside the build.
 */
export async function placementBeforeBuild(
  env: NodeJS.ProcessEnv,
  builder: string,
  platforms: readonly string[],
  knownNatives: Readonly<Record<string, string>> = {},
): Promise<{ placement?: BuildPlacement; oneNode?: boolean }> {
  const files = await readBuilderFiles(builder, env).catch(() => undefined);
  if (!files) return {};
  if ('context' in files) {
    const placement = placementOfContextBuilder(builder, knownNatives, platforms);
    return placement ? { placement } : { oneNode: true };
  }
  const read = placementFromInstance(builder, files.instance, knownNatives, platforms);
  if (read.placement) return { placement: read.placement };
  return read.nodes === 1 ? { oneNode: true } : {};
}
