/**
 * buildx's own state files, read instead of starting `docker buildx inspect` where they give the same facts
 * (issue 15): whether a name is taken before `builder:create`, and the builder `docker buildx create` just
 * wrote when it was not started; and (issue 13) how many nodes a builder has before a build, so that a one-node
 * builder's placement needs no process while BuildKit builds. Each reader answers `undefined` whenever it cannot be sure, and the caller
 * then asks buildx itself.
 *
 * Layout (buildx 0.10 and later): $DOCKER_CONFIG/buildx/instances/NAME (JSON: Name, Driver, Nodes[]),
 * $DOCKER_CONFIG/buildx/activity/NAME (RFC 3339 time of the last use), $DOCKER_CONFIG/buildx/current (JSON: Key,
 * Name, Global: the builder `docker buildx use` chose, for the engine endpoint Key or for all),
 * $DOCKER_CONFIG/buildx/defaults/HASH (the name `docker buildx use --default` chose for an endpoint); docker
 * contexts, which are builders too, under $DOCKER_CONFIG/contexts/meta/sha256(NAME)/meta.json. BUILDX_CONFIG, when
 * set, is where buildx keeps its part instead of $DOCKER_CONFIG/buildx.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { contextMetaPath, dockerConfigDir as configDirOf } from '../docker/discovery.js';
import type { BuildxInspect } from '../docker/parsers/buildx-inspect.js';

/** $DOCKER_CONFIG, else ~/.docker of the HOME the docker CLI is run with. */
function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return configDirOf(env, env.HOME ?? os.homedir());
}

/** Where buildx keeps its state (confutil): $BUILDX_CONFIG, else $DOCKER_CONFIG/buildx. */
function buildxDir(env: NodeJS.ProcessEnv): string {
  return env.BUILDX_CONFIG ? path.resolve(env.BUILDX_CONFIG) : path.join(dockerConfigDir(env), 'buildx');
}

async function exists(file: string): Promise<boolean | undefined> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? false : undefined;
  }
}

/** Is NAME a builder already (a buildx instance or a docker context)? undefined when the files cannot say. */
export async function builderNameTaken(name: string, env: NodeJS.ProcessEnv): Promise<boolean | undefined> {
  if (name === 'default') return true;
  const dir = dockerConfigDir(env);
  const buildx = buildxDir(env);
  const found = await Promise.all([exists(path.join(buildx, 'instances', name)), exists(contextMetaPath(dir, name))]);
  if (found.includes(true)) return true;
  if (found.includes(undefined)) return undefined;
  return false;
}

interface InstanceFile {
  Name?: unknown;
  Driver?: unknown;
  Nodes?: Array<{ Name?: unknown; Endpoint?: unknown; Platforms?: unknown; DriverOpts?: unknown; Flags?: unknown; Files?: unknown }>;
}

/** "2026-12-01T11:21:49Z" as `buildx inspect` prints it: "2026-12-01 11:21:49 +0000 UTC". */
function activityAsPrinted(text: string): string | undefined {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)Z$/.exec(text.trim());
  return m ? `${m[1]} ${m[2]} +0000 UTC` : undefined;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

/**
 * The builder NAME as `docker buildx inspect NAME` shows it right after `docker buildx create` without
 * bootstrap: nodes with endpoint, driver options and buildkitd flags, status "inactive" (no BuildKit container
 * yet, which the caller checks on the engine), no platforms. Only the plain case is answered: a builder with
 * pinned platforms or config files, or anything unexpected, gets undefined.
 */
export async function readNewBuilder(name: string, env: NodeJS.ProcessEnv): Promise<BuildxInspect | undefined> {
  const dir = buildxDir(env);
  let instance: InstanceFile;
  let activity: string;
  try {
    [instance, activity] = await Promise.all([
      readFile(path.join(dir, 'instances', name), 'utf8').then((t) => JSON.parse(t) as InstanceFile),
      readFile(path.join(dir, 'activity', name), 'utf8'),
    ]);
  } catch {
    return undefined;
  }
  const lastActivity = activityAsPrinted(activity);
  if (instance.Name !== name || typeof instance.Driver !== 'string' || !Array.isArray(instance.Nodes) || instance.Nodes.length === 0 || !lastActivity) return undefined;
  const nodes: BuildxInspect['nodes'] = [];
  for (const n of instance.Nodes) {
    const driverOptions = stringRecord(n.DriverOpts);
    const flags = n.Flags === null || n.Flags === undefined ? [] : n.Flags;
    const plain = (n.Platforms === null || n.Platforms === undefined || (Array.isArray(n.Platforms) && n.Platforms.length === 0)) && (n.Files === null || n.Files === undefined);
    if (typeof n.Name !== 'string' || typeof n.Endpoint !== 'string' || !driverOptions || !Array.isArray(flags) || !flags.every((f) => typeof f === 'string') || !plain) return undefined;
    nodes.push({ name: n.Name, endpoint: n.Endpoint, driverOptions, status: 'inactive', buildkitdFlags: [...(flags as string[])], platforms: [], pinnedPlatforms: [], labels: {}, files: {} });
  }
  return { name, driver: instance.Driver, lastActivity, nodes };
}

/** A file's text; null when it does not exist, undefined when it cannot be read for another reason. */
async function readIfThere(file: string): Promise<string | null | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const BUILDER_NAME = /^[a-zA-Z][a-zA-Z0-9.\-_+]*$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/**
 * The name buildx's NodeGroupByName(NAME) gives (the instance file's Name), null when buildx would find no such
 * instance (no file, or a name buildx refuses), undefined when the files are not clear (unreadable, not JSON,
 * a last-activity time buildx would fail to read).
 */
