/**
 * Finding the Docker engine: an ordered list of candidate endpoints, each pinged, each outcome recorded
 * so the user can see which one answered and why every other one did not.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { EndpointAttempt, EndpointKind } from '../contract/doctor.js';
import { parseEndpoint, unsupportedReason, type ParsedEndpoint } from './endpoint.js';

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Verify the server's certificate (DOCKER_TLS_VERIFY, or a context without SkipTLSVerify). */
  verify: boolean;
}

export interface Candidate {
  source: string;
  kind: EndpointKind;
  /** The endpoint as written where we found it. */
  raw: string;
  parsed?: ParsedEndpoint;
  /** Why the candidate cannot even be dialed (bad syntax, unsupported scheme, missing context). */
  invalid?: string;
  /**
   * The user chose this endpoint (DOCKER_HOST or a non-default context). Like the docker CLI, we then use it or nothing:
   * falling back to another socket would quietly talk to a different engine than `docker` does.
   */
  explicit: boolean;
  /** The docker context this came from, so the CLI can be pointed at the same context. */
  contextName?: string;
  tls?: TlsMaterial;
}

export interface CandidateEnv {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
  uid?: number;
  /** Reads a file as text, or undefined when it does not exist; injectable so tests can use a temp tree. */
  readText?: (file: string) => Promise<string | undefined>;
}

async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readBufferIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch {
    return undefined;
  }
}

/** $DOCKER_CONFIG, or ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv, homedir: string): string {
  return env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(homedir, '.docker');
}

/** Where the docker CLI keeps a context's metadata: contexts/meta/<sha256 of the name>/meta.json. */
export function contextMetaPath(configDir: string, contextName: string): string {
  const digest = createHash('sha256').update(contextName).digest('hex');
  return path.join(configDir, 'contexts', 'meta', digest, 'meta.json');
}

function contextTlsDir(configDir: string, contextName: string): string {
  const digest = createHash('sha256').update(contextName).digest('hex');
  return path.join(configDir, 'contexts', 'tls', digest, 'docker');
}

/** The context the docker CLI would use: DOCKER_CONTEXT, else currentContext in config.json, else "default". */
export async function currentContextName(opts: CandidateEnv): Promise<{ name: string; from: string }> {
  if (opts.env.DOCKER_CONTEXT) return { name: opts.env.DOCKER_CONTEXT, from: 'DOCKER_CONTEXT' };
  const read = opts.readText ?? readTextIfExists;
  const configFile = path.join(dockerConfigDir(opts.env, opts.homedir), 'config.json');
  const text = await read(configFile);
  if (text) {
    try {
      const config = JSON.parse(text) as { currentContext?: unknown };
      if (typeof config.currentContext === 'string' && config.currentContext) {
        return { name: config.currentContext, from: configFile };
      }
    } catch {
      // A broken config.json makes the docker CLI fail too; discovery carries on with the default context.
    }
  }
  return { name: 'default', from: 'default' };
}

interface UsualSocket {
  source: string;
  kind: EndpointKind;
  raw: string;
}

