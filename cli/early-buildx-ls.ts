/**
 * `multiarch-lab builder ls` and `doctor` wait mostly for `docker buildx ls` (issue 15). This starts it before the
 * command line and the core load, as the core would run it in the usual case: the first docker on PATH (as
 * listDockerBinaries finds it), pointed at DOCKER_HOST or the system socket (the endpoint discovery picks when no
 * context is chosen), with DOCKER_CLI_HINTS=false and the same timeout. The core takes it only when the command it
 * would run is identical (core/docker/prestarted.ts); otherwise it is stopped and the core runs its own.
 */
import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prestartCommand } from '../core/docker/prestarted.js';
import { buildxPluginEnv } from '../core/docker/buildx-plugin.js';
import { defaultDataDir } from '../core/paths.js';
import { LS_TEMPLATE } from '../core/docker/parsers/buildx-ls.js';
import { nativeLsVerified, planBuildxLs } from '../core/builder/native-ls-plan.js';
import { startEarlyNativeLs } from '../core/builder/native-ls.js';

/** The Doctor's and `builder:list`'s timeout for `docker buildx ls` (doctor.ts, builder/service.ts). */
const BUILDX_LS_TIMEOUT_MS = 30_000;
const SYSTEM_SOCKET = '/var/run/docker.sock';

const COMMANDS = [['doctor'], ['doctor', '--json'], ['builder', 'ls'], ['builder', 'ls', '--json']];

export function prestartBuildxLs(args: readonly string[], env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return;
  if (!COMMANDS.some((c) => c.length === args.length && c.every((a, i) => a === args[i]))) return;
  if (env.DOCKER_CONTEXT || contextInConfig(env)) return;
  const host = env.DOCKER_HOST || (existsSync(SYSTEM_SOCKET) ? `unix://${SYSTEM_SOCKET}` : undefined);
  // unix and tcp only: the core refuses ssh:// (and would start no docker command), which may open a connection
  // or ask for a password
  if (!host || !/^(unix|tcp):\/\//.test(host)) return;
  const bin = env.MULTIARCH_LAB_DOCKER_CLI || firstDocker(env);
  if (!bin) return;
  const childEnv: NodeJS.ProcessEnv = { ...env, DOCKER_CLI_HINTS: 'false', DOCKER_HOST: host };
  delete childEnv.DOCKER_CONTEXT;
  const lsArgs = ['buildx', 'ls', '--format', LS_TEMPLATE];
  const cached = cachedEntry(env, bin);
  // buildx's files and the engine answer it with no process (core/builder/native-ls.ts): ask them now instead, for
  // the core to take (it checks the buildx version and the environment, and runs buildx itself if it cannot)
  if (nativeLsVerified(cached?.buildx) && 'plan' in planBuildxLs(childEnv, platform)) {
    startEarlyNativeLs(childEnv, cached?.buildx, BUILDX_LS_TIMEOUT_MS, platform);
    return;
  }
  // the plugin the last probe showed this docker starts (core/docker/buildx-plugin.ts); the core checks that cache
  // entry against its fingerprint and takes this process only if it would start the same
  const plugin = cached?.plugin;
  if (plugin) prestartCommand(plugin, lsArgs, buildxPluginEnv(childEnv, bin), BUILDX_LS_TIMEOUT_MS, ['docker', ...lsArgs]);
  else prestartCommand(bin, lsArgs, childEnv, BUILDX_LS_TIMEOUT_MS);
}

/**
 * The probe cache's entry for `bin` (core/docker/buildx-probe-cache.ts), unchecked: its buildx version and its
 * plugin (when that is still there); undefined when there is none.
 */
function cachedEntry(env: NodeJS.ProcessEnv, bin: string): { buildx?: { major: number; minor: number; patch?: number }; plugin?: string } | undefined {
  try {
    const data = JSON.parse(readFileSync(path.join(defaultDataDir(env), 'cache', 'buildx-probe.json'), 'utf8')) as { version?: unknown; entries?: Record<string, { plugin?: unknown; buildx?: unknown }> };
    const entry = data.version === 2 ? data.entries?.[bin] : undefined;
    if (!entry) return undefined;
    const out: { buildx?: { major: number; minor: number; patch?: number }; plugin?: string } = {};
    const b = entry.buildx as { major?: unknown; minor?: unknown; patch?: unknown } | undefined;
    if (b && typeof b.major === 'number' && typeof b.minor === 'number') out.buildx = { major: b.major, minor: b.minor, ...(typeof b.patch === 'number' ? { patch: b.patch } : {}) };
    if (typeof entry.plugin === 'string' && existsSync(entry.plugin)) out.plugin = entry.plugin;
    return out;
  } catch {
    return undefined;
  }
}

/** A context other than "default" in config.json (or a file we cannot read as the CLI would): no guess. */
export function contextInConfig(env: NodeJS.ProcessEnv): boolean {
  const dir = env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(os.homedir(), '.docker');
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'config.json'), 'utf8');
  } catch {
    return false;
  }
  try {
    const current = (JSON.parse(text) as { currentContext?: unknown }).currentContext;
    return typeof current === 'string' && current !== '' && current !== 'default';
  } catch {
    return true;
  }
}

/** listDockerBinaries(env, platform)[0], synchronously. */
export function firstDocker(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(':').filter(Boolean);
  for (const c of [...dirs.map((d) => path.join(d, 'docker')), '/usr/bin/docker', '/usr/local/bin/docker']) {
    try {
      accessSync(c, constants.X_OK);
      realpathSync(c);
      return c;
    } catch {
      // not there or not executable
    }
  }
  return undefined;
}
