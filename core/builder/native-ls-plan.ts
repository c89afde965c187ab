/**
 * Which builders `docker buildx ls` (buildx 0.13.1) would list, read from buildx's and the docker CLI's files alone,
 * synchronously and with no module beyond node's own (cli/early-buildx-ls.ts asks it before the core loads): the
 * plan native-ls.ts completes with the engine's answers. It answers only for the case it was checked against:
 *
 * - Linux, the engine on a unix socket (DOCKER_HOST unix:// or unset: the system socket), no DOCKER_CONTEXT, no
 *   current context in config.json, no docker context at all besides the implicit "default", no BUILDX_BUILDER,
 *   no TLS variables;
 * - buildx's folders there (buildx creates them: its first run is left to it), every instance a docker-container
 *   builder whose nodes all sit on that engine, with only the fields and driver options buildx 0.13.1 writes and
 *   accepts (image, network, cgroup-parent, env.*), platforms already in normal form, activity times as buildx
 *   writes them;
 * - the `current` file such that `ls` would write nothing new (buildx rewrites it when it points at another
 *   engine, or is missing, or a `--default` choice is to be applied: those runs are left to buildx).
 *
 * Anything else: undefined, and the caller runs buildx. Sources: docker/buildx v0.13.1 commands/ls.go,
 * builder/builder.go (GetBuilders), builder/node.go (LoadNodes, loadData), store/store.go (List, NodeGroupByName,
 * Current), store/storeutil (GetCurrentInstance, GetNodeGroup), util/platformutil (Dedupe, FormatInGroups),
 * driver/docker-container/factory.go (driver options).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The buildx versions native-ls was compared against on a real engine (test/integration/builder-native-ls.test.ts). */
export function nativeLsVerified(buildx: { major: number; minor: number; patch?: number | undefined } | null | undefined): boolean {
  return Boolean(buildx && buildx.major === 0 && buildx.minor === 13 && buildx.patch === 1);
}

export interface PlannedNode {
  name: string;
  endpoint: string;
  /** The instance file's pinned platforms, formatted ("linux/arm64"), in its order. */
  pinned: string[];
  flags: string[];
  driverOpts: Record<string, string>;
  /** base64, as stored and as buildx prints them. */
  files: Record<string, string>;
}

export interface PlannedBuilder {
  name: string;
  driver: 'docker' | 'docker-container';
  /** RFC 3339 as buildx prints it; Go's zero time when there is no activity file. */
  lastActivity: string;
  nodes: PlannedNode[];
}

export interface LsPlan {
  socketPath: string;
  builders: PlannedBuilder[];
  current: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const NAME = /^[a-z][a-z0-9.\-_]*$/;
const ACTIVITY = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const DRIVER_OPTS = new Set(['image', 'network', 'cgroup-parent']);
const SIMPLE_JSON_STRING = /^[\x20-\x7e]*$/;

class NotPlanned extends Error {}

function no(reason: string): never {
  throw new NotPlanned(reason);
}

/** A file's text, null when it is not there; anything else unplanned. */
function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return no(`cannot read ${file}`);
  }
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return no(`${what} is not JSON`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return no(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) no(`${what} has ${k}`);
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return no(`${what} is not a map`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') no(`${what}.${k} is not a string`);
    out[k] = v as string;
  }
  return out;
}

/**
 * containerd's platforms.Format of a platform that platforms.Normalize leaves as it is; undefined for any other
 * (an alias such as x86_64 or aarch64, an arm without variant, an empty OS): buildx's answer then depends on the
 * normalisation, which is left to buildx.
 */
export function normalPlatform(osName: string, arch: string, variant: string): string | undefined {
  if (!/^[a-z0-9]+$/.test(osName) || !/^[a-z0-9_]+$/.test(arch) || !/^[a-z0-9.]*$/.test(variant)) return undefined;
  if (['i386', 'x86_64', 'x86-64', 'aarch64', 'armhf', 'armel'].includes(arch)) return undefined;
  if (arch === 'amd64' && variant === 'v1') return undefined;
  if (arch === 'arm64' && (variant === '8' || variant === 'v8')) return undefined;
  if (arch === 'arm' && !/^v[5-8]$/.test(variant)) return undefined;
  if (arch === '386' && variant !== '') return undefined;
  return variant ? `${osName}/${arch}/${variant}` : `${osName}/${arch}`;
}

function pinnedPlatforms(value: unknown, what: string): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) return no(`${what} is not a list`);
  return value.map((p: unknown) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) return no(`${what} has a non-object`);
    const o = p as Record<string, unknown>;
    onlyKeys(o, ['architecture', 'os', 'variant'], what);
    const field = (k: string) => (o[k] === undefined ? '' : typeof o[k] === 'string' ? (o[k] as string) : no(`${what}.${k}`));
    return normalPlatform(field('os'), field('architecture'), field('variant')) ?? no(`${what} has a platform buildx would normalise`);
  });
}

function activity(dir: string, name: string): string {
  const text = readText(path.join(dir, 'activity', name));
  if (text === null) return ZERO_TIME;
  return ACTIVITY.test(text) ? text : no(`activity of ${name}`);
}

