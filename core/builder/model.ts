/**
 * From parsed buildx output to the BuilderInfo every front shows. Pure functions.
 */
import type { BuilderInfo, BuilderNodeInfo, PlatformNode } from '../contract/builder.js';
import type { BuilderSummary } from '../contract/doctor.js';
import type { BuildxInspect } from '../docker/parsers/buildx-inspect.js';
import { mergeBuildxLs, parseBuildxLsJson, type BuildxLsResult } from '../docker/parsers/buildx-ls.js';

/** Pinned platforms first (buildx prints them first too), without duplicates. */
function orderPlatforms(platforms: readonly string[], pinned: readonly string[]): string[] {
  return [...new Set([...pinned, ...platforms])];
}

/**
 * Which node builds each platform. buildx sends a platform to a node that pinned it, and otherwise to the
 * first node that supports it; a node that never started lists only what it pinned.
 */
export function platformNodes(nodes: readonly BuilderNodeInfo[]): PlatformNode[] {
  const out: PlatformNode[] = [];
  const seen = new Set<string>();
  for (const pass of ['pinned', 'listed'] as const) {
    for (const node of nodes) {
      if (node.error) continue;
      for (const platform of pass === 'pinned' ? node.pinnedPlatforms : node.platforms) {
        if (seen.has(platform)) continue;
        seen.add(platform);
        out.push({ platform, node: node.name, endpoint: node.endpoint, pinned: node.pinnedPlatforms.includes(platform) });
      }
    }
  }
  return out;
}

export function builderStatus(nodes: readonly BuilderNodeInfo[], error?: string): string {
  if (error) return 'error';
  if (nodes.some((n) => n.status === 'running')) return 'running';
  return nodes[0]?.status ?? 'unknown';
}

export function fromInspect(inspect: BuildxInspect, current: boolean): BuilderInfo {
  const nodes: BuilderNodeInfo[] = inspect.nodes.map((n) => {
    const node: BuilderNodeInfo = {
      name: n.name,
      endpoint: n.endpoint ?? '',
      status: n.status ?? (n.error ? 'error' : 'unknown'),
      platforms: orderPlatforms(n.platforms, n.pinnedPlatforms),
      pinnedPlatforms: [...n.pinnedPlatforms],
      driverOptions: { ...n.driverOptions },
      buildkitdFlags: [...n.buildkitdFlags],
    };
    if (n.buildkitVersion) node.buildkitVersion = n.buildkitVersion;
    if (n.error) node.error = n.error;
    return node;
  });
  const info: BuilderInfo = {
    name: inspect.name,
    driver: inspect.driver,
    current,
    status: builderStatus(nodes, inspect.error),
    nodes,
    platformNodes: platformNodes(nodes),
  };
  if (inspect.lastActivity) info.lastActivity = inspect.lastActivity;
  if (inspect.error) info.error = inspect.error;
  return info;
}

