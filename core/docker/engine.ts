/**
 * Access to the Docker engine: discovered lazily, cached, rediscovered after `invalidate()`.
 * dockerode and the docker CLI are both pointed at the endpoint that answered, so they never disagree about
 * which engine they talk to.
 */
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import type Docker from 'dockerode';
import type { EndpointAttempt, EndpointKind } from '../contract/doctor.js';
import { AppError } from '../contract/errors.js';
import type { EventBus } from '../events.js';
import { discoverEndpoints, type Candidate, type DiscoverOptions } from './discovery.js';
import { DockerCli } from './docker-cli.js';
import { raceAbort } from './race-abort.js';

export interface EngineConnection {
  /** The dockerode client, made (and dockerode loaded) on first use. */
  readonly docker: Docker;
  /**
   * How to reach the Engine API with plain node:http, for endpoints that need nothing more (unix sockets, named
   * pipes, tcp without TLS): short reads such as the Doctor's need not load dockerode. Absent for TLS endpoints.
   */
  plainHttp?: { socketPath?: string; host?: string; port?: number; agent: http.Agent };
  /** Normalized endpoint, e.g. unix:///var/run/docker.sock. */
  endpoint: string;
  /** Where it came from, e.g. "DOCKER_HOST", "Linux system socket". */
  source: string;
  kind: EndpointKind;
  /** Environment that makes the docker CLI use this same engine. */
  cliEnv: Record<string, string | undefined>;
}

export interface EngineDiscovery {
  connection: EngineConnection | null;
  attempts: EndpointAttempt[];
}

export interface EngineAccessOptions {
  env: NodeJS.ProcessEnv;
  events: EventBus;
  /** Per-endpoint ping timeout. */
  timeoutMs?: number;
  platform?: NodeJS.Platform;
  /** Where the docker CLI's buildx probe is kept between processes (see buildx-probe-cache.ts). */
  probeCacheFile?: string;
}

const requireCjs = createRequire(import.meta.url);

/**
 * dockerode, loaded on first use: with grpc and ssh2 it costs a few hundred milliseconds to load, which a command
 * that only pings and reads engine facts (doctor, builder ls) must not pay (issue 15).
 */
function loadDockerode(): typeof Docker {
  return requireCjs('dockerode') as typeof Docker;
}

export class EngineAccess {
  private readonly env: NodeJS.ProcessEnv;
  private readonly events: EventBus;
  private readonly timeoutMs: number | undefined;
  private readonly platform: NodeJS.Platform;
  private connection: EngineConnection | null = null;
  private lastAttempts: EndpointAttempt[] = [];
  private inflight: Promise<EngineDiscovery> | undefined;
  private reachable: boolean | undefined;
  private readonly agents = new Set<http.Agent>();
  private dockerCli: DockerCli | undefined;
  private readonly probeCacheFile: string | undefined;

  constructor(opts: EngineAccessOptions) {
    this.env = opts.env;
    this.events = opts.events;
    this.timeoutMs = opts.timeoutMs;
    this.platform = opts.platform ?? process.platform;
    this.probeCacheFile = opts.probeCacheFile;
  }

  /**
   * Pings every candidate endpoint and caches the one to use. Always fresh; concurrent calls share one round.
   * The round itself is bounded by the ping timeout, so a caller's signal only stops that caller's wait:
   * one caller giving up must not fail the others sharing the round.
   */
  discover(signal?: AbortSignal): Promise<EngineDiscovery> {
    if (!this.inflight) {
      this.inflight = this.runDiscovery().finally(() => {
        this.inflight = undefined;
      });
    }
    return signal ? raceAbort(this.inflight, signal, 'Looking for the Docker engine') : this.inflight;
  }

  private async runDiscovery(): Promise<EngineDiscovery> {
    const opts: DiscoverOptions = { env: this.env, platform: this.platform };
    if (this.timeoutMs !== undefined) opts.timeoutMs = this.timeoutMs;
    const outcome = await discoverEndpoints(opts);
    this.lastAttempts = outcome.attempts;
    const previous = this.connection;
    this.connection = outcome.chosen ? this.connectTo(outcome.chosen, previous) : null;
    this.setReachable(this.connection !== null, this.connection?.endpoint, this.connection ? undefined : unreachableMessage(outcome.attempts));
    return { connection: this.connection, attempts: outcome.attempts };
  }

