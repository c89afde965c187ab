/**
 * The local registry container: up (create or adopt), status, stop, start, down, volume usage and
 * garbage collection, all through the engine API. Each action knows its docker CLI equivalent so
 * people can see and copy what was done.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../contract/errors.js';
import type {
  RegistryDownResult,
  RegistryGcResult,
  RegistryHealth,
  RegistryStateChange,
  RegistryStatus,
  RegistryUpRequest,
  RegistryUpResult,
  RegistryVolumeInfo,
  RegistryVolumeUsage,
} from '../contract/registry-lifecycle.js';
import type { TaskProgress } from '../contract/tasks.js';
import { engineIsLocal, type EngineAccess, type EngineConnection } from '../docker/engine.js';
import { formatCommand } from '../docker/exec.js';
import { formatBytes } from '../format-bytes.js';
import type { SettingsStore } from '../settings.js';
import type { StepSpec, TaskHandle, TaskManager } from '../tasks.js';
import { RegistryClient } from './client.js';
import { findListeningProcess, isPortFreeOnHost, portTakenError, type PortHolder } from './port-check.js';
import {
  containerCreateOptions,
  deleteEnabledIn,
  demuxDockerStream,
  dockerRunCommand,
  engineMessage,
  garbageCollectCommand,
  isManaged,
  parseGcSummary,
  publishedRegistryPort,
  registryEvidence,
  registryLabels,
  registryVolumeName,
  statusCodeOf,
  volumeCreateCommand,
  type ContainerFacts,
  type RegistrySpec,
} from './registry-container.js';

export interface RegistryLifecycleDeps {
  engine: EngineAccess;
  settings: SettingsStore;
  tasks: TaskManager;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

const HEALTH_TIMEOUT_MS = 30_000;
const PING_TIMEOUT_MS = 2_000;
const SUGGEST_RANGE = 200;
const REPOSITORY_WALK_DEPTH = 8;

/* ---------- small engine helpers ---------- */

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EPIPE', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOTFOUND']);

/** Turns a dockerode failure into an AppError; a dropped connection also makes the engine be looked for again. */
function engineFailure(deps: RegistryLifecycleDeps, error: unknown, doing: string, command?: string[]): AppError {
  if (error instanceof AppError) return error;
  if ((error as { name?: string })?.name === 'AbortError') return new AppError('cancelled', `Trying to ${doing} was cancelled.`);
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    deps.engine.invalidate();
    return new AppError('engine-unreachable', `The Docker engine stopped answering while trying to ${doing} (${code}).`, {
      hint: 'Check that Docker is running (multiarch-lab doctor tells what it finds), then try again.',
    });
  }
  const status = statusCodeOf(error);
  return new AppError(status === 409 ? 'conflict' : status === 404 ? 'not-found' : 'command-failed', `The engine could not ${doing}: ${engineMessage(error)}`, {
    hint: command ? `Run the same thing yourself to see more: ${formatCommand(command)}` : 'Check the engine with multiarch-lab doctor, then try again.',
  });
}

