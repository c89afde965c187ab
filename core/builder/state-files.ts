/**
 * buildx's own state files, read instead of starting `docker buildx inspect` where they give the same facts
 * (issue 15): whether a name is taken before `builder:create`, and the builder `docker buildx create` just
 * wrote when it was not started; and (issue 13) how many nodes a builder has before a build, so that a one-node
 * builder's placement needs no process while BuildKit builds. Each reader answers `undefined` whenever it cannot be sure, and the caller
 * then asks buildx itself.
 *
 * Layout (buildx 0.10 and later): $DOCKER_CONFIG/buildx/instances/NAME (JSON: Name, Driver, Nodes[]),
 * $DOCKER_CONFIG/buildx/activity/NAME (RFC 3339 time of the last use); docker contexts, which are builders too,
 * under $DOCKER_CONFIG/contexts/meta/sha256(NAME)/meta.json.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildxInspect } from '../docker/parsers/buildx-inspect.js';

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(env.HOME ?? os.homedir(), '.docker');
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
  const contextMeta = path.join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');
  const found = await Promise.all([exists(path.join(dir, 'buildx', 'instances', name)), exists(contextMeta)]);
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
  const dir = path.join(dockerConfigDir(env), 'buildx');
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

/**
 * What buildx's files say about builder NAME before a build: its instance file's text, or, without one, whether
 * NAME is a docker context (the engine's own builder: the docker driver, one node). undefined when they cannot say.
 */
export async function readBuilderFiles(name: string, env: NodeJS.ProcessEnv): Promise<{ instance: string } | { context: true } | undefined> {
  const dir = dockerConfigDir(env);
  try {
    return { instance: await readFile(path.join(dir, 'buildx', 'instances', name), 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  if (name === 'default') return { context: true };
  const contextMeta = path.join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');
  return (await exists(contextMeta)) === true ? { context: true } : undefined;
}
