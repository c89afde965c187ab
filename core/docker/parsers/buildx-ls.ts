/**
 * `docker buildx ls` in its table forms (0.10–0.12: two-space node indent and "name *";
 * 0.13+: " \_ " node prefix and "name*"; 0.14+: shortened platform lists) and its JSON form (0.13+).
 */
import type { BuilderNodeSummary, BuilderSummary } from '../../contract/doctor.js';

export interface BuildxLsResult {
  builders: BuilderSummary[];
  /** The builder marked with `*`, when the table had one. */
  current?: string;
}

export interface PlatformList {
  platforms: string[];
  /** Platforms the user fixed with --platform (printed with a trailing `*`). */
  pinned: string[];
  /** The list was shortened ("linux/amd64 (+3)", "(4 more)"): some platforms are not named. */
  truncated: boolean;
}

/** Parses a PLATFORMS cell: "linux/amd64*, linux/arm64, linux/arm (+2), (4 more)". */
export function parsePlatformList(cell: string): PlatformList {
  const out: PlatformList = { platforms: [], pinned: [], truncated: false };
  for (const raw of cell.split(',')) {
    let item = raw.trim();
    if (!item) continue;
    if (/^\(\d+ more\)$/.test(item)) {
      out.truncated = true;
      continue;
    }
    const grouped = /^(.*?)\s*\(\+\d+\)$/.exec(item);
    if (grouped) {
      out.truncated = true;
      item = (grouped[1] ?? '').trim();
    }
    const pinned = item.endsWith('*');
    if (pinned) item = item.slice(0, -1).trim();
    if (!item) continue;
    if (!out.platforms.includes(item)) out.platforms.push(item);
    if (pinned && !out.pinned.includes(item)) out.pinned.push(item);
  }
  return out;
}

interface Column {
  key: 'name' | 'endpoint' | 'status' | 'buildkit' | 'platforms' | 'other';
  start: number;
}

const HEADERS: [string, Column['key']][] = [
  ['NAME/NODE', 'name'],
  ['DRIVER/ENDPOINT', 'endpoint'],
  ['STATUS', 'status'],
  ['LAST ACTIVITY', 'other'],
  ['BUILDKIT', 'buildkit'],
  ['PLATFORMS', 'platforms'],
];

const NODE_PREFIX = /^\\_\s*/;

/**
 * Parses the table by the header's column positions (tabwriter pads every cell to the column width),
 * which keeps empty cells and names with spaces ("default *") apart.
 */
export function parseBuildxLsTable(stdout: string, stderr = ''): BuildxLsResult {
  const lines = stdout.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trimStart().startsWith('NAME/NODE'));
  const result: BuildxLsResult = { builders: [] };
  if (headerIndex < 0) return result;
  const header = lines[headerIndex] ?? '';
  const columns: Column[] = [];
  for (const [title, key] of HEADERS) {
    const start = header.indexOf(title);
    if (start >= 0) columns.push({ key, start });
  }
  columns.sort((a, b) => a.start - b.start);

  let builder: BuilderSummary | undefined;
  for (const line of lines.slice(headerIndex + 1)) {
    if (!line.trim()) continue;
    const cells = sliceCells(line, columns);
    const nameCell = cells.name ?? '';
    const isNode = /^\s/.test(line) || NODE_PREFIX.test(nameCell.trim());
    if (!isNode) {
      let name = nameCell.trim();
      let current = false;
      if (name.endsWith('*')) {
        current = true;
        name = name.slice(0, -1).trim();
      }
      builder = { name, driver: (cells.endpoint ?? '').trim(), current, nodes: [] };
      const status = (cells.status ?? '').trim();
      if (status) builder.status = status;
      if (status === 'error') builder.error = 'buildx could not load this builder';
      if (current) result.current = name;
      result.builders.push(builder);
      continue;
    }
    if (!builder) continue;
    const node: BuilderNodeSummary = { name: (cells.name ?? '').trim().replace(NODE_PREFIX, ''), platforms: [] };
    const endpoint = (cells.endpoint ?? '').trim().replace(NODE_PREFIX, '');
    if (endpoint) node.endpoint = endpoint;
    const status = (cells.status ?? '').trim();
    if (status) node.status = status;
    if (status === 'error') node.error = 'buildx could not get the status of this node';
    const buildkit = (cells.buildkit ?? '').trim();
    if (buildkit && buildkit !== 'N/A') node.buildkitVersion = buildkit;
    const list = parsePlatformList(cells.platforms ?? '');
    node.platforms = list.platforms;
    if (list.pinned.length) node.pinnedPlatforms = list.pinned;
    if (list.truncated) builder.platformsTruncated = true;
    builder.nodes.push(node);
    if (!builder.status && status) builder.status = status;
  }
  applyLsErrors(result.builders, stderr);
  return result;
}