async function inspectContainer(deps: RegistryLifecycleDeps, docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    throw engineFailure(deps, error, `look at the container ${name}`, ['docker', 'container', 'inspect', name]);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AppError('cancelled', 'Waiting was cancelled.'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AppError('cancelled', 'Waiting was cancelled.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The host this machine reaches the engine's published ports on. */
export function engineHost(connection: Pick<EngineConnection, 'endpoint'>): string {
  if (connection.endpoint.startsWith('tcp://')) {
    try {
      const host = new URL(connection.endpoint.replace(/^tcp:/, 'http:')).hostname;
      if (host && !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(host)) return host;
    } catch {
      // fall back to localhost
    }
  }
  return 'localhost';
}

function isLocalEngine(connection: Pick<EngineConnection, 'endpoint'>): boolean {
  return engineHost(connection) === 'localhost';
}

/** host:port to reach a published port from this machine (which differs from the engine's view only for remote engines). */
function httpAddress(connection: EngineConnection, published: { host: string; port: number }): string {
  return `${published.host === 'localhost' ? engineHost(connection) : published.host}:${published.port}`;
}

function clientFor(address: string, signal?: AbortSignal): RegistryClient {
  // our own registry speaks plain HTTP even when the engine is on another machine
  return new RegistryClient({ registry: address, insecure: true, timeoutMs: PING_TIMEOUT_MS, ...(signal ? { signal } : {}) });
}

async function pingRegistry(address: string, signal?: AbortSignal): Promise<RegistryHealth> {
  try {
    const ping = await clientFor(address, signal).ping();
    const health: RegistryHealth = { ok: ping.ok && ping.apiVersionHeader !== null, status: ping.status, apiVersionHeader: ping.apiVersionHeader };
    if (ping.ok && ping.apiVersionHeader === null) {
      health.error = {
        code: 'registry-error',
        message: `${address} answered GET /v2/ without a Docker-Distribution-Api-Version header: it may not be a registry.`,
        hint: 'Check what listens on that port.',
      };
    }
    return health;
  } catch (error) {
    const e = error instanceof AppError ? error : new AppError('registry-error', String(error));
    return { ok: false, status: null, apiVersionHeader: null, error: e.toJSON() };
  }
}

async function countRepositories(address: string, signal?: AbortSignal): Promise<string[] | null> {
  try {
    const client = new RegistryClient({ registry: address, insecure: true, timeoutMs: 10_000, ...(signal ? { signal } : {}) });
    return (await client.catalog({ pageSize: 1000 })).items;
  } catch {
    return null;
  }
}

async function containerLogsTail(container: Docker.Container, lines = 15): Promise<string> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    const { stdout, stderr } = demuxDockerStream(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    return `${stdout}${stderr}`.trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Polls GET /v2/ until the registry answers or the container dies. A container that exits is an error
 * (with its last log lines); one that runs but does not answer in time is reported as unhealthy.
 */
async function waitForRegistry(
  deps: RegistryLifecycleDeps,
  docker: Docker,
  name: string,
  address: string,
  signal: AbortSignal | undefined,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<RegistryHealth> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const last = await pingRegistry(address, signal);
    if (last.ok) return last;
    if (round % 4 === 0) {
      const info = await inspectContainer(deps, docker, name);
      if (!info) throw new AppError('not-found', `The container ${name} disappeared while starting.`, { hint: 'Something else removed it; run multiarch-lab registry up again.' });
      if (!info.State.Running && !info.State.Restarting) {
        const logs = await containerLogsTail(docker.getContainer(name));
        throw new AppError('command-failed', `The registry container ${name} stopped right after starting (exit code ${info.State.ExitCode})${logs ? `:\n${logs}` : '.'}`, {
          hint: `Read its whole log with: docker logs ${name}`,
        });
      }
    }
    if (Date.now() >= deadline) return last;
    await sleep(250, signal);
  }
}

/* ---------- image ---------- */

function pullFailed(image: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const why = engineMessage(error);
  const offline = /no such host|dial tcp|i\/o timeout|network is unreachable|connection refused|TLS handshake timeout|context deadline exceeded|lookup /i.test(why);
  const missing = /not found|manifest unknown|does not exist|pull access denied/i.test(why);
  const hint = offline
    ? `This machine cannot reach the registry that holds ${image}. Check the network connection (and any proxy Docker uses), then try again; or, on a machine that has it, run \`docker save -o registry.tar ${image}\` and load it here with \`docker load -i registry.tar\`.`
    : missing
      ? `Check the image name and tag (${image}), or load the image from a file with docker load -i FILE.tar.`
      : `Try \`docker pull ${image}\` yourself to see more, or load the image from a file with docker load -i FILE.tar.`;
  return new AppError('pull-failed', `Could not pull the image ${image}: ${why}`, { hint, details: { image } });
}

interface LayerProgress {
  current: number;
  total: number;
}

/** Pulls the image, reporting the bytes of all layers together. */
async function pullImage(docker: Docker, image: string, task: TaskHandle): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image, { abortSignal: task.signal });
  } catch (error) {
    if (task.signal.aborted) throw new AppError('cancelled', `Pulling ${image} was cancelled.`);
    throw pullFailed(image, error);
  }
  const layers = new Map<string, LayerProgress>();
  let lastReport = 0;
  const report = (force: boolean, message: string) => {
    const now = Date.now();
    if (!force && now - lastReport < 150) return;
    lastReport = now;
    let current = 0;
    let total = 0;
    for (const l of layers.values()) {
      current += Math.min(l.current, l.total || l.current);
      total += l.total;
    }
    const p: TaskProgress = { current, unit: 'bytes', message };
    if (total > 0) p.total = total;
    task.progress(p);
  };
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      reject(new AppError('cancelled', `Pulling ${image} was cancelled.`));
    };
    task.signal.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (error) => {
        task.signal.removeEventListener('abort', onAbort);
        if (task.signal.aborted) return;
        if (error) reject(pullFailed(image, error));
        else {
          report(true, `Pulled ${image}`);
          resolve();
        }
      },
      (event: { id?: string; status?: string; progressDetail?: { current?: number; total?: number } }) => {
        const id = event.id;
        if (!id) return;
        const layer = layers.get(id) ?? { current: 0, total: 0 };
        const detail = event.progressDetail ?? {};
        if (/download/i.test(event.status ?? '') && typeof detail.total === 'number' && detail.total > 0) {
          layer.total = detail.total;
          layer.current = detail.current ?? layer.current;
        } else if (/download complete|pull complete|already exists|done/i.test(event.status ?? '')) {
          layer.current = layer.total;
        }
        layers.set(id, layer);
        report(false, `Pulling ${image}: ${event.status ?? ''}`.trim());
      },
    );
  });
}