  /** The cached connection, discovering it first when needed. Throws `engine-unreachable` naming every endpoint tried. */
  async connect(signal?: AbortSignal): Promise<EngineConnection> {
    if (this.connection) return this.connection;
    const found = await this.discover(signal);
    if (found.connection) return found.connection;
    throw unreachableError(found.attempts, this.platform);
  }

  /** The dockerode client for the connected engine. */
  async docker(signal?: AbortSignal): Promise<Docker> {
    return (await this.connect(signal)).docker;
  }

  /** The connection if one is cached, without any I/O. */
  current(): EngineConnection | null {
    return this.connection;
  }

  /** What the last discovery found for each endpoint. */
  attempts(): EndpointAttempt[] {
    return this.lastAttempts;
  }

  /** Drop the cached connection (after a connection error); the next `connect()` discovers again. */
  invalidate(): void {
    this.connection = null;
  }

  /**
   * The docker CLI bound to the connected engine. Each command first makes sure the engine is connected,
   * then runs with DOCKER_HOST (or DOCKER_CONTEXT) set to it.
   */
  cli(): DockerCli {
    if (!this.dockerCli) {
      this.dockerCli = new DockerCli({
        env: this.env,
        platform: this.platform,
        engineEnv: async (signal) => (await this.connect(signal)).cliEnv,
        ...(this.probeCacheFile ? { probeCacheFile: this.probeCacheFile } : {}),
      });
    }
    return this.dockerCli;
  }

  async close(): Promise<void> {
    for (const agent of this.agents) agent.destroy();
    this.agents.clear();
    this.connection = null;
  }

  private setReachable(reachable: boolean, endpoint: string | undefined, message: string | undefined): void {
    if (this.reachable === reachable) return;
    this.reachable = reachable;
    const payload: { reachable: boolean; endpoint?: string; message?: string } = { reachable };
    if (endpoint) payload.endpoint = endpoint;
    if (message) payload.message = message;
    this.events.emit('engine:status', payload);
  }

  private connectTo(candidate: Candidate, previous: EngineConnection | null): EngineConnection {
    const parsed = candidate.parsed;
    if (!parsed) throw new AppError('internal', `The endpoint ${candidate.raw} was chosen without being parsed.`);
    // Keep the same client when discovery lands on the same endpoint, so callers holding it are not surprised.
    if (previous && previous.endpoint === parsed.url && previous.source === candidate.source) return previous;

    let options: Docker.DockerOptions;
    let plainHttp: EngineConnection['plainHttp'];
    if (parsed.kind === 'tcp') {
      const tls = parsed.tls ? candidate.tls : undefined;
      const agent = parsed.tls
        ? new https.Agent({ keepAlive: true, ...(tls?.ca ? { ca: tls.ca } : {}), ...(tls?.cert ? { cert: tls.cert } : {}), ...(tls?.key ? { key: tls.key } : {}), rejectUnauthorized: tls?.verify ?? true })
        : new http.Agent({ keepAlive: true });
      this.agents.add(shortInspect(agent));
      options = {
        host: parsed.host,
        port: parsed.port,
        protocol: parsed.tls ? 'https' : 'http',
        agent,
        ...(tls?.ca ? { ca: tls.ca } : {}),
        ...(tls?.cert ? { cert: tls.cert } : {}),
        ...(tls?.key ? { key: tls.key } : {}),
      } as Docker.DockerOptions;
      if (!parsed.tls) plainHttp = { host: parsed.host, port: parsed.port, agent };
    } else if (parsed.kind === 'unix' || parsed.kind === 'npipe') {
      const agent = new http.Agent({ keepAlive: true });
      this.agents.add(shortInspect(agent));
      options = { socketPath: parsed.path, agent } as Docker.DockerOptions;
      plainHttp = { socketPath: parsed.path, agent };
    } else {
      throw new AppError('unsupported', `The endpoint ${parsed.url} cannot be used: ssh is not supported yet.`);
    }
    let client: Docker | undefined;

    // A context may carry TLS material only the CLI knows how to use, so point the CLI at the context itself.
    const cliEnv: Record<string, string | undefined> = candidate.kind === 'context' && candidate.contextName
      ? { DOCKER_CONTEXT: candidate.contextName, DOCKER_HOST: undefined }
      : { DOCKER_HOST: parsed.url, DOCKER_CONTEXT: undefined };
    const connection: EngineConnection = {
      get docker(): Docker {
        client ??= new (loadDockerode())(options);
        return client;
      },
      endpoint: parsed.url,
      source: candidate.source,
      kind: candidate.kind,
      cliEnv,
    };
    if (plainHttp) connection.plainHttp = plainHttp;
    return connection;
  }
}