/** The sockets engines usually listen on, per OS, most common first. */
export function usualSockets(opts: CandidateEnv): UsualSocket[] {
  const { env, platform, homedir } = opts;
  const home = (...parts: string[]) => path.posix.join(homedir.replace(/\\/g, '/'), ...parts);
  if (platform === 'win32') {
    return [
      { source: 'Docker Desktop / Docker Engine pipe', kind: 'pipe', raw: 'npipe:////./pipe/docker_engine' },
      { source: 'Docker Desktop (Linux engine) pipe', kind: 'pipe', raw: 'npipe:////./pipe/dockerDesktopLinuxEngine' },
      { source: 'Podman machine pipe', kind: 'pipe', raw: 'npipe:////./pipe/podman-machine-default' },
    ];
  }
  const runtimeDir = env.XDG_RUNTIME_DIR || (opts.uid !== undefined && opts.uid !== 0 ? `/run/user/${opts.uid}` : undefined);
  const list: UsualSocket[] = [];
  list.push({ source: platform === 'darwin' ? 'Docker Desktop system socket' : 'Linux system socket', kind: 'socket', raw: 'unix:///var/run/docker.sock' });
  if (platform !== 'darwin' && runtimeDir) {
    list.push({ source: 'rootless Docker socket', kind: 'socket', raw: `unix://${path.posix.join(runtimeDir, 'docker.sock')}` });
  }
  list.push({ source: 'Docker Desktop user socket', kind: 'socket', raw: `unix://${home('.docker', 'run', 'docker.sock')}` });
  if (platform !== 'darwin') {
    list.push({ source: 'Docker Desktop for Linux socket', kind: 'socket', raw: `unix://${home('.docker', 'desktop', 'docker.sock')}` });
  }
  list.push({ source: 'Colima socket', kind: 'socket', raw: `unix://${home('.colima', 'default', 'docker.sock')}` });
  if (platform === 'darwin') {
    list.push({ source: 'Rancher Desktop socket', kind: 'socket', raw: `unix://${home('.rd', 'docker.sock')}` });
    list.push({ source: 'OrbStack socket', kind: 'socket', raw: `unix://${home('.orbstack', 'run', 'docker.sock')}` });
    list.push({ source: 'Podman machine socket', kind: 'socket', raw: `unix://${home('.local', 'share', 'containers', 'podman', 'machine', 'podman.sock')}` });
  } else {
    if (runtimeDir) {
      list.push({ source: 'rootless Podman socket', kind: 'socket', raw: `unix://${path.posix.join(runtimeDir, 'podman', 'podman.sock')}` });
    }
    list.push({ source: 'rootful Podman socket', kind: 'socket', raw: 'unix:///run/podman/podman.sock' });
  }
  return list;
}

/**
 * Every endpoint worth trying, in the order the docker CLI itself would pick them:
 * DOCKER_HOST, then the current context, then the usual sockets. Duplicates are dropped (first source wins).
 */
export async function listCandidates(opts: CandidateEnv): Promise<Candidate[]> {
  const { env } = opts;
  const read = opts.readText ?? readTextIfExists;
  const out: Candidate[] = [];
  const configDir = dockerConfigDir(env, opts.homedir);

  if (env.DOCKER_HOST) {
    const tlsVerify = Boolean(env.DOCKER_TLS_VERIFY);
    const candidate: Candidate = { source: 'DOCKER_HOST', kind: 'env', raw: env.DOCKER_HOST, explicit: true };
    const parsed = parseEndpoint(env.DOCKER_HOST, { tls: tlsVerify });
    if (parsed.ok) {
      candidate.parsed = parsed.endpoint;
      if (parsed.endpoint.kind === 'tcp' && parsed.endpoint.tls) {
        const certDir = env.DOCKER_CERT_PATH ? path.resolve(env.DOCKER_CERT_PATH) : configDir;
        candidate.tls = await loadTls(certDir, tlsVerify);
      }
    } else {
      candidate.invalid = `DOCKER_HOST is not a valid endpoint: ${parsed.reason}`;
    }
    out.push(candidate);
  }

  const context = await currentContextName(opts);
  if (context.name !== 'default') {
    const source = `docker context "${context.name}"`;
    const metaFile = contextMetaPath(configDir, context.name);
    const text = await read(metaFile);
    // With DOCKER_HOST set the CLI ignores the context, so it is only a fallback suggestion then.
    const explicit = !env.DOCKER_HOST;
    if (text === undefined) {
      out.push({ source, kind: 'context', raw: `context:${context.name}`, explicit, contextName: context.name, invalid: `the context "${context.name}" (from ${context.from}) does not exist: no ${metaFile}` });
    } else {
      let host: unknown;
      let skipTls = false;
      try {
        const meta = JSON.parse(text) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
        host = meta.Endpoints?.docker?.Host;
        skipTls = meta.Endpoints?.docker?.SkipTLSVerify === true;
      } catch {
        host = undefined;
      }
      if (typeof host !== 'string' || !host) {
        out.push({ source, kind: 'context', raw: `context:${context.name}`, explicit, contextName: context.name, invalid: `the context "${context.name}" has no docker endpoint in ${metaFile}` });
      } else {
        const tlsDir = contextTlsDir(configDir, context.name);
        const tls = await loadTls(tlsDir, !skipTls);
        const hasTls = Boolean(tls.ca || tls.cert);
        const parsed = parseEndpoint(host, { tls: hasTls });
        const candidate: Candidate = { source, kind: 'context', raw: host, explicit, contextName: context.name };
        if (parsed.ok) {
          candidate.parsed = parsed.endpoint;
          if (hasTls) candidate.tls = tls;
        } else {
          candidate.invalid = `the context's endpoint is not valid: ${parsed.reason}`;
        }
        out.push(candidate);
      }
    }
  }

  for (const s of usualSockets(opts)) {
    const parsed = parseEndpoint(s.raw);
    out.push({ source: s.source, kind: s.kind, raw: s.raw, explicit: false, ...(parsed.ok ? { parsed: parsed.endpoint } : { invalid: parsed.reason }) });
  }

  const seen = new Set<string>();
  const unique: Candidate[] = [];
  for (const c of out) {
    const key = c.parsed?.url ?? c.raw;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(c);
  }
  for (const c of unique) {
    if (c.parsed && !c.invalid) {
      const why = unsupportedReason(c.parsed, opts.platform);
      if (why) c.invalid = why;
    }
  }
  return unique;
}