function readInstance(dir: string, file: string, engineKey: string): PlannedBuilder {
  if (!NAME.test(file) || file === 'default') no(`instance file name ${file}`);
  const text = readText(path.join(dir, 'instances', file));
  if (text === null) no(`instance ${file} went away`);
  const ng = parseObject(text, `instance ${file}`);
  onlyKeys(ng, ['Name', 'Driver', 'Nodes', 'Dynamic'], `instance ${file}`);
  if (ng.Name !== file) no(`instance ${file} is named ${String(ng.Name)}`);
  if (ng.Driver !== 'docker-container') no(`instance ${file} has driver ${String(ng.Driver)}`);
  if (ng.Dynamic !== undefined && ng.Dynamic !== false) no(`instance ${file} is dynamic`);
  if (!Array.isArray(ng.Nodes) || ng.Nodes.length === 0) no(`instance ${file} has no nodes`);
  const nodes = (ng.Nodes as unknown[]).map((raw, i): PlannedNode => {
    const what = `instance ${file} node ${i}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return no(what);
    const n = raw as Record<string, unknown>;
    onlyKeys(n, ['Name', 'Endpoint', 'Platforms', 'DriverOpts', 'Flags', 'Files'], what);
    if (typeof n.Name !== 'string' || !NAME.test(n.Name)) return no(`${what} name`);
    // the node is on the engine the app talks to (buildx stores the engine's address for a node made there)
    if (n.Endpoint !== engineKey) return no(`${what} is on ${String(n.Endpoint)}`);
    const driverOpts = stringRecord(n.DriverOpts, `${what} DriverOpts`);
    for (const k of Object.keys(driverOpts)) if (!DRIVER_OPTS.has(k) && !/^env\..+/.test(k)) no(`${what} driver option ${k}`);
    const flags = n.Flags === null || n.Flags === undefined ? [] : n.Flags;
    if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string')) return no(`${what} Flags`);
    return {
      name: n.Name,
      endpoint: n.Endpoint,
      pinned: pinnedPlatforms(n.Platforms, `${what} Platforms`),
      flags: [...(flags as string[])],
      driverOpts,
      files: stringRecord(n.Files, `${what} Files`),
    };
  });
  return { name: file, driver: 'docker-container', lastActivity: activity(dir, file), nodes };
}

/**
 * The current builder as `ls` finds it (store.Txn.Current, then the context's own builder), when that read leaves
 * the `current` file as it is; else unplanned (buildx would rewrite it).
 */
function currentBuilder(dir: string, engineKey: string, instances: readonly string[]): string {
  const text = readText(path.join(dir, 'current'));
  if (text === null) return no('no current file (buildx writes one)');
  const c = parseObject(text, 'current');
  onlyKeys(c, ['Key', 'Name', 'Global'], 'current');
  if (typeof c.Key !== 'string' || typeof c.Name !== 'string' || typeof c.Global !== 'boolean') return no('current file fields');
  const found = (name: string): string | undefined => {
    if (!/^[a-zA-Z][a-zA-Z0-9.\-_]*$/.test(name)) return undefined;
    const lower = name.toLowerCase();
    if (lower !== name && instances.includes(lower)) return no('current names an instance in another case');
    return instances.includes(lower) ? lower : undefined;
  };
  if (c.Name !== '') {
    if (c.Global) {
      const ng = found(c.Name);
      if (ng) return ng;
    }
    if (c.Key === engineKey) return found(c.Name) ?? 'default';
  }
  // buildx reads defaults/<hash>: present, it writes `current` again; absent, it resets `current` to this engine
  const hash = createHash('sha256').update(engineKey).digest('hex').slice(0, 20);
  if (readText(path.join(dir, 'defaults', hash)) !== null) return no('a --default choice for this engine');
  if (!SIMPLE_JSON_STRING.test(engineKey) || /["\\<>&]/.test(engineKey)) return no('engine key');
  if (text !== JSON.stringify({ Key: engineKey, Name: '', Global: false })) return no('buildx would reset the current file');
  return 'default';
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The plan for `docker buildx ls` run with ENV (the environment the docker CLI would get), or undefined with the
 * reason when this case is not one native-ls answers.
 */
export function planBuildxLs(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): { plan: LsPlan } | { reason: string } {
  try {
    return { plan: plan(env, platform) };
  } catch (error) {
    if (error instanceof NotPlanned) return { reason: error.message };
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

function plan(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): LsPlan {
  if (platform !== 'linux') no('not Linux');
  if (env.BUILDX_BUILDER) no('BUILDX_BUILDER is set');
  if (env.DOCKER_CONTEXT) no('DOCKER_CONTEXT is set');
  if (env.DOCKER_TLS_VERIFY || env.DOCKER_TLS || env.DOCKER_CERT_PATH) no('TLS variables are set');
  const host = env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const m = /^unix:\/\/(\/[^:]*)$/.exec(host);
  if (!m?.[1]) return no(`DOCKER_HOST ${host}`);
  const socketPath = m[1];
  const configDir = env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(env.HOME ?? os.homedir(), '.docker');
  const config = readText(path.join(configDir, 'config.json'));
  if (config !== null) {
    const parsed = parseObject(config, 'config.json');
    if (parsed.currentContext !== undefined && parsed.currentContext !== '' && parsed.currentContext !== 'default') no('a docker context is chosen');
  }
  // any docker context besides the implicit "default" is a builder too (and may be another engine): left to buildx
  let contexts: string[] = [];
  try {
    contexts = readdirSync(path.join(configDir, 'contexts', 'meta'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') no('contexts folder');
  }
  if (contexts.length) no('docker contexts exist');

  const dir = env.BUILDX_CONFIG ? path.resolve(env.BUILDX_CONFIG) : path.join(configDir, 'buildx');
  for (const sub of ['instances', 'defaults', 'activity']) if (!isDir(path.join(dir, sub))) no(`no ${sub} folder (buildx creates it)`);
  const files = readdirSync(path.join(dir, 'instances')).sort();
  const instances = files.map((f) => readInstance(dir, f, host));
  const current = currentBuilder(dir, host, files);
  const builders: PlannedBuilder[] = [...instances, { name: 'default', driver: 'docker', lastActivity: activity(dir, 'default'), nodes: [{ name: 'default', endpoint: 'default', pinned: [], flags: [], driverOpts: {}, files: {} }] }];
  return { socketPath, builders, current };
}