/** What `buildx ls --format json` knows beyond the table: driver options, buildkitd flags, last activity. */
export interface LsBuilderDetails {
  lastActivity?: string;
  nodes: Record<string, { driverOptions: Record<string, string>; buildkitdFlags: string[] }>;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Reads the extra fields from `docker buildx ls --format json` (0.13+: one object per line, repeated per node row). */
export function parseLsJsonDetails(stdout: string): Record<string, LsBuilderDetails> {
  const out: Record<string, LsBuilderDetails> = {};
  const text = stdout.trim();
  if (!text) return out;
  let objects: unknown[];
  try {
    objects = text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split(/\r?\n/).filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
  } catch {
    return out;
  }
  for (const o of objects) {
    if (!o || typeof o !== 'object') continue;
    const b = o as { Name?: unknown; LastActivity?: unknown; Nodes?: unknown };
    if (typeof b.Name !== 'string' || out[b.Name]) continue;
    const details: LsBuilderDetails = { nodes: {} };
    if (typeof b.LastActivity === 'string' && !b.LastActivity.startsWith('0001-')) details.lastActivity = b.LastActivity;
    for (const n of Array.isArray(b.Nodes) ? (b.Nodes as unknown[]) : []) {
      if (!n || typeof n !== 'object') continue;
      const node = n as { Name?: unknown; DriverOpts?: unknown; Flags?: unknown };
      if (typeof node.Name !== 'string') continue;
      details.nodes[node.Name] = {
        driverOptions: stringRecord(node.DriverOpts),
        buildkitdFlags: Array.isArray(node.Flags) ? (node.Flags as unknown[]).filter((f): f is string => typeof f === 'string') : [],
      };
    }
    out[b.Name] = details;
  }
  return out;
}

/** A builder from `buildx ls` (table merged with JSON), completed with the JSON's or an inspect's details. */
export function fromSummary(summary: BuilderSummary, details?: LsBuilderDetails): BuilderInfo {
  const nodes: BuilderNodeInfo[] = summary.nodes.map((n) => {
    const pinned = n.pinnedPlatforms ?? [];
    const extra = details?.nodes[n.name];
    const node: BuilderNodeInfo = {
      name: n.name,
      endpoint: n.endpoint ?? '',
      status: n.status ?? (n.error ? 'error' : 'unknown'),
      platforms: orderPlatforms(n.platforms, pinned),
      pinnedPlatforms: [...pinned],
      driverOptions: { ...(extra?.driverOptions ?? {}) },
      buildkitdFlags: [...(extra?.buildkitdFlags ?? [])],
    };
    if (n.buildkitVersion) node.buildkitVersion = n.buildkitVersion;
    if (n.error) node.error = n.error;
    return node;
  });
  const info: BuilderInfo = {
    name: summary.name,
    driver: summary.driver,
    current: summary.current,
    status: summary.error ? 'error' : builderStatus(nodes),
    nodes,
    platformNodes: platformNodes(nodes),
  };
  if (details?.lastActivity) info.lastActivity = details.lastActivity;
  if (summary.error) info.error = summary.error;
  if (summary.platformsTruncated) info.platformsTruncated = true;
  return info;
}

/** Inspect knows more per node than ls: use it to fill in what an old buildx's ls could not tell. */
export function withInspectDetails(info: BuilderInfo, inspect: BuildxInspect | null): BuilderInfo {
  if (!inspect) return info;
  const nodes = info.nodes.map((n) => {
    const i = inspect.nodes.find((x) => x.name === n.name);
    if (!i) return n;
    return { ...n, driverOptions: { ...i.driverOptions }, buildkitdFlags: [...i.buildkitdFlags] };
  });
  const out: BuilderInfo = { ...info, nodes };
  if (!out.lastActivity && inspect.lastActivity) out.lastActivity = inspect.lastActivity;
  return out;
}

/**
 * Every builder as `docker buildx ls` describes it: its table (the current builder, pinned platforms, errors) merged
 * with its JSON (buildx 0.13+: complete platform lists, driver options), before any per-node question to an engine.
 * `fromJson` false: no JSON, or JSON we could not read (then only the table's facts are there).
 */
export function buildersFromLs(table: BuildxLsResult, jsonText: string | undefined): { builders: BuilderInfo[]; current?: string; fromJson: boolean } {
  let jsonBuilders;
  let details: ReturnType<typeof parseLsJsonDetails> = {};
  if (jsonText !== undefined) {
    try {
      jsonBuilders = parseBuildxLsJson(jsonText);
      details = parseLsJsonDetails(jsonText);
    } catch {
      jsonBuilders = undefined;
    }
  }
  const merged = mergeBuildxLs(table, jsonBuilders);
  const builders = merged.builders.map((b) => fromSummary(b, details[b.name]));
  const current = merged.current ?? builders.find((b) => b.current)?.name;
  return { builders, ...(current ? { current } : {}), fromJson: jsonBuilders !== undefined };
}
