/**
 * `docker buildx inspect [NAME]` output, across buildx versions:
 * - 0.10/0.11: node keys "Flags" and "Buildkit"; GC rules with "Keep Bytes";
 * - 0.12+: "BuildKit daemon flags" and "BuildKit version";
 * - newer: GC rules with "Max Used Space" and friends, the buildkitd config shown as "File#NAME:" lines.
 * The text is a tabwriter table of "Key:<spaces>value" lines; indented lines belong to the section above them
 * (Labels, GC Policy rule#N, File#…, Features, Devices). Pure functions.
 */
import { parsePlatformList } from './buildx-ls.js';

export interface BuildxInspectNode {
  name: string;
  endpoint?: string;
  /** Driver options as given at creation (`--driver-opt network=host` → {network: 'host'}). */
  driverOptions: Record<string, string>;
  status?: string;
  /** The node could not be reached or loaded; buildx then prints no status. */
  error?: string;
  /** Flags passed to buildkitd (`--allow-insecure-entitlement=network.host`). */
  buildkitdFlags: string[];
  buildkitVersion?: string;
  /** Every platform listed, pinned ones included, in buildx's order. */
  platforms: string[];
  /** Platforms fixed with --platform (printed with a trailing `*`). */
  pinnedPlatforms: string[];
  labels: Record<string, string>;
  /** Config files buildx copies into the node (newer versions print them), by file name. */
  files: Record<string, string>;
}

export interface BuildxInspect {
  name: string;
  driver: string;
  /** As printed, e.g. "2026-11-27 04:32:58 +0000 UTC". */
  lastActivity?: string;
  /** The builder as a whole could not be loaded. */
  error?: string;
  nodes: BuildxInspectNode[];
}

/** Keys are matched case-insensitively and across the renames buildx made between versions. */
const NODE_KEYS: Record<string, 'name' | 'endpoint' | 'driverOptions' | 'status' | 'error' | 'flags' | 'buildkit' | 'platforms'> = {
  name: 'name',
  endpoint: 'endpoint',
  'driver options': 'driverOptions',
  status: 'status',
  error: 'error',
  flags: 'flags',
  'buildkit daemon flags': 'flags',
  buildkit: 'buildkit',
  'buildkit version': 'buildkit',
  platforms: 'platforms',
};

interface Line {
  indented: boolean;
  key: string;
  value: string;
  raw: string;
}

function splitLine(raw: string): Line {
  const indented = /^\s/.test(raw);
  const text = raw.trim();
  const colon = text.indexOf(':');
  if (colon < 0) return { indented, key: '', value: text, raw };
  return { indented, key: text.slice(0, colon).trim(), value: text.slice(colon + 1).trim(), raw };
}

/**
 * Parses `Driver Options:` values: Go prints each as key=%q, space-separated (`network="host" image="x y"`).
 * Unquoted values (hand-typed or from other tools) are accepted too.
 */
export function parseDriverOptions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  for (const m of text.matchAll(re)) {
    const key = m[1] ?? '';
    if (m[2] !== undefined) {
      try {
        out[key] = JSON.parse(`"${m[2]}"`) as string;
      } catch {
        out[key] = m[2];
      }
    } else {
      out[key] = m[3] ?? '';
    }
  }
  return out;
}

function newNode(name: string): BuildxInspectNode {
  return { name, driverOptions: {}, buildkitdFlags: [], platforms: [], pinnedPlatforms: [], labels: {}, files: {} };
}

/** Parses the whole output. Returns null when it is not inspect output (no "Name:" line). */
export function parseBuildxInspect(stdout: string): BuildxInspect | null {
  const lines = stdout.split(/\r?\n/);
  let result: BuildxInspect | null = null;
  let inNodes = false;
  let node: BuildxInspectNode | undefined;
  /** The section indented lines belong to: "labels", "file:<name>", or something we skip. */
  let section: string | undefined;

  for (const raw of lines) {
    if (!raw.trim()) {
      // A blank line ends a node; a file's own blank lines are printed as "> " so they never reach here.
      section = undefined;
      continue;
    }
    const line = splitLine(raw);
    if (line.indented && section) {
      if (!node) continue;
      if (section === 'labels' && line.key) node.labels[line.key] = line.value;
      else if (section.startsWith('file:')) {
        const name = section.slice('file:'.length);
        const content = raw.trim().replace(/^>\s?/, '');
        node.files[name] = node.files[name] === undefined ? content : `${node.files[name]}\n${content}`;
      }
      continue;
    }
    section = undefined;
    const key = line.key.toLowerCase();

    if (!inNodes) {
      if (key === 'nodes' && !line.value) {
        inNodes = true;
        continue;
      }
      if (key === 'name') result = { name: line.value, driver: '', nodes: [] };
      else if (!result) continue;
      else if (key === 'driver') result.driver = line.value;
      else if (key === 'last activity') result.lastActivity = line.value;
      else if (key === 'error') result.error = line.value;
      continue;
    }

    if (!result) continue;
    if (key === 'labels' && !line.value) {
      section = 'labels';
      continue;
    }
    const file = /^file#(.+)$/i.exec(line.key);
    if (file && !line.value) {
      section = `file:${file[1] ?? ''}`;
      continue;
    }
    if (!line.value && line.key) {
      // GC Policy rule#N, Features, Devices: sections we do not keep.
      section = 'skip';
      continue;
    }
    const field = NODE_KEYS[key];
    if (field === 'name') {
      node = newNode(line.value);
      result.nodes.push(node);
      continue;
    }
    if (!node || !field) continue;
    switch (field) {
      case 'endpoint':
        node.endpoint = line.value;
        break;
      case 'driverOptions':
        node.driverOptions = parseDriverOptions(line.value);
        break;
      case 'status':
        node.status = line.value;
        break;
      case 'error':
        node.error = line.value;
        node.status = 'error';
        break;
      case 'flags':
        node.buildkitdFlags = line.value.split(/\s+/).filter(Boolean);
        break;
      case 'buildkit':
        node.buildkitVersion = line.value;
        break;
      case 'platforms': {
        const list = parsePlatformList(line.value);
        node.platforms = list.platforms;
        node.pinnedPlatforms = list.pinned;
        break;
      }
    }
  }
  return result;
}

/** The current builder's name, from `docker buildx inspect` without a name. */
export function inspectedName(stdout: string): string | undefined {
  return parseBuildxInspect(stdout)?.name || undefined;
}
