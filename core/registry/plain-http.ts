/**
 * Which registries the app reaches over plain HTTP, and why. One list for every part of the app (the registry
 * client, both build flows, inspect, ls, run, gc, verify, check), gathered from four places:
 *  - loopback addresses (localhost, 127.0.0.0/8, ::1), which dockerd and BuildKit also treat as plain HTTP;
 *  - the registries a buildx builder's buildkitd.toml marks `http = true`: asking once is enough, so a registry
 *    marked plain-HTTP for the builder is plain-HTTP for the app too;
 *  - the engine's own insecure registries (daemon.json `insecure-registries`, read back from `docker info`),
 *    by name or by CIDR, matched as dockerd matches them;
 *  - the registries the user added in Settings.
 * Everything else is HTTPS. A registry that is not in the list and answers plain HTTP is never tried over HTTP
 * behind the user's back: it gets an error naming the one action that adds it.
 * This file is pure; plain-http-sources.ts gathers the list.
 */
import { isIP } from 'node:net';
import { AppError } from '../contract/errors.js';
import type { PlainHttpDecision, PlainHttpEntry, PlainHttpList, PlainHttpSource } from '../contract/plain-http.js';
import { DOCKER_HUB, hostOf, isLoopbackRegistry, normalizeRegistry } from './reference.js';

/** What error details carry so a front can offer the one action: add this registry to the list. */
export const ADD_PLAIN_HTTP_ACTION = 'add-plain-http-registry';

export interface AddPlainHttpAction {
  action: typeof ADD_PLAIN_HTTP_ACTION;
  registry: string;
  /** The CLI command that does it. */
  command: string[];
}

/** Registry names compare without case in the host and with Docker Hub's aliases folded. */
export function registryKey(registry: string): string {
  const normalized = normalizeRegistry(registry);
  if (normalized.startsWith('[')) return normalized.toLowerCase();
  const colon = normalized.lastIndexOf(':');
  return colon === -1 ? normalized.toLowerCase() : `${normalized.slice(0, colon).toLowerCase()}${normalized.slice(colon)}`;
}

/** Precedence when several sources list one registry: the user's own word first, then the builder, then the engine. */
const SOURCE_ORDER: Record<PlainHttpSource, number> = { settings: 0, request: 1, builder: 2, engine: 3, 'engine-cidr': 4, loopback: 5 };