/** Makes sure the image is present; returns true when it had to be pulled. */
async function ensureImage(deps: RegistryLifecycleDeps, docker: Docker, image: string, task: TaskHandle): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return false;
  } catch (error) {
    if (statusCodeOf(error) !== 404) throw engineFailure(deps, error, `look for the image ${image}`, ['docker', 'image', 'inspect', image]);
  }
  await pullImage(docker, image, task);
  return true;
}

/* ---------- port ---------- */

interface PublishedBy {
  name: string;
  image: string;
  isRegistry: boolean;
}

async function publishedPorts(deps: RegistryLifecycleDeps, docker: Docker): Promise<Map<number, PublishedBy>> {
  let list: Docker.ContainerInfo[];
  try {
    list = await docker.listContainers();
  } catch (error) {
    throw engineFailure(deps, error, 'list the running containers', ['docker', 'ps']);
  }
  const map = new Map<number, PublishedBy>();
  for (const c of list) {
    const name = (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
    const evidence = registryEvidence({ Config: { Image: c.Image, Labels: c.Labels }, Path: c.Command.split(' ')[0] ?? '' });
    for (const p of c.Ports ?? []) {
      if (p.PublicPort && !map.has(p.PublicPort)) map.set(p.PublicPort, { name, image: c.Image, isRegistry: evidence !== null });
    }
  }
  return map;
}

/**
 * Throws `port-taken` (who holds it, the next free port) unless the port can be published.
 * `knownTaken`: the engine already failed to bind it (e.g. an IPv6-only listener our probe cannot see).
 */
async function checkPortFree(deps: RegistryLifecycleDeps, connection: EngineConnection, port: number, knownTaken = false): Promise<void> {
  const platform = deps.platform ?? process.platform;
  const published = await publishedPorts(deps, connection.docker);
  const local = isLocalEngine(connection);
  const byContainer = published.get(port);
  // a remote engine's ports are not this machine's: only the engine can tell
  const freeHere = local ? await isPortFreeOnHost(port) : true;
  if (!byContainer && freeHere && !knownTaken) return;
  const holder: PortHolder = {};
  if (byContainer) holder.container = byContainer;
  else if (platform === 'linux') {
    const proc = await findListeningProcess(port);
    if (proc) holder.process = proc;
  }
  let suggested: number | null = null;
  for (let p = port + 1; p <= Math.min(65535, port + SUGGEST_RANGE); p++) {
    if (published.has(p)) continue;
    if (!local || (await isPortFreeOnHost(p))) {
      suggested = p;
      break;
    }
  }
  throw portTakenError(port, holder, suggested, platform);
}

/* ---------- volume ---------- */

async function volumeSizes(docker: Docker): Promise<Map<string, number>> {
  // only volumes: the full disk-usage report walks every image and container too
  const data = await new Promise<{ Volumes?: Array<{ Name: string; UsageData?: { Size?: number } | null }> | null }>((resolve, reject) => {
    docker.modem.dial(
      { path: '/system/df?', method: 'GET', options: { type: ['volume'] }, statusCodes: { 200: true, 500: 'server error' } },
      (error, result) => (error ? reject(error) : resolve(result as never)),
    );
  });
  const sizes = new Map<string, number>();
  for (const v of data?.Volumes ?? []) {
    const size = v.UsageData?.Size;
    if (typeof size === 'number' && size >= 0) sizes.set(v.Name, size);
  }
  return sizes;
}

async function inspectVolume(deps: RegistryLifecycleDeps, docker: Docker, name: string): Promise<Docker.VolumeInspectInfo | null> {
  try {
    return (await docker.getVolume(name).inspect()) as Docker.VolumeInspectInfo;
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    throw engineFailure(deps, error, `look at the volume ${name}`, ['docker', 'volume', 'inspect', name]);
  }
}

async function volumeInfo(deps: RegistryLifecycleDeps, docker: Docker, name: string): Promise<RegistryVolumeInfo> {
  const volume = await inspectVolume(deps, docker, name);
  if (!volume) return { name, exists: false, sizeBytes: null, managed: false };
  let sizeBytes: number | null = null;
  try {
    sizeBytes = (await volumeSizes(docker)).get(name) ?? null;
  } catch {
    // the size is a nicety; the rest of the status still holds
  }
  return { name, exists: true, sizeBytes, managed: isManaged(volume.Labels) };
}

/** Repositories in a registry storage folder: every directory that has a `_manifests` child. */
export async function repositoriesInStorage(root: string, maxDepth = REPOSITORY_WALK_DEPTH): Promise<string[]> {
  const base = path.join(root, 'docker', 'registry', 'v2', 'repositories');
  const found: string[] = [];
  const walk = async (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isDirectory() && e.name === '_manifests')) {
      found.push(path.relative(base, dir).split(path.sep).join('/'));
    }
    if (depth >= maxDepth) return;
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('_')) await walk(path.join(dir, e.name), depth + 1);
    }
  };
  await stat(base);
  await walk(base, 0);
  return found.sort();
}