/** One line per endpoint tried, for messages and the CLI. */
export function describeAttempts(attempts: EndpointAttempt[]): string {
  return attempts
    .map((a) => `  - ${a.endpoint} (${a.source}): ${a.ok ? (a.note ? `answers; ${a.note.replace(/^answers, but /, '')}` : 'answers') : (a.reason ?? 'no answer')}`)
    .join('\n');
}

export function unreachableMessage(attempts: EndpointAttempt[]): string {
  const explicit = attempts.find((a) => a.kind === 'env') ?? attempts.find((a) => a.kind === 'context' && !a.ok);
  const head =
    explicit && explicit.kind === 'env'
      ? `No Docker engine answered at DOCKER_HOST=${explicit.endpoint}: ${explicit.reason ?? 'no answer'}.`
      : explicit && explicit.kind === 'context'
        ? `No Docker engine answered for the current ${explicit.source}: ${explicit.reason ?? 'no answer'}.`
        : 'No Docker engine answered.';
  return `${head}\nEndpoints tried:\n${describeAttempts(attempts)}`;
}

/** The `engine-unreachable` error, naming every endpoint tried and why each failed. */
export function unreachableError(attempts: EndpointAttempt[], platform: NodeJS.Platform = process.platform): AppError {
  return new AppError('engine-unreachable', unreachableMessage(attempts), { hint: engineStartHint(attempts, platform), details: { attempts } });
}

/** What to do when no engine answers, for this OS and these failures. */
export function engineStartHint(attempts: EndpointAttempt[], platform: NodeJS.Platform): string {
  const answeringElsewhere = attempts.find((a) => a.ok && !a.selected);
  const envAttempt = attempts.find((a) => a.kind === 'env');
  const contextAttempt = attempts.find((a) => a.kind === 'context');
  if (answeringElsewhere && envAttempt && !envAttempt.ok) {
    return `Start Docker at ${envAttempt.endpoint}, or unset DOCKER_HOST to use the engine that answers at ${answeringElsewhere.endpoint}.`;
  }
  if (answeringElsewhere && contextAttempt && !contextAttempt.ok) {
    return `Start the engine of the current docker context, or switch context (docker context use default) to use the engine that answers at ${answeringElsewhere.endpoint}.`;
  }
  if (attempts.some((a) => /permission denied/.test(a.reason ?? ''))) {
    return 'Start Docker if needed; the socket exists but you may not use it: add your user to the docker group (sudo usermod -aG docker $USER), then log out and back in.';
  }
  if (platform === 'darwin') return 'Start Docker Desktop (or Colima: colima start), wait until it says it is running, then try again.';
  if (platform === 'win32') return 'Start Docker Desktop, wait until it says it is running, then try again.';
  return 'Start Docker: sudo systemctl start docker (or start Docker Desktop / rootless Docker: systemctl --user start docker), then try again.';
}

/**
 * docker-modem formats every request's options with `util.inspect(…, { showHidden: true, depth: null })` for its
 * debug log, whether that log is on or not, and the options hold the agent: walking a keep-alive agent's sockets
 * to the bottom cost ~20 ms of the main thread per Engine API call (most of a run matrix's CPU). The agent
 * describes itself in one line instead.
 */
function shortInspect<A extends http.Agent>(agent: A): A {
  Object.defineProperty(agent, inspect.custom, {
    value: () => `${agent.constructor.name} { keepAlive: true, sockets: ${Object.values(agent.sockets).reduce((n, list) => n + (list?.length ?? 0), 0)} }`,
    enumerable: false,
  });
  return agent;
}
