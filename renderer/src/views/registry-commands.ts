/**
 * Registry view helpers. Every docker command it shows comes from core/commands/registry.ts, the module whose
 * arrays the core runs, so a preview cannot drift from what runs.
 */
import type { RegistryVolumeUsage } from '../../../core/contract/registry-lifecycle.js';
import { registryGcCommand, registryLabels, registryRunCommand, type RegistrySpec } from '../../../core/commands/registry.js';
import { formatBytes } from '../lib/status.js';

export type RegistryOptions = Omit<RegistrySpec, 'labels'>;

/** The `docker run` registry up performs for these options, with the labels the app adds. */
export function registryRunPreview(o: RegistryOptions): string[] {
  return registryRunCommand({ ...o, labels: registryLabels() });
}

/** The garbage collection the status card's button runs: the container's own, as the core read it. */
export function registryGcPreview(status: { name: string; gcCommand?: string[] }): string[] {
  return status.gcCommand ?? registryGcCommand(status.name);
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
