/**
 * One-off containers beside the registry, on the same volumes (--volumes-from): the collector, and a private
 * registry that serves the API while the user's one is out of service. Both carry our labels with their own
 * role, so a run the engine interrupted is found and swept on the next start, and are removed after use.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { AppError } from '../contract/errors.js';
import { REGISTRY_CONTAINER_PORT } from '../contract/registry-paths.js';
import type { EngineConnection } from '../docker/engine.js';
import { GC_ROLE, MAINTENANCE_ROLE, MANAGED_LABEL, ROLE_LABEL } from '../docker/labels.js';
import { DELETE_ENABLED_ENV, registryLabels } from '../commands/registry.js';
import { demuxDockerStream } from '../docker/demux.js';
import { engineFailure } from '../docker/errors.js';
import type { RegistryLifecycleDeps } from './container.js';
import { httpAddress, isLocalEngine, waitForRegistry } from './health.js';


function oneOffLabels(deps: RegistryLifecycleDeps, role: string, registry: string): Record<string, string> {
  return { ...registryLabels(deps.env), [MANAGED_LABEL]: 'true', [ROLE_LABEL]: role, 'dev.multiarch-lab.registry': registry };
}

function oneOffName(registry: string, what: string): string {
  return `${registry}-${what}-${randomBytes(3).toString('hex')}`.slice(0, 120);
}

async function removeQuietly(container: Docker.Container): Promise<void> {
  await container.remove({ force: true, v: true }).catch(() => undefined);
}

/** Runs `cmd` in a one-off container with the registry's image, environment and volumes; removed afterwards. */
export async function runCollector(
  deps: RegistryLifecycleDeps,
  docker: Docker,
  registry: Docker.ContainerInspectInfo,
  cmd: string[],
  /** The `docker run` this amounts to, named in an error. */
  shown: string[],
  signal?: AbortSignal,
): Promise<{ exitCode: number; output: string }> {
  const name = registry.Name.replace(/^\//, '');
  let container: Docker.Container | undefined;
  const onAbort = () => {
    if (container) void removeQuietly(container);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    container = await docker.createContainer({
      name: oneOffName(name, 'gc'),
      Image: registry.Image,
      Entrypoint: [cmd[0]!],
      Cmd: cmd.slice(1),
      Env: registry.Config.Env ?? [],
      Labels: oneOffLabels(deps, GC_ROLE, name),
      HostConfig: { VolumesFrom: [registry.Id], NetworkMode: 'none' },
    });
    await container.start();
    const waited = (await container.wait()) as { StatusCode?: number };
    if (signal?.aborted) throw new AppError('cancelled', 'Garbage collection was cancelled; its container was removed.');
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const { stdout, stderr } = demuxDockerStream(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    return { exitCode: waited.StatusCode ?? -1, output: `${stdout}${stderr}` };
  } catch (error) {
    if (signal?.aborted) throw new AppError('cancelled', 'Garbage collection was cancelled; its container was removed.');
    throw engineFailure(deps.engine, error, `run garbage collection beside ${name}`, shown);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (container) await removeQuietly(container);
  }
}

export interface MaintenanceRegistry {
  /** host:port this machine reaches it at. */
  address: string;
  containerName: string;
  remove(): Promise<void>;
}

/**
 * A private registry on the same storage, with deletes enabled and published on a random port nobody else
 * knows: the app reads and deletes through the API while the user's registry takes no pushes.
 */
export async function startMaintenanceRegistry(
  deps: RegistryLifecycleDeps,
  connection: EngineConnection,
  registry: Docker.ContainerInspectInfo,
  signal?: AbortSignal,
): Promise<MaintenanceRegistry> {
  const docker = connection.docker;
  const name = registry.Name.replace(/^\//, '');
  const containerName = oneOffName(name, 'maintenance');
  const key = `${REGISTRY_CONTAINER_PORT}/tcp`;
  const env = (registry.Config.Env ?? []).filter((e) => !e.startsWith(`${DELETE_ENABLED_ENV}=`));
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer({
      name: containerName,
      Image: registry.Image,
      ...(registry.Config.Entrypoint ? { Entrypoint: registry.Config.Entrypoint } : {}),
      ...(registry.Config.Cmd ? { Cmd: registry.Config.Cmd } : {}),
      Env: [...env, `${DELETE_ENABLED_ENV}=true`],
      Labels: oneOffLabels(deps, MAINTENANCE_ROLE, name),
      ExposedPorts: { [key]: {} },
      HostConfig: {
        VolumesFrom: [registry.Id],
        // loopback only when the engine is this machine; a remote engine's loopback is out of our reach
        PortBindings: { [key]: [{ HostIp: isLocalEngine(connection) ? '127.0.0.1' : '', HostPort: '' }] },
      },
    });
    await container.start();
    const info = await container.inspect();
    const binding = info.NetworkSettings.Ports?.[key]?.[0];
    if (!binding?.HostPort) throw new AppError('internal', `The engine did not publish a port for ${containerName}.`);
    const address = httpAddress(connection, { host: 'localhost', port: Number(binding.HostPort) });
    const health = await waitForRegistry(deps, docker, containerName, address, signal, 20_000);
    if (!health.ok) throw new AppError('registry-error', `The maintenance registry ${containerName} did not answer at ${address}: ${health.error?.message ?? `status ${health.status}`}.`);
    const made = container;
    return { address, containerName, remove: () => removeQuietly(made) };
  } catch (error) {
    if (container) await removeQuietly(container);
    throw engineFailure(deps.engine, error, `start a maintenance registry on the volume of ${name}`);
  }
}
