/**
 * registry up: create the registry container, or adopt the one already there.
 */
import type Docker from 'dockerode';
import {
  containerInspectCommand,
  firstBuildCommand,
  portCheckCommand,
  portLookupCommand,
  registryHealthCommand,
  registryLabels,
  registryAddress,
  registryRunCommand,
  registryStartCommand,
  volumeCreateCommand,
  type RegistrySpec,
} from '../commands/registry.js';
import type { RegistryUpRequest, RegistryUpResult } from '../contract/registry-lifecycle.js';
import type { EngineConnection } from '../docker/engine.js';
import { engineFailure, engineMessage, statusCodeOf } from '../docker/errors.js';
import { ensureImage, pullCommand, taskLayerProgress } from '../docker/images.js';
import type { StepSpec, TaskHandle } from '../tasks.js';
import { deleteEnabledIn, publishedRegistryPort, registryEvidence, registryVolumeName } from './container-facts.js';
import { type RegistryLifecycleDeps, inspectContainer, conflictError } from './container.js';
import { HEALTH_TIMEOUT_MS, httpAddress, waitForRegistry } from './health.js';
import { checkPortFree } from './port-check.js';
import { containerCreateOptions } from './spec.js';
import { inspectVolume } from './volume.js';

export async function adoptRegistry(
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
  task.addStep({ id: 'start', title: `Start the existing registry ${spec.name}`, command: registryStartCommand(spec.name, info.State.Paused) });
  let started = false;
  if (running) {
    task.step('start', 'skipped', 'already running');
  } else {
    task.step('start', 'running');
    try {
      if (info.State.Paused) await container.unpause();
      else await container.start();
    } catch (error) {
      if (statusCodeOf(error) !== 304) throw engineFailure(deps.engine, error, `start the container ${spec.name}`, registryStartCommand(spec.name, info.State.Paused));
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
    task.addStep({ id: 'health', title: 'Wait for the registry to answer GET /v2/', command: registryHealthCommand(httpAddress(connection, published)) });
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
    nextStep: address ? firstBuildCommand(address) : portLookupCommand(spec.name),
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
  const steps: StepSpec[] = [{ id: 'find', title: `Look for a container named ${spec.name}`, command: containerInspectCommand(spec.name) }];
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
      task.addStep({ id: 'image', title: `Make sure the image ${spec.image} is here`, command: pullCommand(spec.image) });
      task.addStep({ id: 'port', title: `Check that port ${spec.port} is free`, command: portCheckCommand(spec.port) });
      task.addStep({ id: 'volume', title: `Create the volume ${spec.volume}`, command: volumeCreateCommand(spec.volume, spec.labels) });
      task.addStep({ id: 'run', title: `Run the registry container ${spec.name}`, command: registryRunCommand(spec) });
      task.addStep({ id: 'health', title: 'Wait for the registry to answer GET /v2/', command: registryHealthCommand(httpAddr) });

      // The image, the port and the volume are independent questions: asked at once, answered in this order.
      task.step('image', 'running');
      task.step('port', 'running');
      const pullProgress = taskLayerProgress(task, () => `Pulling ${spec.image}`);
      const volumeLook = inspectVolume(deps, docker, spec.volume);
      void volumeLook.catch(() => undefined);
      const [image, port] = await Promise.allSettled([
        ensureImage(deps.engine, docker, spec.image, { signal: task.signal, onLayer: pullProgress.onLayer }).then((pulled) => {
          if (pulled) pullProgress.flush();
          task.step('image', 'done', pulled ? 'pulled' : 'already here');
          return pulled;
        }),
        checkPortFree(deps, connection, spec.port).then(() => task.step('port', 'done')),
      ]);
      // a failed check stays running here and is marked failed with the task
      if (image.status === 'rejected') throw image.reason;
      if (port.status === 'rejected') throw port.reason;
      const pulled = image.value;

      task.step('volume', 'running');
      const volumeBefore = await volumeLook;
      if (volumeBefore) {
        task.step('volume', 'skipped', 'already there: the registry uses the data it holds');
      } else {
        try {
          await docker.createVolume({ Name: spec.volume, Labels: spec.labels });
        } catch (error) {
          throw engineFailure(deps.engine, error, `create the volume ${spec.volume}`, volumeCreateCommand(spec.volume, spec.labels));
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
        throw engineFailure(deps.engine, error, `create the container ${spec.name}`, registryRunCommand(spec));
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
        throw engineFailure(deps.engine, error, `start the container ${spec.name}`, registryRunCommand(spec));
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
      const address = registryAddress(spec.port);
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
        nextStep: firstBuildCommand(address),
      };
    },
    signal,
  );
}