async function instanceName(dir: string, name: string): Promise<string | null | undefined> {
  if (!BUILDER_NAME.test(name)) return null;
  const text = await readIfThere(path.join(dir, 'instances', name.toLowerCase()));
  if (text === null || text === undefined) return text;
  const instance = parseJson(text) as InstanceFile | undefined;
  if (!instance || typeof instance !== 'object' || Array.isArray(instance) || typeof instance.Name !== 'string' || !instance.Name) return undefined;
  if ((instance.Driver !== undefined && instance.Driver !== null && typeof instance.Driver !== 'string') || (instance.Nodes !== undefined && instance.Nodes !== null && !Array.isArray(instance.Nodes))) return undefined;
  const activity = await readIfThere(path.join(dir, 'activity', instance.Name));
  if (activity === undefined || (activity !== null && !RFC3339.test(activity))) return undefined;
  return instance.Name;
}

/**
 * The endpoint key buildx files the current builder under (GetCurrentEndpoint): the docker context's name, or
 * for the "default" context its engine address as the docker CLI writes it. undefined for anything this does not
 * settle the CLI's way (TLS defaults, a tcp address the CLI would rewrite, another OS's default socket).
 */
function endpointKey(context: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  if (context !== 'default') return context;
  const host = env.DOCKER_HOST;
  if (!host) return platform === 'linux' && !env.DOCKER_TLS_VERIFY && !env.DOCKER_TLS ? 'unix:///var/run/docker.sock' : undefined;
  if (/^unix:\/\/\/\S+$/.test(host) && !host.slice('unix://'.length).includes('://')) return host;
  if (/^tcp:\/\/(\d{1,3}(\.\d{1,3}){3}|[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*):[1-9]\d{0,4}$/.test(host)) return host;
  return undefined;
}

/**
 * The current builder's name, as `docker buildx inspect` (no name) prints it, from buildx's files: the builder
 * `docker buildx use` chose for this engine (or with --global), else the one chosen with --default, else the
 * docker context's own builder. Read for the environment the docker CLI runs with (DOCKER_HOST or DOCKER_CONTEXT).
 * undefined whenever the files leave any doubt (BUILDX_BUILDER set, a context that is not there, files buildx would
 * fail on): the caller then asks buildx.
 */
export async function currentBuilderName(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (env.BUILDX_BUILDER) return undefined;
  const dir = buildxDir(env);
  const configDir = dockerConfigDir(env);
  // the docker CLI's order: DOCKER_HOST means the default context, then DOCKER_CONTEXT, then config.json
  let context: string;
  if (env.DOCKER_HOST) {
    if (env.DOCKER_CONTEXT) return undefined;
    context = 'default';
  } else if (env.DOCKER_CONTEXT) {
    context = env.DOCKER_CONTEXT;
  } else {
    const config = await readIfThere(path.join(configDir, 'config.json'));
    if (config === undefined) return undefined;
    const parsed = config === null ? {} : (parseJson(config) as { currentContext?: unknown } | undefined);
    if (!parsed || typeof parsed !== 'object') return undefined;
    if (parsed.currentContext !== undefined && typeof parsed.currentContext !== 'string') return undefined;
    context = parsed.currentContext || 'default';
  }
  const key = endpointKey(context, env, platform);
  if (key === undefined) return undefined;

  // Txn.Current(key)
  const currentText = await readIfThere(path.join(dir, 'current'));
  if (currentText === undefined) return undefined;
  if (currentText !== null) {
    const current = parseJson(currentText) as { Key?: unknown; Name?: unknown; Global?: unknown } | undefined;
    // what Go's json.Unmarshal would refuse makes buildx fail: leave that to buildx
    if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if ((current.Key !== undefined && current.Key !== null && typeof current.Key !== 'string') || (current.Name !== undefined && current.Name !== null && typeof current.Name !== 'string') || (current.Global !== undefined && current.Global !== null && typeof current.Global !== 'boolean')) return undefined;
    if (typeof current.Name === 'string' && current.Name) {
      if (current.Global === true) {
        const found = await instanceName(dir, current.Name);
        if (found === undefined) return undefined;
        if (found) return found;
      }
      if (current.Key === key) {
        const found = await instanceName(dir, current.Name);
        if (found !== null) return found;
        return contextBuilderName(dir, configDir, context);
      }
    }
  }
  const chosen = await readIfThere(path.join(dir, 'defaults', createHash('sha256').update(key).digest('hex').slice(0, 20)));
  if (chosen === undefined) return undefined;
  if (chosen !== null) {
    const found = await instanceName(dir, chosen);
    if (found !== null) return found;
  }
  return contextBuilderName(dir, configDir, context);
}

/** GetNodeGroup(context): an instance of that name, else the context itself when it exists. */
async function contextBuilderName(dir: string, configDir: string, context: string): Promise<string | undefined> {
  const found = await instanceName(dir, context);
  if (found !== null) return found;
  if (context === 'default') return 'default';
  const meta = await readIfThere(contextMetaPath(configDir, context));
  if (!meta) return undefined;
  const parsed = parseJson(meta) as { Name?: unknown } | undefined;
  return parsed && typeof parsed === 'object' && parsed.Name === context ? context : undefined;
}

/**
 * What buildx's files say about builder NAME before a build: its instance file's text, or, without one, whether
 * NAME is a docker context (the engine's own builder: the docker driver, one node). undefined when they cannot say.
 */
export async function readBuilderFiles(name: string, env: NodeJS.ProcessEnv): Promise<{ instance: string } | { context: true } | undefined> {
  try {
    return { instance: await readFile(path.join(buildxDir(env), 'instances', name), 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  if (name === 'default') return { context: true };
  return (await exists(contextMetaPath(dockerConfigDir(env), name))) === true ? { context: true } : undefined;
}
