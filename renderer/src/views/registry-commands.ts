/**
 * The docker commands behind each button of the Registry view, shown before the user presses it.
 * The task panel shows the exact commands the core ran (labels included) once it runs.
 */
import type { RegistryVolumeUsage } from '../../../core/contract/registry-lifecycle.js';
import { formatBytes } from '../lib/status.js';

export interface RegistryOptions {
  name: string;
  port: number;
  volume: string;
  image: string;
  deleteEnabled: boolean;
}

/** The classic one-liner for a local registry. */
export function registryRunCommand(o: RegistryOptions): string[] {
  return [
    'docker',
    'run',
    '-d',
    '-p',
    `${o.port}:5000`,
    '--restart=always',
    '--name',
    o.name,
    '-v',
    `${o.volume}:/var/lib/registry`,
    ...(o.deleteEnabled ? ['-e', 'REGISTRY_STORAGE_DELETE_ENABLED=true'] : []),
    o.image,
  ];
}

export function registryStopCommand(name: string): string[] {
  return ['docker', 'stop', name];
}

export function registryStartCommand(name: string): string[] {
  return ['docker', 'start', name];
}

export function registryRemoveCommands(name: string, volume: string | null, removeVolume: boolean): string[][] {
  const out = [['docker', 'rm', '-f', name]];
  if (removeVolume && volume) out.push(['docker', 'volume', 'rm', volume]);
  return out;
}

/** What garbage collection does, by hand: the registry out of service, the collector beside it on its volumes, then back. */
export function registryGcCommands(name: string, image: string): string[][] {
  return [
    ['docker', 'stop', name],
    ['docker', 'run', '--rm', '--volumes-from', name, '--entrypoint', '/bin/registry', image, 'garbage-collect', '/etc/docker/registry/config.yml'],
    ['docker', 'start', name],
  ];
}

/** How to put a first image into the registry: tag a local image for it, then push. */
export function pushCommands(address: string, image = 'busybox:latest', target = 'demo/busybox:1'): string[][] {
  return [
    ['docker', 'tag', image, `${address}/${target}`],
    ['docker', 'push', `${address}/${target}`],
  ];
}

/** The form's port as typed: a whole number in range, or null (the core then says what is wrong). */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= 1 && n <= 65535 ? n : null;
}

/** What goes with the volume, in one sentence a person can weigh. */
export function lossSentence(usage: RegistryVolumeUsage): string {
  const size = usage.sizeBytes !== null ? `${formatBytes(usage.sizeBytes)} (${usage.sizeBytes.toLocaleString('en-US')} bytes)` : 'an unknown amount of data';
  const repos = usage.repositories;
  if (repos === null) return `This deletes ${size}; the repositories in it could not be listed.`;
  if (repos.length === 0) return `This deletes ${size}; it holds no repositories.`;
  return `This deletes ${size} and ${repos.length} ${repos.length === 1 ? 'repository' : 'repositories'}: ${repos.join(', ')}.`;
}
