/**
 * The docker command-line tool, for what only it does (buildx, manifest). Finds the right binary (one with
 * buildx when several are installed), and runs it against the same engine dockerode talks to.
 */
import { access, realpath } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { AppError } from '../contract/errors.js';
import { formatCommand, runCommand, type CommandResult, type RunOptions } from './exec.js';
import { takePrestarted } from './prestarted.js';
import { buildxPluginEnv, findBuildxPlugin } from './buildx-plugin.js';
import { raceAbort } from './race-abort.js';
import { buildxFingerprint, readCachedBuildx, writeCachedBuildx } from './buildx-probe-cache.js';
import { isBuildxMissingMessage, parseBuildxVersion, type BuildxVersion } from './parsers/buildx-version.js';

export interface DockerBinaryProbe {
  path: string;
  buildx: BuildxVersion | null;
  /** Why buildx was not found with this binary (its stderr, shortened). */
  buildxError?: string;
  /** The buildx plugin this binary starts for `docker buildx`, when shown to be so (buildx-plugin.ts): started directly. */
  plugin?: string;
}

export interface ResolvedDockerCli {
  /** The binary used, or undefined when no docker CLI was found at all. */
  path: string | undefined;
  buildx: BuildxVersion | null;
  buildxError?: string;
  /** Every binary looked at, in order. */
  probes: DockerBinaryProbe[];
  /** MULTIARCH_LAB_DOCKER_CLI chose the binary. */
  fromOverride: boolean;
}

export interface DockerCliOptions {
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /**
   * Extra environment that points the CLI at the engine the app is connected to (DOCKER_HOST or DOCKER_CONTEXT).
   * Asked before every command, so the CLI follows the engine when it is rediscovered.
   */
  engineEnv?: (signal?: AbortSignal) => Promise<Record<string, string | undefined>>;
  /** Places to look besides PATH. */
  extraPaths?: string[];
  /** Where `docker buildx version`'s answer is kept between processes (see buildx-probe-cache.ts); none: always ask. */
  probeCacheFile?: string;
}

export interface DockerRunOptions extends RunOptions {
  /** Resolve with the result instead of throwing `command-failed` on a non-zero exit. */
  allowFailure?: boolean;
  /** Take the command cli/index.ts started early if it is exactly this one (see prestarted.ts). */
  mayBePrestarted?: boolean;
}

const PROBE_TIMEOUT_MS = 15_000;