function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function ipv6ToBigInt(ip: string): bigint | undefined {
  if (isIP(ip) !== 6) return undefined;
  let text = ip.toLowerCase();
  // an IPv4 tail (::ffff:1.2.3.4) becomes two hex groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = ipv4ToNumber(v4[1]);
    if (n === undefined) return undefined;
    text = `${text.slice(0, -v4[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined ? headGroups.length !== 8 : missing < 0) return undefined;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  let n = 0n;
  for (const g of groups) n = (n << 16n) + BigInt(parseInt(g || '0', 16));
  return n;
}

/** Whether an IP address lies in a CIDR block (`10.0.0.0/8`, `fd00::/8`); false for anything malformed. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash === -1) return false;
  const base = cidr.slice(0, slash);
  const bits = Number(cidr.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0) return false;
  if (isIP(base) === 4 && isIP(ip) === 4) {
    if (bits > 32) return false;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return ((ipv4ToNumber(ip)! & mask) >>> 0) === ((ipv4ToNumber(base)! & mask) >>> 0);
  }
  if (isIP(base) === 6 && isIP(ip) === 6) {
    if (bits > 128) return false;
    const a = ipv6ToBigInt(ip);
    const b = ipv6ToBigInt(base);
    if (a === undefined || b === undefined) return false;
    const shift = BigInt(128 - bits);
    return a >> shift === b >> shift;
  }
  return false;
}

/** The host of host[:port] when it is an IP literal, else undefined (a name, which must be resolved). */
export function literalAddress(registry: string): string | undefined {
  const host = hostOf(registry);
  return isIP(host) ? host : undefined;
}

function describeSource(entry: Pick<PlainHttpEntry, 'source' | 'detail'>): string {
  switch (entry.source) {
    case 'loopback':
      return 'it is on this machine\'s loopback address, which docker and BuildKit always reach over plain HTTP';
    case 'builder':
      return `the builder ${entry.detail} marks it plain-HTTP (http = true in its buildkitd.toml)`;
    case 'engine':
      return `the Docker engine lists it in its insecure registries (${entry.detail})`;
    case 'engine-cidr':
      return `the Docker engine treats the addresses ${entry.detail}`;
    case 'settings':
      return 'you added it to the plain-HTTP registries in Settings';
    case 'request':
      return 'you asked for plain HTTP for this call (--insecure)';
  }
}

/**
 * HTTP or HTTPS for one registry, and why. `addresses` are what the registry's host name resolves to (only
 * needed for the engine's CIDRs, as dockerd resolves names before matching them).
 */
export function decidePlainHttp(registry: string, list: PlainHttpList, addresses: readonly string[] = [], requested = false): PlainHttpDecision {
  const key = registryKey(registry);
  const matches: PlainHttpEntry[] = [];
  if (isLoopbackRegistry(key)) matches.push({ registry: key, source: 'loopback', detail: hostOf(key) });
  if (requested) matches.push({ registry: key, source: 'request', detail: '--insecure' });
  for (const entry of list.registries) if (registryKey(entry.registry) === key) matches.push(entry);
  // Docker Hub is always HTTPS, whatever a CIDR says.
  if (key !== DOCKER_HUB) {
    const literal = literalAddress(key);
    for (const ip of literal ? [literal] : addresses) {
      const block = list.cidrs.find((c) => ipInCidr(ip, c.cidr));
      if (block) {
        matches.push({ registry: key, source: 'engine-cidr', detail: literal ? `in ${block.cidr} as insecure` : `in ${block.cidr} as insecure, and ${hostOf(key)} resolves to ${ip} here` });
        break;
      }
    }
  }
  matches.sort((a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source]);
  const first = matches[0];
  if (!first) return { registry: key, plainHttp: false, reason: `${key} is not in the plain-HTTP registries, so it is reached over HTTPS` };
  return {
    registry: key,
    plainHttp: true,
    source: first.source,
    sources: matches.map((m) => m.source),
    reason: `${key} is reached over plain HTTP: ${describeSource(first)}`,
  };
}

/** Whether the engine itself (what `docker push` and `docker pull` use) counts this registry as insecure. */
export function engineTreatsAsInsecure(registry: string, list: PlainHttpList, addresses: readonly string[]): boolean {
  const key = registryKey(registry);
  if (list.registries.some((e) => e.source === 'engine' && registryKey(e.registry) === key)) return true;
  const literal = literalAddress(key);
  return (literal ? [literal] : addresses).some((ip) => list.cidrs.some((c) => ipInCidr(ip, c.cidr)));
}

export function addPlainHttpCommand(registry: string): string[] {
  return ['multiarch-lab', 'settings', 'plain-http', 'add', registry];
}

/**
 * The registry answered plain HTTP on its HTTPS port, and nobody said it may be reached that way.
 * Nothing was sent over HTTP: the one action is to add it to the list (a button in the app, a command here).
 */
export function plainHttpNotListedError(registry: string, origin: string, cause?: unknown): AppError {
  const key = registryKey(registry);
  const details: AddPlainHttpAction & { url: string } = { action: ADD_PLAIN_HTTP_ACTION, registry: key, command: addPlainHttpCommand(key), url: origin };
  return new AppError('registry-error', `${key} answered in plain HTTP, not HTTPS, and it is not one of the plain-HTTP registries, so nothing more was sent to it.`, {
    hint: `If you trust the network to ${key}, add it to the plain-HTTP registries: the "Reach over plain HTTP" button, Settings, or \`${addPlainHttpCommand(key).join(' ')}\`. Marking it plain-HTTP on a builder you create (--insecure-registry) adds it too.`,
    details,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The daemon.json text that makes the engine push to this registry over plain HTTP. */
export function daemonJsonSnippet(registries: readonly string[]): string {
  return JSON.stringify({ 'insecure-registries': [...new Set(registries)] }, null, 2);
}

/**
 * The old-school flow pushes with `docker push`, which follows the engine's own list, not the app's. Said before
 * any build starts, with exactly what to change.
 */
export function engineNeedsInsecureRegistryError(registry: string, decision: PlainHttpDecision, engineRegistries: readonly string[], purpose: 'old-school' | 'run' = 'old-school'): AppError {
  const key = registryKey(registry);
  const snippet = daemonJsonSnippet([...engineRegistries, key]);
  const what =
    purpose === 'old-school'
      ? `The old-school way pushes with docker push, and the Docker engine does not count ${key} as an insecure registry, so its pushes would fail after the builds.`
      : `A run pulls each platform through the Docker engine, and the engine does not count ${key} as an insecure registry, so its pulls would fail.`;
  return new AppError('unsupported', `${what} (${decision.reason}.)`, {
    hint:
      `Add "${key}" to "insecure-registries" in the engine's daemon.json (/etc/docker/daemon.json on Linux; on Docker Desktop: Settings, then Docker Engine), keeping the entries already there, so it reads:\n${snippet}\n` +
      `then restart the engine.${purpose === 'old-school' ? ' Or build the modern way, which pushes from the builder and needs no engine change.' : ''}`,
    details: { registry: key, daemonJson: { 'insecure-registries': [...new Set([...engineRegistries, key])] } },
  });
}

/** Reads the `[registry."host:port"]` tables of a buildkitd.toml that set `http = true`. */
export function plainHttpRegistriesOfBuildkitdToml(toml: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (const raw of toml.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const table = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (table?.[1]) {
      const m = /^registry\s*\.\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))$/.exec(table[1]);
      current = m ? (m[1] ?? m[2] ?? m[3]) : undefined;
      continue;
    }
    if (current && /^http\s*=\s*true$/.test(line) && !out.includes(current)) out.push(current);
  }
  return out;
}

/** The list from its sources, without duplicates of one registry from one source. */
export function mergePlainHttpEntries(entries: readonly PlainHttpEntry[]): PlainHttpEntry[] {
  const seen = new Set<string>();
  const out: PlainHttpEntry[] = [];
  for (const e of entries) {
    const id = `${e.source}\u0000${registryKey(e.registry)}\u0000${e.detail}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ ...e, registry: registryKey(e.registry) });
  }
  return out.sort((a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] || a.registry.localeCompare(b.registry));
}

/** dockerd's `RegistryConfig` as `docker info` shows it, read defensively. */
export function engineInsecureConfig(info: unknown): { registries: string[]; cidrs: string[] } {
  const config = (info as { RegistryConfig?: { InsecureRegistryCIDRs?: unknown; IndexConfigs?: unknown } } | null)?.RegistryConfig;
  const cidrs = Array.isArray(config?.InsecureRegistryCIDRs) ? config.InsecureRegistryCIDRs.filter((c): c is string => typeof c === 'string') : [];
  const registries: string[] = [];
  if (config?.IndexConfigs && typeof config.IndexConfigs === 'object') {
    for (const [name, value] of Object.entries(config.IndexConfigs as Record<string, unknown>)) {
      if ((value as { Secure?: unknown } | null)?.Secure === false) registries.push(name);
    }
  }
  return { registries, cidrs };
}
