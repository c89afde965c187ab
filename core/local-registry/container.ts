/**
 * The registry container as the engine sees it: the deps every action needs, looking it up, and the errors
 * for a missing or foreign container.
 */
import type Docker from 'dockerode';
import { containerInspectCommand } from '../commands/registry.js';
import { AppError } from '../contract/errors.js';
import type { EngineAccess } from '../docker/engine.js';
import type { EngineReader } from '../docker/engine-reader.js';
import { engineFailure, statusCodeOf } from '../docker/errors.js';
import type { SettingsStore } from '../settings.js';
import type { TaskManager } from '../tasks.js';
import { registryEvidence, type ContainerFacts } from './container-facts.js';

export interface RegistryLifecycleDeps {
  engine: EngineAccess;
  settings: SettingsStore;
  tasks: TaskManager;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export async function inspectContainer(deps: RegistryLifecycleDeps, docker: EngineReader, name: string): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    throw engineFailure(deps.engine, error, `look at the container ${name}`, containerInspectCommand(name));
  }
}

export function conflictError(name: string, info: ContainerFacts): AppError {
  const image = info.Config?.Image ?? 'an unknown image';
  return new AppError('conflict', `A container named ${name} already exists and is not a registry (it runs ${image}). Multiarch Lab will not touch it.`, {
    hint: `Choose another name (multiarch-lab registry up --name my-registry), or remove that container yourself if you no longer need it (docker rm -f ${name}).`,
    details: { name, image },
  });
}

export async function resolveName(deps: RegistryLifecycleDeps, name: string | undefined): Promise<{ name: string; settingsName: string; settingsVolume: string }> {
  const settings = (await deps.settings.read()).registry;
  return { name: name ?? settings.name, settingsName: settings.name, settingsVolume: settings.volume };
}

export function upHint(name: string, settingsName: string): string {
  return `Start one: multiarch-lab registry up${name !== settingsName ? ` --name ${name}` : ''}`;
}

/** The container when it exists and is a registry; `not-found` or `conflict` otherwise. */
export async function requireRegistry(deps: RegistryLifecycleDeps, docker: Docker, name: string, settingsName: string): Promise<Docker.ContainerInspectInfo> {
  const info = await inspectContainer(deps, docker, name);
  if (!info) throw new AppError('not-found', `There is no container named ${name}.`, { hint: upHint(name, settingsName) });
  if (!registryEvidence(info)) throw conflictError(name, info);
  return info;
}