/** Candidate docker binaries: every `docker` on PATH in order, then the usual install locations. */
export async function listDockerBinaries(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, extraPaths: string[] = []): Promise<string[]> {
  const exe = platform === 'win32' ? 'docker.exe' : 'docker';
  const pathVar = env.PATH ?? env.Path ?? '';
  const dirs = pathVar.split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const candidates = [...dirs.map((d) => path.join(d, exe)), ...extraPaths];
  if (platform !== 'win32') candidates.push('/usr/bin/docker', '/usr/local/bin/docker');
  if (platform === 'darwin') candidates.push('/Applications/Docker.app/Contents/Resources/bin/docker');
  const found: string[] = [];
  const seenReal = new Set<string>();
  for (const c of candidates) {
    try {
      await access(c, platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
      const real = await realpath(c);
      if (seenReal.has(real)) continue;
      seenReal.add(real);
      found.push(c);
    } catch {
      // not there or not executable
    }
  }
  return found;
}

/**
 * Picks the binary: the override when set; else the first on PATH, unless it lacks buildx and a later one has it
 * (a stray client without plugins early on PATH must not hide a complete installation).
 */
export async function resolveDockerBinary(opts: {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  extraPaths?: string[];
  signal?: AbortSignal;
  probeCacheFile?: string;
}): Promise<ResolvedDockerCli> {
  const override = opts.env.MULTIARCH_LAB_DOCKER_CLI;
  if (override) {
    const probe = await probeBinaryCached(override, opts);
    return withFirst({ path: override, probes: [probe], fromOverride: true }, probe);
  }
  const binaries = await listDockerBinaries(opts.env, opts.platform, opts.extraPaths);
  const probes: DockerBinaryProbe[] = [];
  for (const bin of binaries) {
    const probe = await probeBinaryCached(bin, opts);
    probes.push(probe);
    if (probe.buildx) return withFirst({ path: bin, probes, fromOverride: false }, probe);
  }
  const first = probes[0];
  if (!first) return { path: undefined, buildx: null, probes, fromOverride: false };
  return withFirst({ path: first.path, probes, fromOverride: false }, first);
}

function withFirst(base: Omit<ResolvedDockerCli, 'buildx' | 'buildxError'>, probe: DockerBinaryProbe): ResolvedDockerCli {
  const out: ResolvedDockerCli = { ...base, buildx: probe.buildx };
  if (probe.buildxError) out.buildxError = probe.buildxError;
  return out;
}

/** `probeBinary`, answered from the cache when nothing buildx depends on changed since it was last asked. */
async function probeBinaryCached(bin: string, opts: { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; signal?: AbortSignal; probeCacheFile?: string }): Promise<DockerBinaryProbe> {
  const file = opts.probeCacheFile;
  const fingerprint = file ? await buildxFingerprint(bin, opts.env, opts.platform) : undefined;
  if (file && fingerprint) {
    const cached = await readCachedBuildx(file, bin, fingerprint);
    if (cached) return { path: bin, ...cached };
  }
  const probe = await probeBinary(bin, opts.env, opts.platform, opts.signal);
  if (file && fingerprint && probe.buildx) await writeCachedBuildx(file, bin, fingerprint, probe.plugin ? { buildx: probe.buildx, plugin: probe.plugin } : { buildx: probe.buildx });
  return probe;
}

async function probeBinary(bin: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform, signal?: AbortSignal): Promise<DockerBinaryProbe> {
  try {
    const opts: RunOptions = { env: quietEnv(env), timeoutMs: PROBE_TIMEOUT_MS };
    if (signal) opts.signal = signal;
    // the plugin docker would start is asked at the same time (the answer is the same either way; only the wait differs)
    const pluginFound = findBuildxPlugin(bin, env, platform);
    const direct = pluginFound.then((plugin) =>
      plugin
        ? runCommand(plugin, ['buildx', 'version'], { ...opts, env: buildxPluginEnv(opts.env ?? env, bin) }).then(
            (run) => ({ plugin, run }),
            () => undefined,
          )
        : undefined,
    );
    direct.catch(() => undefined);
    const r = await runCommand(bin, ['buildx', 'version'], opts);
    const version = r.code === 0 ? parseBuildxVersion(r.stdout) : null;
    if (version) {
      // the plugin found is the one docker ran only if it says exactly what docker's buildx said
      const asked = await direct.catch(() => undefined);
      return asked && asked.run.code === 0 && asked.run.stdout === r.stdout ? { path: bin, buildx: version, plugin: asked.plugin } : { path: bin, buildx: version };
    }
    // no buildx through docker: the plugin's own answer does not matter (it ends by itself, or with the signal)
    const text = (r.stderr || r.stdout).trim();
    return { path: bin, buildx: null, buildxError: isBuildxMissingMessage(text) ? 'the buildx plugin is not installed for this docker CLI' : shorten(text) || `exit code ${r.code}` };
  } catch (error) {
    if (error instanceof AppError && error.code === 'cancelled') throw error;
    return { path: bin, buildx: null, buildxError: error instanceof Error ? error.message : String(error) };
  }
}

/** Docker Desktop's CLI prints "What's next" tips on stdout; they would corrupt parsed output. */
function quietEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, DOCKER_CLI_HINTS: 'false' };
}