async function loadTls(dir: string, verify: boolean): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((f) => readBufferIfExists(path.join(dir, f))));
  const tls: TlsMaterial = { verify };
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  return tls;
}

export type ProbeResult = { ok: true; apiVersion?: string; engine?: string } | { ok: false; reason: string };

/** Turns a dial error into words a user can act on. Pure, so each case is tested. */
export function describeProbeError(error: unknown, endpoint: ParsedEndpoint, timeoutMs: number): string {
  const err = error as NodeJS.ErrnoException & { reason?: string };
  const code = err?.code;
  const where = endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : endpoint.kind === 'unix' || endpoint.kind === 'npipe' ? endpoint.path : endpoint.url;
  switch (code) {
    case 'ENOENT':
      return endpoint.kind === 'npipe' ? `no pipe at ${where}` : `no socket at ${where}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${where}: add your user to the docker group (sudo usermod -aG docker $USER) and log in again, or run rootless Docker`;
    case 'ECONNREFUSED':
      return endpoint.kind === 'tcp'
        ? `connection refused at ${where}: nothing listens on that port`
        : `connection refused: ${where} exists but no engine is listening (the daemon is stopped or crashed)`;
    case 'ENOTSOCK':
      return `${where} exists but is not a socket`;
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return `no answer from ${where} within ${Math.round(timeoutMs / 100) / 10} s`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return endpoint.kind === 'tcp' ? `the host name ${endpoint.host} could not be resolved` : `${where} could not be resolved`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable from this machine (no route)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${where} closed the connection; if it expects TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH`;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS handshake with ${where} failed: it may not speak TLS (unset DOCKER_TLS_VERIFY) or the certificates do not match`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the TLS certificate of ${where} was not accepted (${code}); check DOCKER_CERT_PATH or the context's ca.pem`;
    default: {
      const msg = err instanceof Error ? err.message : String(error);
      return `could not connect to ${where}: ${code ? `${code} ` : ''}${msg}`.trim();
    }
  }
}

/** GET /_ping on one endpoint with a short timeout. Resolves, never rejects: failures become a reason. */
export function probeEndpoint(endpoint: ParsedEndpoint, opts: { timeoutMs: number; signal?: AbortSignal; tls?: TlsMaterial }): Promise<ProbeResult> {
  if (endpoint.kind === 'ssh') return Promise.resolve({ ok: false, reason: unsupportedReason(endpoint, process.platform) ?? 'ssh is not supported' });
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const base: http.RequestOptions = { method: 'GET', path: '/_ping', headers: { 'User-Agent': 'multiarch-lab' }, agent: false };
    if (opts.signal) base.signal = opts.signal;
    let req: http.ClientRequest;
    try {
      if (endpoint.kind === 'tcp' && endpoint.tls) {
        const tlsOpts: https.RequestOptions = { ...base, host: endpoint.host, port: endpoint.port, rejectUnauthorized: opts.tls?.verify ?? true };
        if (opts.tls?.ca) tlsOpts.ca = opts.tls.ca;
        if (opts.tls?.cert) tlsOpts.cert = opts.tls.cert;
        if (opts.tls?.key) tlsOpts.key = opts.tls.key;
        req = https.request(tlsOpts);
      } else if (endpoint.kind === 'tcp') {
        req = http.request({ ...base, host: endpoint.host, port: endpoint.port });
      } else {
        req = http.request({ ...base, socketPath: endpoint.path });
      }
    } catch (error) {
      finish({ ok: false, reason: describeProbeError(error, endpoint, opts.timeoutMs) });
      return;
    }
    const timer = setTimeout(() => {
      finish({ ok: false, reason: describeProbeError({ code: 'ETIMEDOUT' }, endpoint, opts.timeoutMs) });
      req.destroy();
    }, opts.timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (chunks.length < 16) chunks.push(c);
      });
      res.on('end', () => {
        const apiVersion = headerValue(res.headers['api-version']);
        if (res.statusCode === 200) {
          const result: ProbeResult = { ok: true };
          if (apiVersion) result.apiVersion = apiVersion;
          const server = headerValue(res.headers.server);
          if (server) result.engine = server;
          finish(result);
        } else {
          const body = Buffer.concat(chunks).toString('utf8').slice(0, 120).trim();
          finish({
            ok: false,
            reason: apiVersion
              ? `the engine answered HTTP ${res.statusCode}${body ? `: ${body}` : ''}`
              : `answered HTTP ${res.statusCode}, which is not what a Docker engine says to /_ping`,
          });
        }
      });
      res.on('error', (error) => finish({ ok: false, reason: describeProbeError(error, endpoint, opts.timeoutMs) }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') finish({ ok: false, reason: 'the check was cancelled' });
      else finish({ ok: false, reason: describeProbeError(error, endpoint, opts.timeoutMs) });
    });
    req.end();
  });
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export interface DiscoveryOutcome {
  /** The candidate to use, or null when none may be used. */
  chosen: Candidate | null;
  attempts: EndpointAttempt[];
  candidates: Candidate[];
}