async function containersUsingVolume(docker: Docker, volume: string): Promise<string[]> {
  try {
    const list = await docker.listContainers({ all: true, filters: { volume: [volume] } });
    return list.map((c) => (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''));
  } catch {
    return [];
  }
}

/** What removing a volume would lose: its size and the repositories in it. */
async function measureVolume(deps: RegistryLifecycleDeps, connection: EngineConnection, volume: string, registryAddress: string | null, signal?: AbortSignal): Promise<RegistryVolumeUsage> {
  const docker = connection.docker;
  const info = await inspectVolume(deps, docker, volume);
  if (!info) return { volume, exists: false, sizeBytes: null, repositories: null, repositoriesFrom: null, usedBy: [] };
  const [sizes, usedBy] = await Promise.all([volumeSizes(docker).catch(() => new Map<string, number>()), containersUsingVolume(docker, volume)]);
  let repositories: string[] | null = null;
  let repositoriesFrom: RegistryVolumeUsage['repositoriesFrom'] = null;
  if (registryAddress) {
    repositories = await countRepositories(registryAddress, signal);
    if (repositories) repositoriesFrom = 'registry';
  }
  if (!repositories && info.Mountpoint) {
    // a stopped registry cannot answer; a local engine's volume folder can, when we may read it
    try {
      const dockerInfo = (await docker.info()) as { KernelVersion?: string; OSType?: string };
      if (engineIsLocal(connection, dockerInfo, deps.platform ?? process.platform)) {
        repositories = await repositoriesInStorage(info.Mountpoint);
        repositoriesFrom = 'volume-folder';
      }
    } catch {
      repositories = null;
    }
  }
  return { volume, exists: true, sizeBytes: sizes.get(volume) ?? null, repositories, repositoriesFrom, usedBy };
}

/* ---------- up ---------- */

function nextStepFor(address: string): string[] {
  return ['docker', 'buildx', 'build', '--platform', 'linux/amd64,linux/arm64', '-t', `${address}/hello:1.0`, '--push', '.'];
}

function conflictError(name: string, info: ContainerFacts): AppError {
  const image = info.Config?.Image ?? 'an unknown image';
  return new AppError('conflict', `A container named ${name} already exists and is not a registry (it runs ${image}). Multiarch Lab will not touch it.`, {
    hint: `Choose another name (multiarch-lab registry up --name my-registry), or remove that container yourself if you no longer need it (docker rm -f ${name}).`,
    details: { name, image },
  });
}

