/**
 * The Doctor: is this machine ready for multi-arch work? Gathers facts (engine, buildx, builders, emulators)
 * for real, then lets report.ts judge them.
 */
import type { BuildxInfo, DoctorReport, EngineInfo } from '../contract/doctor.js';
import { AppError } from '../contract/errors.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { engineGetJson } from '../docker/engine-http.js';
import type { EngineAccess, EngineConnection } from '../docker/engine.js';
import { engineIsLocal } from '../docker/facts.js';
import { nativePlatformOf } from '../builder/node-platform.js';
import type { BinfmtState } from '../docker/parsers/binfmt.js';
import { mergeBuildxLs, parseBuildxLsJson, parseBuildxLsTable } from '../docker/parsers/buildx-ls.js';
import { runBuildxLs } from './buildx-ls.js';
import { readBinfmtState } from './host-probes.js';
import { buildReport, type DoctorFacts } from './report.js';

export interface DoctorOptions {
  engine: EngineAccess;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Injectable for tests; defaults read /proc/sys/fs/binfmt_misc. */
  readBinfmt?: () => Promise<BinfmtState>;
}

const BUILDX_LS_TIMEOUT_MS = 30_000;

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const facts = await gatherFacts(opts);
  return buildReport(facts);
}

/**
 * Every probe starts as early as its inputs allow (issue 15): which docker binary has buildx needs no engine, and
 * reading binfmt_misc needs nothing at all, so both run while the endpoints are pinged; the engine's version and
 * info then run alongside `buildx ls`. The facts, and so the report, are the same as asking one after another.
 */
export async function gatherFacts(opts: DoctorOptions): Promise<DoctorFacts> {
  const { signal } = opts;
  const engineCli = opts.engine.cli();
  engineCli.refresh();
  // Finding the binary runs `docker buildx version` against no engine; it starts now and is awaited below.
  const resolving = engineCli.resolve(signal);
  resolving.catch(() => undefined);
  const readBinfmt = opts.readBinfmt ?? (() => readBinfmtState());
  const binfmtRead = process.platform === 'linux' || opts.readBinfmt ? readBinfmt() : undefined;
  binfmtRead?.catch(() => undefined);

  const found = await opts.engine.discover(signal);
  const connection = found.connection;
  // Without an engine the CLI is still worth asking about buildx, just not bound to any endpoint: only the binary
  // lookup above runs then, and it never used the engine.
  const [engineResult, buildx] = await Promise.all([
    connection ? describeEngine(connection, signal).then((info) => ({ info }), (error: unknown) => ({ error })) : Promise.resolve(null),
    describeBuildx(engineCli, connection !== null, signal),
  ]);
  throwIfCancelled(signal);

  let engine: EngineInfo | null = null;
  let engineError: string | undefined;
  if (engineResult && 'info' in engineResult) engine = engineResult.info;
  else if (engineResult && 'error' in engineResult) {
    if (engineResult.error instanceof AppError && engineResult.error.code === 'cancelled') throw engineResult.error;
    engineError = `The engine at ${connection?.endpoint} answered, but describing itself failed: ${engineResult.error instanceof Error ? engineResult.error.message : String(engineResult.error)}`;
    opts.engine.invalidate();
  }

  const binfmt = engine?.local ? await (binfmtRead ?? readBinfmt()) : null;
  throwIfCancelled(signal);

  const facts: DoctorFacts = {
    generatedAt: new Date().toISOString(),
    host: { os: process.platform, arch: process.arch, ...(opts.env.USER ? { user: opts.env.USER } : {}) },
    attempts: found.attempts,
    engine,
    buildx,
    binfmt,
  };
  if (engineError) facts.engineError = engineError;
  return facts;
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AppError('cancelled', 'The Doctor was cancelled.');
}