export interface DiscoverOptions {
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
  uid?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  readText?: (file: string) => Promise<string | undefined>;
  probe?: typeof probeEndpoint;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 2500;

/**
 * Pings every candidate at once (a missing socket fails in microseconds; only a dead tcp host costs the timeout)
 * and picks the first that answered, in order. An explicit choice (DOCKER_HOST, a non-default context) is used or
 * nothing is; the others are still recorded so the user learns that, say, the system socket would have answered.
 */
export async function discoverEndpoints(opts: DiscoverOptions): Promise<DiscoveryOutcome> {
  const platform = opts.platform ?? process.platform;
  const candidateEnv: CandidateEnv = {
    env: opts.env,
    platform,
    homedir: opts.homedir ?? opts.env.HOME ?? opts.env.USERPROFILE ?? os.homedir(),
  };
  const uid = opts.uid ?? (typeof process.getuid === 'function' ? process.getuid() : undefined);
  if (uid !== undefined) candidateEnv.uid = uid;
  if (opts.readText) candidateEnv.readText = opts.readText;
  const candidates = await listCandidates(candidateEnv);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const probe = opts.probe ?? probeEndpoint;

  const results = await Promise.all(
    candidates.map(async (c): Promise<ProbeResult> => {
      if (c.invalid || !c.parsed) return { ok: false, reason: c.invalid ?? 'not a usable endpoint' };
      const probeOpts: { timeoutMs: number; signal?: AbortSignal; tls?: TlsMaterial } = { timeoutMs };
      if (opts.signal) probeOpts.signal = opts.signal;
      if (c.tls) probeOpts.tls = c.tls;
      return probe(c.parsed, probeOpts);
    }),
  );

  const explicit = candidates.find((c) => c.explicit);
  let chosenIndex = -1;
  if (explicit) {
    const i = candidates.indexOf(explicit);
    if (results[i]?.ok) chosenIndex = i;
  } else {
    chosenIndex = results.findIndex((r) => r.ok);
  }

  const attempts: EndpointAttempt[] = candidates.map((c, i) => {
    const r = results[i] ?? { ok: false, reason: 'not tried' };
    const attempt: EndpointAttempt = { source: c.source, kind: c.kind, endpoint: c.parsed?.url ?? c.raw, ok: r.ok };
    if (!r.ok) attempt.reason = r.reason;
    if (i === chosenIndex) attempt.selected = true;
    else if (r.ok && explicit && chosenIndex < 0) {
      attempt.note = `answers, but ${explicit.source === 'DOCKER_HOST' ? 'DOCKER_HOST is set' : `the current context is "${explicit.contextName}"`}, so it is not used (the docker CLI would not use it either)`;
    } else if (r.ok) attempt.note = 'answers too; an earlier endpoint takes precedence';
    return attempt;
  });

  return { chosen: chosenIndex >= 0 ? (candidates[chosenIndex] ?? null) : null, attempts, candidates };
}
