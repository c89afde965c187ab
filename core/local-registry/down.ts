/**
 * registry down, and what removing its volume would lose.
 */
import { registryRemoveCommand, volumeRemoveCommand } from '../commands/registry.js';
import { AppError } from '../contract/errors.js';
import type { RegistryDownResult, RegistryVolumeUsage } from '../contract/registry-lifecycle.js';
import { engineFailure, statusCodeOf } from '../docker/errors.js';
import { formatBytes } from '../format-bytes.js';
import { publishedRegistryPort, registryEvidence, registryVolumeName } from './container-facts.js';
import { type RegistryLifecycleDeps, inspectContainer, conflictError, resolveName } from './container.js';
import { httpAddress } from './health.js';
import { measureVolume, containersUsingVolume } from './volume.js';

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
      if (statusCodeOf(error) !== 404) throw engineFailure(deps.engine, error, `remove the container ${name}`, registryRemoveCommand(name));
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
      if (status !== 404) throw engineFailure(deps.engine, error, `remove the volume ${volume}`, volumeRemoveCommand(volume));
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