function shorten(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export class DockerCli {
  private readonly env: NodeJS.ProcessEnv;
  private readonly platform: NodeJS.Platform;
  private readonly engineEnv: DockerCliOptions['engineEnv'];
  private readonly extraPaths: string[];
  private readonly probeCacheFile: string | undefined;
  private resolving: Promise<ResolvedDockerCli> | undefined;

  constructor(opts: DockerCliOptions) {
    this.env = opts.env;
    this.platform = opts.platform ?? process.platform;
    this.engineEnv = opts.engineEnv;
    this.extraPaths = opts.extraPaths ?? [];
    this.probeCacheFile = opts.probeCacheFile;
  }

  /**
   * Which binary is used and whether it has buildx (looked up once, until `refresh()`). Every caller shares the one
   * lookup, so it runs on no caller's signal (the probe has its own timeout): a caller that gives up (a cancelled
   * Doctor) stops only its own wait, never the lookup another call (a build) is waiting on.
   */
  resolve(signal?: AbortSignal): Promise<ResolvedDockerCli> {
    if (!this.resolving) {
      const opts: Parameters<typeof resolveDockerBinary>[0] = { env: this.env, platform: this.platform, extraPaths: this.extraPaths };
      if (this.probeCacheFile) opts.probeCacheFile = this.probeCacheFile;
      const resolving = resolveDockerBinary(opts);
      this.resolving = resolving;
      // A failed lookup must not stick.
      resolving.catch(() => {
        if (this.resolving === resolving) this.resolving = undefined;
      });
    }
    return signal ? raceAbort(this.resolving, signal, 'Looking for the docker command-line tool') : this.resolving;
  }

  /** Forget the binary found, e.g. after the user installed buildx. */
  refresh(): void {
    this.resolving = undefined;
  }

  async path(signal?: AbortSignal): Promise<string> {
    const resolved = await this.resolve(signal);
    if (!resolved.path) {
      throw new AppError('not-found', 'The docker command-line tool was not found on PATH.', {
        hint: 'Install the Docker CLI (Docker Desktop includes it; on Debian/Ubuntu: sudo apt-get install docker-cli or docker-ce-cli), or set MULTIARCH_LAB_DOCKER_CLI to its path.',
      });
    }
    return resolved.path;
  }

  /** The environment commands run with: the user's, pointed at the connected engine. */
  async commandEnv(signal?: AbortSignal): Promise<NodeJS.ProcessEnv> {
    const env = quietEnv(this.env);
    if (!this.engineEnv) return env;
    const extra = await this.engineEnv(signal);
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return env;
  }

  /**
   * The binary `resolve()` picks whenever the first candidate has buildx (the usual case), known from the file
   * system alone: a command may start on it while the buildx probe runs, and be kept if the probe agrees.
   */
  async likelyPath(): Promise<string | undefined> {
    const override = this.env.MULTIARCH_LAB_DOCKER_CLI;
    if (override) return override;
    return (await listDockerBinaries(this.env, this.platform, this.extraPaths))[0];
  }

  /** Runs `docker args…`. Throws `command-failed` (with stderr) on a non-zero exit unless `allowFailure`. */
  async run(args: readonly string[], opts: DockerRunOptions = {}): Promise<CommandResult> {
    return this.runWith(await this.path(opts.signal), args, opts);
  }

  /**
   * `run` on a given binary (see `likelyPath`), in the same environment. `docker buildx …` starts the buildx plugin
   * directly where the probe showed which one docker starts (buildx-plugin.ts), with the environment docker gives it.
   */
  async runWith(bin: string, args: readonly string[], opts: DockerRunOptions = {}): Promise<CommandResult> {
    const [baseEnv, plugin] = await Promise.all([this.commandEnv(opts.signal), args[0] === 'buildx' ? this.pluginFor(bin, opts.signal) : undefined]);
    const env = { ...baseEnv, ...(opts.env ?? {}) };
    const { allowFailure, mayBePrestarted, ...runOpts } = opts;
    const full: RunOptions = plugin ? { ...runOpts, env: buildxPluginEnv(env, bin), shownAs: ['docker', ...args] } : { ...runOpts, env };
    const file = plugin ?? bin;
    const result = await ((mayBePrestarted ? takePrestarted(file, args, full) : undefined) ?? runCommand(file, args, full));
    if (result.code !== 0 && !allowFailure) throw commandFailed(['docker', ...args], result);
    return result;
  }

  /** The buildx plugin `bin` starts, when the probe showed it (undefined: run `bin` itself). */
  private async pluginFor(bin: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      return (await this.resolve(signal)).probes.find((p) => p.path === bin)?.plugin;
    } catch (error) {
      if (error instanceof AppError && error.code === 'cancelled') throw error;
      return undefined;
    }
  }

  /** The buildx version of the binary in use, or null when it has no buildx. */
  async buildxVersion(signal?: AbortSignal): Promise<BuildxVersion | null> {
    return (await this.resolve(signal)).buildx;
  }

  /** Throws `buildx-missing` with install advice when the CLI in use has no buildx. */
  async requireBuildx(signal?: AbortSignal): Promise<BuildxVersion> {
    const resolved = await this.resolve(signal);
    if (resolved.buildx) return resolved.buildx;
    throw new AppError('buildx-missing', `docker buildx is not available${resolved.path ? ` for ${resolved.path}` : ''}${resolved.buildxError ? `: ${resolved.buildxError}` : ''}.`, {
      hint: buildxInstallHint(this.platform),
    });
  }
}

export function buildxInstallHint(platform: NodeJS.Platform): string {
  if (platform === 'linux') {
    return 'Install the buildx plugin: sudo apt-get install docker-buildx (Debian/Ubuntu packages) or docker-buildx-plugin (Docker\'s own repository); on Fedora: sudo dnf install docker-buildx-plugin.';
  }
  return 'Docker Desktop ships buildx: update Docker Desktop, or install the docker-buildx plugin into ~/.docker/cli-plugins.';
}

/** The error for a docker command that exited non-zero, naming the command and its last words on stderr. */
export function commandFailed(command: readonly string[], result: CommandResult): AppError {
  const lines = result.stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const last = lines.slice(-3).join(' ') || result.stdout.trim().split(/\r?\n/).slice(-1)[0] || '';
  return new AppError('command-failed', `\`${formatCommand(command)}\` failed (exit code ${result.code})${last ? `: ${shorten(last, 400)}` : '.'}`, {
    hint: 'Run the command yourself to see the whole output.',
    details: { command: [...command], code: result.code, stderr: result.stderr.slice(-4000) },
  });
}