async function adoptRegistry(
  deps: RegistryLifecycleDeps,
  connection: EngineConnection,
  spec: RegistrySpec,
  info: Docker.ContainerInspectInfo,
  evidence: string,
  task: TaskHandle,
): Promise<RegistryUpResult> {
  const docker = connection.docker;
  const container = docker.getContainer(info.Id);
  const running = info.State.Running && !info.State.Paused;
  task.addStep({ id: 'start', title: `Start the existing registry ${spec.name}`, command: info.State.Paused ? ['docker', 'unpause', spec.name] : ['docker', 'start', spec.name] });
  let started = false;
  if (running) {
    task.step('start', 'skipped', 'already running');
  } else {
    task.step('start', 'running');
    try {
      if (info.State.Paused) await container.unpause();
      else await container.start();
    } catch (error) {
      if (statusCodeOf(error) !== 304) throw engineFailure(deps, error, `start the container ${spec.name}`, ['docker', 'start', spec.name]);
    }
    started = true;
    task.step('start', 'done');
  }
  const fresh = (await inspectContainer(deps, docker, spec.name)) ?? info;
  const published = publishedRegistryPort(fresh);
  const volume = registryVolumeName(fresh);
  const deleteEnabled = deleteEnabledIn(fresh.Config.Env);
  const notes: string[] = [];
  if (published && published.port !== spec.port) notes.push(`It publishes port ${published.port}, not ${spec.port}; it was left as it is.`);
  if (!published) notes.push('It does not publish its port on the host, so only other containers can reach it.');
  if (volume !== spec.volume) notes.push(volume ? `It keeps its data in the volume ${volume}, not ${spec.volume}.` : `It keeps its data outside a named volume, not in ${spec.volume}.`);
  if (deleteEnabled !== spec.deleteEnabled) notes.push(`Deletes are ${deleteEnabled ? 'enabled' : 'disabled'} in it; changing that means recreating it (registry down, then up).`);
  if (fresh.HostConfig.RestartPolicy?.Name !== 'always') notes.push(`Its restart policy is "${fresh.HostConfig.RestartPolicy?.Name || 'no'}", so it will not come back by itself after an engine restart.`);

  let healthy = false;
  const address = published ? `${published.host}:${published.port}` : '';
  if (published) {
    task.addStep({ id: 'health', title: 'Wait for the registry to answer GET /v2/', command: ['curl', '-i', `http://${httpAddress(connection, published)}/v2/`] });
    task.step('health', 'running');
    const health = await waitForRegistry(deps, docker, spec.name, httpAddress(connection, published), task.signal);
    healthy = health.ok;
    task.step('health', healthy ? 'done' : 'failed', healthy ? `${health.status} ${health.apiVersionHeader ?? ''}`.trim() : health.error?.message ?? 'no answer');
    if (!healthy) notes.push(`GET http://${httpAddress(connection, published)}/v2/ did not answer as a registry: ${health.error?.message ?? `status ${health.status}`}.`);
  }
  return {
    name: spec.name,
    containerId: info.Id,
    image: fresh.Config.Image,
    address,
    port: published?.port ?? spec.port,
    volume,
    adopted: true,
    started,
    pulled: false,
    deleteEnabled,
    healthy,
    message: `Adopted the existing registry container ${spec.name} (${evidence})${started ? ' and started it' : ''}${address ? `; it answers at ${address}` : ''}.`,
    notes,
    nextStep: address ? nextStepFor(address) : ['docker', 'port', spec.name],
  };
}

