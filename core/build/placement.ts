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
import { formatPlatform, parsePlatform } from '../registry/manifest.js';
import { nativePlatformOf, type PlatformPlacement } from './timing.js';

const QUICK_MS = 15_000;

export interface NodePlacement {
  node: string;
  endpoint: string;
  status: string;
  /** What the node's engine runs without emulation; absent when its engine did not say. */
  nativePlatform?: string;
  /** The platforms this build sent to it. */
  platforms: string[];
}

export interface BuildPlacement {
  builder: string;
  driver: string;
  nodes: NodePlacement[];
  placementOf: (platform: string) => PlatformPlacement;
}

function normalise(platform: string): string {
  try {
    return formatPlatform(parsePlatform(platform));
  } catch {
    return platform;
  }
}

/** `docker -H URL …` for an address, `docker --context NAME …` for a context (buildx names nodes' endpoints either way). */
export function engineArgs(endpoint: string): string[] {
  return /^[a-z]+:\/\//.test(endpoint) ? ['--host', endpoint] : ['--context', endpoint];
}

async function nodeNativePlatform(cli: DockerCli, endpoint: string, signal?: AbortSignal): Promise<string | undefined> {
  if (!endpoint) return undefined;
  const r = await cli
    .run([...engineArgs(endpoint), 'version', '--format', '{{.Server.Os}} {{.Server.Arch}}'], { allowFailure: true, timeoutMs: QUICK_MS, ...(signal ? { signal } : {}) })
    .catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const [os, arch] = r.stdout.trim().split(/\s+/);
  return os && arch ? nativePlatformOf(os, arch) : undefined;
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
  const nodes: NodePlacement[] = info.nodes.map((n) => {
    const out: NodePlacement = { node: n.name, endpoint: n.endpoint, status: n.status, platforms: platforms.filter((p) => nodeOf(p) === n.name) };
    const native = natives[n.name];
    if (native) out.nativePlatform = native;
    return out;
  });
  return {
    builder: info.name,
    driver: info.driver,
    nodes,
    placementOf: (platform) => {
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
export async function readPlacement(cli: DockerCli, builder: string, platforms: readonly string[], signal?: AbortSignal): Promise<BuildPlacement | undefined> {
  const r = await cli.run(['buildx', 'inspect', builder], { allowFailure: true, timeoutMs: QUICK_MS, ...(signal ? { signal } : {}) }).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const parsed = parseBuildxInspect(r.stdout);
  if (!parsed) return undefined;
  const info = fromInspect(parsed, false);
  const natives: Record<string, string | undefined> = {};
  await Promise.all(info.nodes.map(async (n) => (natives[n.name] = await nodeNativePlatform(cli, n.endpoint, signal))));
  return placementFrom(info, natives, platforms);
}
