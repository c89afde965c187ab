/**
 * `docker buildx …` is two programs: the docker CLI finds the buildx plugin, asks it for its metadata (a second
 * process), then starts it with the same arguments and two extra environment variables, and waits. The buildx
 * plugin does all the work; the docker front costs ~40-60 ms of process starts on this machine kind (issue 13 and
 * 15: a third of `docker buildx ls`, and most of the app's remaining gap on a build).
 *
 * The app starts the plugin itself, as the docker CLI would, when it can show that it is the same program docker
 * would start:
 *  - Linux only, and the docker binary is a native executable (not a wrapper script such as podman's `docker`,
 *    whose `docker buildx` is another program);
 *  - no `cliPluginsExtraDirs` in config.json (its place in the lookup order changed between CLI versions);
 *  - the plugin is the first `docker-buildx` in the CLI's lookup order (the config folder's cli-plugins, then the
 *    system folders), and it is executable;
 *  - `PLUGIN buildx version` prints exactly what `docker buildx version` printed (checked when the probe runs; kept
 *    in the probe cache together with the fingerprint of every file that lookup depends on).
 * Anything else: the docker CLI runs it. What the app shows as the command (`docker buildx build …`) stays the
 * command a person runs; it does the same work, started one step sooner.
 */
import { constants as fsConstants } from 'node:fs';
import { access, open, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { dockerConfigFolder, SYSTEM_PLUGIN_DIRS } from './buildx-probe-cache.js';

/** What the docker CLI adds to a plugin's environment (docker/cli cli-plugins/manager: ReexecEnvvar, the OTEL attributes). */
export const REEXEC_ENV = 'DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND';
const OTEL_ENV = 'OTEL_RESOURCE_ATTRIBUTES';
const OTEL_COMMAND_PATH = 'docker.cli.cobra.command_path=docker%20buildx';

/** The environment the docker CLI `bin` gives its buildx plugin, for a command run with `env`. */
export function buildxPluginEnv(env: NodeJS.ProcessEnv, bin: string): NodeJS.ProcessEnv {
  const own = env[OTEL_ENV]?.trim();
  return { ...env, [REEXEC_ENV]: bin, [OTEL_ENV]: own ? `${own},${OTEL_COMMAND_PATH}` : OTEL_COMMAND_PATH };
}

async function isNativeExecutable(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(await realpath(file), 'r');
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * The buildx plugin the docker CLI `bin` would start for `docker buildx`, when that is certain from the file system
 * (see above; the version comparison is the caller's); undefined otherwise.
 */
export async function findBuildxPlugin(bin: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform !== 'linux') return undefined;
  if (!(await isNativeExecutable(bin))) return undefined;
  const dir = dockerConfigFolder(env);
  try {
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { cliPluginsExtraDirs?: unknown } | null;
    if (config === null || typeof config !== 'object') return undefined;
    if (config.cliPluginsExtraDirs !== undefined && config.cliPluginsExtraDirs !== null && !(Array.isArray(config.cliPluginsExtraDirs) && config.cliPluginsExtraDirs.length === 0)) return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  for (const d of [path.join(dir, 'cli-plugins'), ...SYSTEM_PLUGIN_DIRS]) {
    const candidate = path.join(d, 'docker-buildx');
    let info;
    try {
      info = await stat(candidate);
    } catch (error) {
      // the CLI skips only a path that does not exist; anything else would be its error, not ours to guess
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return undefined;
    }
    if (!info.isFile()) return undefined;
    try {
      await access(candidate, fsConstants.X_OK);
    } catch {
      return undefined;
    }
    return candidate;
  }
  return undefined;
}