export async function registryUp(deps: RegistryLifecycleDeps, input: RegistryUpRequest, signal?: AbortSignal): Promise<RegistryUpResult> {
  const settings = (await deps.settings.read()).registry;
  const spec: RegistrySpec = {
    name: input.name ?? settings.name,
    image: input.image ?? settings.image,
    port: input.port ?? settings.port,
    volume: input.volume ?? settings.volume,
    deleteEnabled: input.deleteEnabled ?? false,
    labels: registryLabels(deps.env),
  };
  const steps: StepSpec[] = [{ id: 'find', title: `Look for a container named ${spec.name}`, command: ['docker', 'container', 'inspect', spec.name] }];
  return deps.tasks.run(
    'registry:up',
    `Start the local registry ${spec.name}`,
    steps,
    async (task) => {
      task.step('find', 'running');
      const connection = await deps.engine.connect(task.signal);
      const docker = connection.docker;
      const existing = await inspectContainer(deps, docker, spec.name);
      if (existing) {
        const evidence = registryEvidence(existing);
        if (!evidence) {
          task.step('find', 'failed', `it runs ${existing.Config.Image}, not a registry`);
          throw conflictError(spec.name, existing);
        }
        task.step('find', 'done', `found a registry: ${evidence}`);
        return adoptRegistry(deps, connection, spec, existing, evidence, task);
      }
      task.step('find', 'done', 'none yet: creating one');

      const httpAddr = httpAddress(connection, { host: 'localhost', port: spec.port });
      task.addStep({ id: 'image', title: `Make sure the image ${spec.image} is here`, command: ['docker', 'pull', spec.image] });
      task.addStep({ id: 'port', title: `Check that port ${spec.port} is free`, command: ['docker', 'ps', '--filter', `publish=${spec.port}`] });
      task.addStep({ id: 'volume', title: `Create the volume ${spec.volume}`, command: volumeCreateCommand(spec.volume, spec.labels) });
      task.addStep({ id: 'run', title: `Run the registry container ${spec.name}`, command: dockerRunCommand(spec) });
      task.addStep({ id: 'health', title: 'Wait for the registry to answer GET /v2/', command: ['curl', '-i', `http://${httpAddr}/v2/`] });

      task.step('image', 'running');
      const pulled = await ensureImage(deps, docker, spec.image, task);
      task.step('image', 'done', pulled ? 'pulled' : 'already here');

      task.step('port', 'running');
      await checkPortFree(deps, connection, spec.port);
      task.step('port', 'done');

      task.step('volume', 'running');
      const volumeBefore = await inspectVolume(deps, docker, spec.volume);
      if (volumeBefore) {
        task.step('volume', 'skipped', 'already there: the registry uses the data it holds');
      } else {
        try {
          await docker.createVolume({ Name: spec.volume, Labels: spec.labels });
        } catch (error) {
          throw engineFailure(deps, error, `create the volume ${spec.volume}`, volumeCreateCommand(spec.volume, spec.labels));
        }
        task.step('volume', 'done', 'created');
      }

      task.step('run', 'running');
      let container: Docker.Container;
      try {
        container = await docker.createContainer(containerCreateOptions(spec));
      } catch (error) {
        if (statusCodeOf(error) === 409) {
          // someone created it between our look and now: the same rules apply, and never a second one
          const raced = await inspectContainer(deps, docker, spec.name);
          const evidence = raced ? registryEvidence(raced) : null;
          if (raced && evidence) {
            task.step('run', 'skipped', 'another caller created it meanwhile');
            return adoptRegistry(deps, connection, spec, raced, evidence, task);
          }
          if (raced) throw conflictError(spec.name, raced);
        }
        throw engineFailure(deps, error, `create the container ${spec.name}`, dockerRunCommand(spec));
      }
      try {
        await container.start();
      } catch (error) {
        // leave nothing half-made behind: the container would hold the name without serving
        await container.remove({ force: true }).catch(() => undefined);
        const why = engineMessage(error);
        if (/address already in use|port is already allocated/i.test(why)) {
          await checkPortFree(deps, connection, spec.port, true);
        }
        throw engineFailure(deps, error, `start the container ${spec.name}`, dockerRunCommand(spec));
      }
      task.step('run', 'done', container.id.slice(0, 12));

      task.step('health', 'running');
      const health = await waitForRegistry(deps, docker, spec.name, httpAddr, task.signal);
      const notes: string[] = [];
      if (health.ok) task.step('health', 'done', `${health.status} ${health.apiVersionHeader ?? ''}`.trim());
      else {
        task.step('health', 'failed', health.error?.message ?? 'no answer');
        notes.push(`The container runs, but GET http://${httpAddr}/v2/ did not answer within ${HEALTH_TIMEOUT_MS / 1000} s${health.error ? `: ${health.error.message}` : '.'}`);
      }
      const address = `localhost:${spec.port}`;
      return {
        name: spec.name,
        containerId: container.id,
        image: spec.image,
        address,
        port: spec.port,
        volume: spec.volume,
        adopted: false,
        started: true,
        pulled,
        deleteEnabled: spec.deleteEnabled,
        healthy: health.ok,
        message: `The registry ${spec.name} runs at ${address}${volumeBefore ? ` with the data already in ${spec.volume}` : ''}.`,
        notes,
        nextStep: nextStepFor(address),
      };
    },
    signal,
  );
}

/* ---------- status, stop, start ---------- */

async function resolveName(deps: RegistryLifecycleDeps, name: string | undefined): Promise<{ name: string; settingsName: string; settingsVolume: string }> {
  const settings = (await deps.settings.read()).registry;
  return { name: name ?? settings.name, settingsName: settings.name, settingsVolume: settings.volume };
}

function upHint(name: string, settingsName: string): string {
  return `Start one: multiarch-lab registry up${name !== settingsName ? ` --name ${name}` : ''}`;
}

/** The container when it exists and is a registry; `not-found` or `conflict` otherwise. */
async function requireRegistry(deps: RegistryLifecycleDeps, docker: Docker, name: string, settingsName: string): Promise<Docker.ContainerInspectInfo> {
  const info = await inspectContainer(deps, docker, name);
  if (!info) throw new AppError('not-found', `There is no container named ${name}.`, { hint: upHint(name, settingsName) });
  if (!registryEvidence(info)) throw conflictError(name, info);
  return info;
}

