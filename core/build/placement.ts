/**
 * Which node of a builder builds each platform, and what each node runs natively: read from
 * `docker buildx inspect` (the nodes, their endpoints and pinned platforms) and from each node's engine
 * (`docker version`: its OS and CPU). Nothing here is guessed: a node whose engine does not answer gets no
 * native platform, and the timing then says it cannot tell.
 */
import type { BuilderInfo } from '../contract/builder.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { parseBuildxInspect } from '../docker/parsers/buildx-inspect.js';
import { fromInspect } from '../builder/model.js';
import { formatPlatform, parsePlatform } from '../platform.js';
import { nodeNativePlatform } from '../builder/node-platform.js';
import type { PlatformPlacement } from './timing.js';

const QUICK_MS = 15_000;

export { engineArgs } from '../builder/node-platform.js';

export interface NodePlacement {
  node: string;
  endpoint: string;
  status: string;
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
    const out: NodePlacement = { node: n.name, endpoint: n.endpoint, status: n.status, platforms: known ? platforms.filter((p) => nodeOf(p) === n.name) : [], pinned: [...n.pinnedPlatforms] };
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