function sliceCells(line: string, columns: Column[]): Partial<Record<Column['key'], string>> {
  const cells: Partial<Record<Column['key'], string>> = {};
  columns.forEach((col, i) => {
    const next = columns[i + 1];
    const cell = line.slice(col.start, next ? next.start : undefined);
    if (col.key !== 'other') cells[col.key] = cell;
  });
  return cells;
}

/** Attaches the reasons buildx prints on stderr after the table ("Cannot load builder …", "Failed to get status for …"). */
export function applyLsErrors(builders: BuilderSummary[], stderr: string): void {
  for (const line of stderr.split(/\r?\n/)) {
    const load = /^Cannot load builder (.+?)(?: \*)?: (.*)$/.exec(line.trim());
    if (load) {
      const b = builders.find((x) => x.name === (load[1] ?? '').replace(/\*$/, '').trim());
      if (b) b.error = load[2] ?? b.error;
      continue;
    }
    const status = /^Failed to get status for (.+?) \((.+)\): (.*)$/.exec(line.trim());
    if (status) {
      const b = builders.find((x) => x.name === (status[1] ?? '').replace(/\s*\*$/, '').trim());
      const n = b?.nodes.find((x) => x.name === status[2]);
      if (n) n.error = status[3] ?? n.error;
    }
  }
}

interface JsonNode {
  Name?: unknown;
  Endpoint?: unknown;
  Status?: unknown;
  Version?: unknown;
  Platforms?: unknown;
  Err?: unknown;
}