export async function registryStatus(deps: RegistryLifecycleDeps, input: { name?: string }, signal?: AbortSignal): Promise<RegistryStatus> {
  const { name, settingsName } = await resolveName(deps, input.name);
  const connection = await deps.engine.connect(signal);
  const docker = connection.docker;
  const info = await inspectContainer(deps, docker, name);
  if (!info) return { exists: false, name, message: `There is no registry container named ${name}.`, hint: upHint(name, settingsName) };
  const isRegistry = registryEvidence(info) !== null;
  const published = publishedRegistryPort(info);
  const volumeName = registryVolumeName(info);
  const running = info.State.Running && !info.State.Paused;
  const address = published ? `${published.host}:${published.port}` : null;
  const [volume, health] = await Promise.all([
    volumeName ? volumeInfo(deps, docker, volumeName) : Promise.resolve(null),
    running && published && isRegistry ? pingRegistry(httpAddress(connection, published), signal) : Promise.resolve(null),
  ]);
  const repositories = health?.ok && published ? await countRepositories(httpAddress(connection, published), signal) : null;
  return {
    exists: true,
    name,
    containerId: info.Id,
    image: info.Config.Image,
    isRegistry,
    state: info.State.Status,
    running,
    restartPolicy: info.HostConfig.RestartPolicy?.Name || 'no',
    address,
    port: published?.port ?? null,
    volume,
    health,
    repositories: repositories ? repositories.length : null,
    deleteEnabled: deleteEnabledIn(info.Config.Env),
    managed: isManaged(info.Config.Labels),
    startedAt: running && info.State.StartedAt ? info.State.StartedAt : null,
  };
}

export async function registryStop(deps: RegistryLifecycleDeps, input: { name?: string }, signal?: AbortSignal): Promise<RegistryStateChange> {
  const { name, settingsName } = await resolveName(deps, input.name);
  const docker = await deps.engine.docker(signal);
  const info = await requireRegistry(deps, docker, name, settingsName);
  if (!info.State.Running) return { name, state: info.State.Status, changed: false };
  try {
    await docker.getContainer(info.Id).stop({ t: 10 });
  } catch (error) {
    if (statusCodeOf(error) !== 304) throw engineFailure(deps, error, `stop the container ${name}`, ['docker', 'stop', name]);
  }
  const after = await inspectContainer(deps, docker, name);
  return { name, state: after?.State.Status ?? 'removed', changed: true };
}

export async function registryStart(deps: RegistryLifecycleDeps, input: { name?: string }, signal?: AbortSignal): Promise<RegistryStateChange> {
  const { name, settingsName } = await resolveName(deps, input.name);
  const connection = await deps.engine.connect(signal);
  const docker = connection.docker;
  const info = await requireRegistry(deps, docker, name, settingsName);
  let changed = false;
  if (!info.State.Running || info.State.Paused) {
    try {
      if (info.State.Paused) await docker.getContainer(info.Id).unpause();
      else await docker.getContainer(info.Id).start();
      changed = true;
    } catch (error) {
      if (statusCodeOf(error) !== 304) throw engineFailure(deps, error, `start the container ${name}`, ['docker', 'start', name]);
    }
  }
  const published = publishedRegistryPort(info);
  const result: RegistryStateChange = { name, state: 'running', changed };
  if (published) result.healthy = (await waitForRegistry(deps, docker, name, httpAddress(connection, published), signal)).ok;
  const after = await inspectContainer(deps, docker, name);
  result.state = after?.State.Status ?? 'removed';
  return result;
}

/* ---------- down, volume usage ---------- */

export async function registryVolumeUsage(deps: RegistryLifecycleDeps, input: { name?: string; volume?: string }, signal?: AbortSignal): Promise<RegistryVolumeUsage> {
  const { name, settingsName, settingsVolume } = await resolveName(deps, input.name);
  const connection = await deps.engine.connect(signal);
  const info = await inspectContainer(deps, connection.docker, name);
  const mounted = info && registryEvidence(info) ? registryVolumeName(info) : null;
  const volume = input.volume ?? mounted ?? (name === settingsName ? settingsVolume : null);
  if (!volume) {
    throw new AppError('not-found', `No volume is known for the registry ${name}: the container is gone and it is not the one in the settings.`, {
      hint: 'Name the volume: multiarch-lab registry down --name NAME --volume VOLUME --remove-volume',
    });
  }
  const published = info && mounted === volume && info.State.Running ? publishedRegistryPort(info) : null;
  const usage = await measureVolume(deps, connection, volume, published ? httpAddress(connection, published) : null, signal);
  // the registry itself is the expected user: list only the others
  if (mounted === volume) usage.usedBy = usage.usedBy.filter((n) => n !== name);
  return usage;
}

