/**
 * Containers that live only while one action runs (a run-matrix platform, the registry's collector, its
 * maintenance registry) are removed by that action. When the engine restarts mid-action they stay behind,
 * stopped; the next start of the core (and each reconnection to the engine) finds them by their labels and
 * removes them, and says which.
 */
import type Docker from 'dockerode';
import type { SweepReport, SweptContainer } from '../contract/sweep.js';
import { GC_ROLE, MAINTENANCE_ROLE, MANAGED_LABEL, ROLE_LABEL, RUN_ROLE } from './labels.js';

/** Only these roles are swept: the registry itself (role "registry") and builders are the user's and stay. */
export const TRANSIENT_ROLES = [RUN_ROLE, GC_ROLE, MAINTENANCE_ROLE] as const;

/**
 * How long a stopped container must have been stopped before it counts as left behind: another process's run
 * removes its container moments after it exits, and must not lose it to our sweep in between.
 */
export const SWEEP_MIN_AGE_MS = 60_000;

/**
 * `extraLabels` (MULTIARCH_LAB_RESOURCE_LABELS) narrow the sweep to containers carrying them too: an instance
 * that marks what it creates (a test run) sweeps only what such an instance made.
 */
export async function sweepInterrupted(docker: Docker, options: { minAgeMs?: number; now?: number; extraLabels?: Record<string, string> } = {}): Promise<SweepReport> {
  const now = options.now ?? Date.now();
  const minAge = options.minAgeMs ?? SWEEP_MIN_AGE_MS;
  const list = await docker.listContainers({ all: true, filters: { label: [`${MANAGED_LABEL}=true`, ...Object.entries(options.extraLabels ?? {}).map(([k, v]) => (v ? `${k}=${v}` : k))], status: ['exited', 'created', 'dead'] } });
  const removed: SweptContainer[] = [];
  const failed: SweepReport['failed'] = [];
  for (const c of list) {
    const role = c.Labels?.[ROLE_LABEL] ?? '';
    if (!(TRANSIENT_ROLES as readonly string[]).includes(role)) continue;
    let info: Docker.ContainerInspectInfo;
    try {
      info = await docker.getContainer(c.Id).inspect();
    } catch {
      continue; // removed meanwhile by its owner
    }
    if (info.State.Running || info.State.Restarting) continue;
    const finished = info.State.FinishedAt && !info.State.FinishedAt.startsWith('0001-') ? info.State.FinishedAt : null;
    const since = Date.parse(finished ?? info.Created);
    if (Number.isFinite(since) && now - since < minAge) continue;
    const entry: SweptContainer = { name: info.Name.replace(/^\//, ''), id: info.Id, role, state: info.State.Status, image: info.Config.Image, finishedAt: finished };
    try {
      await docker.getContainer(info.Id).remove({ force: true, v: true });
      removed.push(entry);
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) continue;
      failed.push({ ...entry, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const names = removed.map((r) => `${r.name} (${r.role})`).join(', ');
  const message = removed.length
    ? `Removed ${removed.length} ${removed.length === 1 ? 'container' : 'containers'} an interrupted action left behind (the engine stopped while ${removed.length === 1 ? 'it' : 'they'} ran): ${names}.`
    : 'No container was left behind by an interrupted action.';
  return { at: new Date(now).toISOString(), removed, failed, message: failed.length ? `${message} Could not remove: ${failed.map((f) => `${f.name} (${f.error})`).join(', ')}.` : message };
}