interface JsonBuilder {
  Name?: unknown;
  Driver?: unknown;
  Nodes?: unknown;
  Err?: unknown;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/**
 * Parses `docker buildx ls --format json`: one object per line. buildx 0.13 prints a builder once per row of
 * its table (the builder and each node), so duplicates are dropped. It does not say which builder is current.
 */
export function parseBuildxLsJson(stdout: string): BuilderSummary[] {
  const text = stdout.trim();
  if (!text) return [];
  const objects: JsonBuilder[] = [];
  if (text.startsWith('[')) {
    const arr = JSON.parse(text) as unknown;
    if (Array.isArray(arr)) objects.push(...(arr as JsonBuilder[]));
  } else {
    for (const line of text.split(/\r?\n/)) {
      if (!line.trim()) continue;
      objects.push(JSON.parse(line) as JsonBuilder);
    }
  }
  const byName = new Map<string, BuilderSummary>();
  for (const o of objects) {
    const name = str(o.Name);
    if (!name || byName.has(name)) continue;
    const b: BuilderSummary = { name, driver: str(o.Driver) ?? '', current: false, nodes: [] };
    const err = str(o.Err);
    if (err) {
      b.error = err;
      b.status = 'error';
    }
    for (const n of Array.isArray(o.Nodes) ? (o.Nodes as JsonNode[]) : []) {
      const nodeName = str(n.Name);
      if (!nodeName) continue;
      const node: BuilderNodeSummary = {
        name: nodeName,
        platforms: Array.isArray(n.Platforms) ? (n.Platforms as unknown[]).filter((p): p is string => typeof p === 'string') : [],
      };
      const endpoint = str(n.Endpoint);
      if (endpoint) node.endpoint = endpoint;
      const status = str(n.Status);
      if (status) node.status = status;
      const version = str(n.Version);
      if (version) node.buildkitVersion = version;
      const nodeErr = str(n.Err);
      if (nodeErr) {
        node.error = nodeErr;
        node.status = 'error';
      }
      b.nodes.push(node);
    }
    if (!b.status) b.status = b.nodes[0]?.status;
    if (b.status === undefined) delete b.status;
    byName.set(name, b);
  }
  return [...byName.values()];
}

/**
 * Combines both views: the JSON has complete platform lists, the table knows the current builder
 * and which platforms are pinned.
 */
export function mergeBuildxLs(table: BuildxLsResult, json: BuilderSummary[] | undefined): BuildxLsResult {
  if (!json || json.length === 0) return table;
  const builders = json.map((b) => {
    const fromTable = table.builders.find((t) => t.name === b.name);
    const merged: BuilderSummary = { ...b, current: fromTable?.current ?? b.name === table.current };
    if (!merged.error && fromTable?.error) merged.error = fromTable.error;
    merged.nodes = b.nodes.map((n) => {
      const tn = fromTable?.nodes.find((x) => x.name === n.name);
      const node: BuilderNodeSummary = { ...n };
      if (tn?.pinnedPlatforms) node.pinnedPlatforms = tn.pinnedPlatforms;
      if (!node.error && tn?.error) node.error = tn.error;
      return node;
    });
    return merged;
  });
  for (const t of table.builders) if (!builders.some((b) => b.name === t.name)) builders.push(t);
  const out: BuildxLsResult = { builders };
  if (table.current) out.current = table.current;
  return out;
}

/**
 * One `docker buildx ls` that gives what the table and the JSON give together (buildx 0.13+): per row of the table,
 * the builder's JSON, then the table's own cells, each as JSON. `.Builder.Current` is the table's `*`; `.Platforms`
 * marks pinned platforms with `*` as the table does (and is never shortened outside the table); `.Error` is the
 * reason the table prints on stderr. One process instead of two (issue 15).
 */
export const LS_TEMPLATE = '{{json .}}\t{{json .Builder.Current}}\t{{json .Name}}\t{{json .DriverEndpoint}}\t{{json .Status}}\t{{json .Buildkit}}\t{{json .Platforms}}\t{{json .Error}}';

interface TemplateRow {
  builder: JsonBuilder;
  current: boolean;
  name: string;
  driverEndpoint: string;
  status: string;
  buildkit: string;
  platforms: string;
  error: string;
}

function templateRow(line: string): TemplateRow | undefined {
  const cells = line.split('\t');
  if (cells.length !== 8) return undefined;
  const [builder, current, name, driverEndpoint, status, buildkit, platforms, error] = cells.map((c) => JSON.parse(c) as unknown);
  if (!builder || typeof builder !== 'object' || typeof current !== 'boolean') return undefined;
  const strings = [name, driverEndpoint, status, buildkit, platforms, error];
  if (!strings.every((s): s is string => typeof s === 'string')) return undefined;
  const [n, d, st, bk, pl, er] = strings as string[];
  return { builder: builder as JsonBuilder, current, name: n ?? '', driverEndpoint: d ?? '', status: st ?? '', buildkit: bk ?? '', platforms: pl ?? '', error: er ?? '' };
}

/**
 * Parses LS_TEMPLATE's output into what `parseBuildxLsTable` (with the stderr reasons) and the `--format json` output
 * would have given, row for row, so `mergeBuildxLs` answers the same. Undefined when the rows do not line up with the
 * builders they claim (the caller then asks buildx the old way).
 */
export function parseBuildxLsTemplate(stdout: string): { table: BuildxLsResult; jsonText: string } | undefined {
  let rows: TemplateRow[];
  try {
    const parsed = stdout.split(/\r?\n/).filter((l) => l.trim()).map(templateRow);
    if (parsed.some((r) => !r)) return undefined;
    rows = parsed as TemplateRow[];
  } catch {
    return undefined;
  }
  const table: BuildxLsResult = { builders: [] };
  let i = 0;
  while (i < rows.length) {
    const row = rows[i++] as TemplateRow;
    const jsonName = str(row.builder.Name);
    if (!jsonName || row.name !== jsonName) return undefined;
    const builder: BuilderSummary = { name: row.name, driver: row.driverEndpoint, current: row.current, nodes: [] };
    if (row.status) builder.status = row.status;
    if (row.status === 'error') builder.error = row.error.trim() || 'buildx could not load this builder';
    if (row.current) table.current = row.name;
    table.builders.push(builder);
    // buildx prints a builder that could not be loaded without its nodes
    if (row.error) continue;
    const nodes = Array.isArray(row.builder.Nodes) ? (row.builder.Nodes as JsonNode[]) : [];
    for (const expected of nodes) {
      const nodeRow = rows[i++];
      if (!nodeRow || str(nodeRow.builder.Name) !== jsonName || nodeRow.name !== str(expected.Name)) return undefined;
      const node: BuilderNodeSummary = { name: nodeRow.name, platforms: [] };
      if (nodeRow.driverEndpoint) node.endpoint = nodeRow.driverEndpoint;
      if (nodeRow.status) node.status = nodeRow.status;
      if (nodeRow.status === 'error') node.error = nodeRow.error.trim() || 'buildx could not get the status of this node';
      if (nodeRow.buildkit && nodeRow.buildkit !== 'N/A') node.buildkitVersion = nodeRow.buildkit;
      const list = parsePlatformList(nodeRow.platforms);
      node.platforms = list.platforms;
      if (list.pinned.length) node.pinnedPlatforms = list.pinned;
      if (list.truncated) builder.platformsTruncated = true;
      builder.nodes.push(node);
      if (!builder.status && nodeRow.status) builder.status = nodeRow.status;
    }
  }
  return { table, jsonText: rows.map((r) => JSON.stringify(r.builder)).join('\n') };
}