export async function registryDown(deps: RegistryLifecycleDeps, input: { name?: string; removeVolume?: boolean; volume?: string }, signal?: AbortSignal): Promise<RegistryDownResult> {
  const { name, settingsName, settingsVolume } = await resolveName(deps, input.name);
  const connection = await deps.engine.connect(signal);
  const docker = connection.docker;
  const info = await inspectContainer(deps, docker, name);
  if (info && !registryEvidence(info)) throw conflictError(name, info);
  const mounted = info ? registryVolumeName(info) : null;
  const volume = input.volume ?? mounted ?? (info ? null : name === settingsName ? settingsVolume : null);

  // measure before the container goes: a running registry can still list what it holds
  let lost: RegistryVolumeUsage | null = null;
  if (input.removeVolume && volume) {
    const published = info && info.State.Running && mounted === volume ? publishedRegistryPort(info) : null;
    lost = await measureVolume(deps, connection, volume, published ? httpAddress(connection, published) : null, signal);
    const removing = info ? info.Name.replace(/^\//, '') : null;
    lost.usedBy = lost.usedBy.filter((n) => n !== removing);
  }

  let removedContainer = false;
  if (info) {
    try {
      await docker.getContainer(info.Id).remove({ force: true, v: false });
      removedContainer = true;
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw engineFailure(deps, error, `remove the container ${name}`, ['docker', 'rm', '-f', name]);
    }
  }

  let removedVolume = false;
  if (input.removeVolume && volume && lost?.exists) {
    try {
      await docker.getVolume(volume).remove();
      removedVolume = true;
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 409) {
        const users = await containersUsingVolume(docker, volume);
        throw new AppError('conflict', `The volume ${volume} is still used by ${users.length ? users.join(', ') : 'another container'}, so it was kept.`, {
          hint: `Remove ${users.length === 1 ? 'that container' : 'those containers'} first, then: docker volume rm ${volume}`,
          details: { volume, usedBy: users },
        });
      }
      if (status !== 404) throw engineFailure(deps, error, `remove the volume ${volume}`, ['docker', 'volume', 'rm', volume]);
    }
  }

  const parts: string[] = [];
  parts.push(removedContainer ? `Removed the registry container ${name}.` : `There was no container named ${name}.`);
  if (input.removeVolume) {
    if (removedVolume && lost) {
      const repos = lost.repositories ? `${lost.repositories.length} ${lost.repositories.length === 1 ? 'repository' : 'repositories'}` : 'its repositories';
      parts.push(`Removed the volume ${volume} with ${formatBytes(lost.sizeBytes, 'an unknown amount of data')} and ${repos}.`);
    } else if (volume) parts.push(`The volume ${volume} did not exist.`);
    else parts.push('No volume was known to remove.');
  } else if (volume) {
    parts.push(`The volume ${volume} keeps the images: the next registry up uses it again.`);
  }
  return { name, removedContainer, volume, removedVolume, lost: removedVolume ? lost : null, message: parts.join(' ') };
}

/* ---------- garbage collection ---------- */

export async function registryGc(deps: RegistryLifecycleDeps, input: { name?: string; dryRun?: boolean; deleteUntagged?: boolean }, signal?: AbortSignal): Promise<RegistryGcResult> {
  const { name, settingsName } = await resolveName(deps, input.name);
  const docker = await deps.engine.docker(signal);
  const info = await requireRegistry(deps, docker, name, settingsName);
  if (!info.State.Running) {
    throw new AppError('conflict', `The registry ${name} is not running, and garbage collection runs inside it.`, {
      hint: `Start it first: multiarch-lab registry start${name !== settingsName ? ` --name ${name}` : ''}`,
    });
  }
  const cmd = garbageCollectCommand(info, { dryRun: input.dryRun ?? false, deleteUntagged: input.deleteUntagged ?? false });
  const command = ['docker', 'exec', name, ...cmd];
  let exitCode: number;
  let output: string;
  try {
    const exec = await docker.getContainer(info.Id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(new AppError('cancelled', 'Garbage collection was cancelled (it may still finish inside the container).'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    const { stdout, stderr } = demuxDockerStream(Buffer.concat(chunks));
    output = `${stdout}${stderr}`;
    exitCode = (await exec.inspect()).ExitCode ?? -1;
  } catch (error) {
    throw engineFailure(deps, error, `run garbage collection in ${name}`, command);
  }
  if (exitCode !== 0 && /Path not found: \S*\/docker\/registry\/v2\/repositories/.test(output)) {
    // a registry nobody pushed to has no storage tree yet: nothing to collect is not a failure
    return { name, command, exitCode: 0, dryRun: input.dryRun ?? false, blobsMarked: 0, blobsEligible: 0, manifestsEligible: 0, output: 'The registry holds nothing yet: nothing to collect.' };
  }
  if (exitCode !== 0) {
    const tail = output.trim().split('\n').slice(-5).join('\n');
    throw new AppError('command-failed', `\`${formatCommand(command)}\` failed (exit code ${exitCode})${tail ? `:\n${tail}` : '.'}`, {
      hint: 'Run the command yourself to see the whole output.',
      details: { command, exitCode, output: output.slice(-4000) },
    });
  }
  return { name, command, exitCode, dryRun: input.dryRun ?? false, ...parseGcSummary(output), output };
}