/** Version and info from the Engine API: a plain GET where the endpoint allows, else through dockerode. */
export async function describeEngine(connection: EngineConnection, signal?: AbortSignal): Promise<EngineInfo> {
  const [version, info] = await Promise.all([readEngine(connection, '/version', 'version', signal), readEngine(connection, '/info', 'info', signal)]);
  const driverStatus = Array.isArray(info.DriverStatus) ? (info.DriverStatus as unknown[]) : [];
  const containerd = driverStatus.some((pair) => Array.isArray(pair) && pair[0] === 'driver-type' && pair[1] === 'io.containerd.snapshotter.v1');
  const engine: EngineInfo = {
    endpoint: connection.endpoint,
    source: connection.source,
    version: String(version.Version ?? 'unknown'),
    apiVersion: String(version.ApiVersion ?? 'unknown'),
    os: String(version.Os ?? info.OSType ?? 'unknown'),
    arch: String(info.Architecture ?? version.Arch ?? 'unknown'),
    containerdImageStore: containerd,
  };
  if (typeof info.KernelVersion === 'string') engine.kernelVersion = info.KernelVersion;
  if (typeof info.Driver === 'string') engine.storageDriver = info.Driver;
  if (typeof info.OSType === 'string') engine.osType = info.OSType;
  if (typeof info.OperatingSystem === 'string') engine.operatingSystem = info.OperatingSystem;
  engine.local = engineIsLocal(connection, { KernelVersion: engine.kernelVersion ?? '', OSType: engine.osType ?? '' });
  return engine;
}

/**
 * The engine's own platform (e.g. linux/amd64) from `GET /version` alone: what `docker version` prints as
 * Server Os/Arch, the same fact readPlacement asks of other nodes' engines. Far cheaper for the engine than
 * `/info`. A Go arch that names no variant (arm) is read from `/info` (armv7l…); undefined when neither says.
 */
export async function enginePlatform(connection: EngineConnection, signal?: AbortSignal): Promise<string | undefined> {
  const version = await readEngine(connection, '/version', 'version', signal);
  const fromVersion = nativePlatformOf(String(version.Os ?? ''), String(version.Arch ?? ''));
  if (fromVersion) return fromVersion;
  const info = await readEngine(connection, '/info', 'info', signal);
  return nativePlatformOf(String(version.Os ?? info.OSType ?? ''), String(info.Architecture ?? ''));
}

async function readEngine(connection: EngineConnection, apiPath: string, method: 'version' | 'info', signal?: AbortSignal): Promise<Record<string, unknown>> {
  const plain = engineGetJson(connection, apiPath, signal);
  if (plain) return plain;
  // dockerode accepts an abortSignal here at run time; its type definitions only know the callback form.
  type Described = (this: unknown, o: object) => Promise<Record<string, unknown>>;
  const docker = connection.docker;
  return (docker[method] as unknown as Described).call(docker, signal ? { abortSignal: signal } : {});
}

/** buildx version, builders and the current one, read from the CLI the app uses. */
export async function describeBuildx(cli: DockerCli, engineUp: boolean, signal?: AbortSignal): Promise<BuildxInfo> {
  // Builders live behind the engine: without it buildx ls only lists errors, so it is not run.
  const lsRuns = engineUp ? runBuildxLs(cli, BUILDX_LS_TIMEOUT_MS, signal) : undefined;
  lsRuns?.catch(() => undefined);
  const resolved = await cli.resolve(signal);
  const info: BuildxInfo = { available: Boolean(resolved.buildx), builders: [] };
  if (resolved.path) info.cliPath = resolved.path;
  if (!resolved.buildx) {
    if (resolved.buildxError) info.error = resolved.buildxError;
    await lsRuns?.catch(() => undefined);
    return info;
  }
  info.version = resolved.buildx.version;
  if (!lsRuns) return info;
  try {
    const { table, json, parsedTable } = await lsRuns;
    if (!table) return info;
    if (table.code !== 0) {
      info.error = table.stderr.trim().split(/\r?\n/).slice(-1)[0] || `docker buildx ls exited with ${table.code}`;
      return info;
    }
    let jsonBuilders;
    if (json && json.code === 0) {
      try {
        jsonBuilders = parseBuildxLsJson(json.stdout);
      } catch {
        jsonBuilders = undefined;
      }
    }
    const merged = mergeBuildxLs(parsedTable ?? parseBuildxLsTable(table.stdout, table.stderr), jsonBuilders);
    info.builders = merged.builders;
    if (merged.current) info.current = merged.current;
  } catch (error) {
    if (error instanceof AppError && error.code === 'cancelled') throw error;
    info.error = error instanceof Error ? error.message : String(error);
  }
  return info;
}
