/**
 * What `docker buildx version` answered for a docker binary, kept on disk so a command need not start that process
 * again (issue 15: on 2 cores every extra Go process costs ~100 ms, and `builder ls` and the Doctor each started
 * three). The answer is kept together with a fingerprint of everything that decides it: the binary (its real path,
 * size, change time and inode), every file the CLI would load buildx from (the user's and the system's plugin
 * folders, and those named in config.json), config.json itself, and the environment that points at them. When any
 * of these differ — buildx installed, upgraded or removed, the CLI replaced — the fingerprint differs and buildx is
 * asked again. Only a probe that found buildx is kept; a missing buildx is asked about every time, so installing it
 * shows at once. Linux only: that is where the plugin folders are known here; elsewhere buildx is always asked.
 * Also kept: the plugin file the binary was shown to start for `docker buildx` (buildx-plugin.ts), so the app can
 * start it directly.
 */
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildxVersion } from './parsers/buildx-version.js';

/** The CLI's own plugin folders on Linux (docker/cli's defaultSystemPluginDirs), after the user's. */
export const SYSTEM_PLUGIN_DIRS = ['/usr/local/lib/docker/cli-plugins', '/usr/local/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins', '/usr/libexec/docker/cli-plugins'];

/** What is kept per docker binary: its buildx version, and the plugin it starts when that was shown (buildx-plugin.ts). */
export interface CachedProbe {
  buildx: BuildxVersion;
  plugin?: string;
}

interface CacheFile {
  version: 2;
  entries: Record<string, { fingerprint: string } & CachedProbe>;
}

async function statLine(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${file}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
  } catch (error) {
    return `${file}:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/** The docker CLI's config folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigFolder(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(env.HOME ?? os.homedir(), '.docker');
}

/** Everything `docker buildx version` depends on, as one string; undefined where the answer cannot be pinned down. */
export async function buildxFingerprint(bin: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<string | undefined> {
  if (platform !== 'linux') return undefined;
  let real: string;
  try {
    real = await realpath(bin);
  } catch {
    return undefined;
  }
  const dir = dockerConfigFolder(env);
  const configFile = path.join(dir, 'config.json');
  let extraDirs: string[] = [];
  try {
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { cliPluginsExtraDirs?: unknown };
    if (Array.isArray(config.cliPluginsExtraDirs)) extraDirs = config.cliPluginsExtraDirs.filter((d): d is string => typeof d === 'string');
  } catch (error) {
    // no config.json is the usual case; one that cannot be read or parsed could name plugin folders we do not see
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  const pluginDirs = [path.join(dir, 'cli-plugins'), ...extraDirs, ...SYSTEM_PLUGIN_DIRS];
  const lines = await Promise.all([statLine(real), statLine(configFile), ...pluginDirs.map((d) => statLine(path.join(d, 'docker-buildx')))]);
  return [`bin=${bin}`, `real=${real}`, `config=${dir}`, ...lines].join('\n');
}

export async function readCachedBuildx(file: string, bin: string, fingerprint: string): Promise<CachedProbe | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
    const entry = data.version === 2 ? data.entries?.[bin] : undefined;
    if (!entry || entry.fingerprint !== fingerprint) return undefined;
    return typeof entry.plugin === 'string' ? { buildx: entry.buildx, plugin: entry.plugin } : { buildx: entry.buildx };
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only means buildx is asked next time. */
export async function writeCachedBuildx(file: string, bin: string, fingerprint: string, probe: CachedProbe): Promise<void> {
  try {
    let data: CacheFile = { version: 2, entries: {} };
    try {
      const old = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
      if (old.version === 2 && old.entries && typeof old.entries === 'object') data = old;
    } catch {
      // start afresh
    }
    data.entries[bin] = { fingerprint, ...probe };
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(data)}\n`, 'utf8');
    await rename(tmp, file);
  } catch {
    // ignored on purpose (see above)
  }
}
