/**
 * registry status, stop and start.
 */
import { registryGcCommand, registryStartCommand, registryStopCommand } from '../commands/registry.js';
import type { RegistryHealth, RegistryStateChange, RegistryStatus } from '../contract/registry-lifecycle.js';
import { engineFailure, statusCodeOf } from '../docker/errors.js';
import { deleteEnabledIn, gcTargetOf, isManaged, publishedRegistryPort, registryEvidence, registryVolumeName } from './container-facts.js';
import { type RegistryLifecycleDeps, inspectContainer, resolveName, upHint, requireRegistry } from './container.js';
import { httpAddress, pingRegistry, countRepositories, probeRegistryOnce, waitForRegistry } from './health.js';
import { volumeInfo } from './volume.js';
import type { EngineConnection } from '../docker/engine.js';
import { engineReader } from '../docker/engine-reader.js';
import { publishedPorts } from './port-check.js';

/** Does a registry answer at the port the settings name, whoever runs it? */
async function registryAtConfiguredPort(deps: RegistryLifecycleDeps, connection: EngineConnection, signal?: AbortSignal): Promise<{ address: string; container?: string; health: RegistryHealth } | null> {
  const port = (await deps.settings.read()).registry.port;
  const address = httpAddress(connection, { host: 'localhost', port });
  const health = await probeRegistryOnce(address, signal);
  if (!health.ok) return null;
  const holder = (await publishedPorts(deps, engineReader(connection)).catch(() => new Map<number, { name: string; isRegistry: boolean }>())).get(port);
  return { address: `localhost:${port}`, ...(holder ? { container: holder.name } : {}), health };
}

export async function registryStatus(deps: RegistryLifecycleDeps, input: { name?: string }, signal?: AbortSignal): Promise<RegistryStatus> {
  const { name, settingsName } = await resolveName(deps, input.name);
  const connection = await deps.engine.connect(signal);
  // reads only: plain GETs where they reach the engine, so a status (and the Doctor's registry line) does not load dockerode
  const docker = engineReader(connection);
  const info = await inspectContainer(deps, docker, name);
  if (!info) {
    const missing: RegistryStatus = { exists: false, name, message: `There is no registry container named ${name}.`, hint: upHint(name, settingsName) };
    const answering = await registryAtConfiguredPort(deps, connection, signal);
    if (answering) {
      missing.answering = answering;
      missing.message = `There is no registry container named ${name}, but a registry answers at ${answering.address}${answering.container ? ` (the container ${answering.container})` : ''}.`;
      missing.hint = answering.container ? `Use that registry: multiarch-lab registry up --name ${answering.container}` : `Push to ${answering.address} as it is, or start our own on another port: multiarch-lab registry up --port PORT`;
    }
    return missing;
  }
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
    ...(isRegistry ? { gcCommand: registryGcCommand(name, info.Config.Image, gcTargetOf(info)) } : {}),
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
    if (statusCodeOf(error) !== 304) throw engineFailure(deps.engine, error, `stop the container ${name}`, registryStopCommand(name));
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
      if (statusCodeOf(error) !== 304) throw engineFailure(deps.engine, error, `start the container ${name}`, registryStartCommand(name, info.State.Paused));
    }
  }
  const published = publishedRegistryPort(info);
  const result: RegistryStateChange = { name, state: 'running', changed };
  if (published) result.healthy = (await waitForRegistry(deps, docker, name, httpAddress(connection, published), signal)).ok;
  const after = await inspectContainer(deps, docker, name);
  result.state = after?.State.Status ?? 'removed';
  return result;
}
