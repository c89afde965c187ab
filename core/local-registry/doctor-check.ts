/**
 * The Doctor's line about the configured registry: is it there, running, answering, and how many repositories
 * it holds, from the same status the Registry view reads.
 */
import type { DoctorCheck, DoctorReport } from '../contract/doctor.js';
import type { RegistryStatus } from '../contract/registry-lifecycle.js';
import type { RegistryLifecycleDeps } from './container.js';
import { registryStatus } from './status.js';

export function registryDoctorCheck(status: RegistryStatus, port: number): DoctorCheck {
  const base = { id: 'registry', title: 'Local registry' };
  if (!status.exists) {
    if (status.answering) {
      const by = status.answering.container ? ` (the container ${status.answering.container})` : '';
      return {
        ...base,
        status: 'warning',
        summary: `No container named ${status.name}, but a registry answers at ${status.answering.address}${by}.`,
        fix: status.answering.container ? `Use it: multiarch-lab registry up --name ${status.answering.container}` : `Push to ${status.answering.address}, or start one of our own on another port.`,
        ...(status.answering.container ? { fixCommands: [['multiarch-lab', 'registry', 'up', '--name', status.answering.container]] } : {}),
      };
    }
    return { ...base, status: 'warning', summary: `${status.message} Pushing to localhost:${port} fails until one runs.`, fix: status.hint, fixCommands: [['multiarch-lab', 'registry', 'up']] };
  }
  if (!status.isRegistry) {
    return { ...base, status: 'warning', summary: `The container ${status.name} is not a registry (it runs ${status.image}).`, fix: 'Choose another registry name in Settings, then start the registry.' };
  }
  if (!status.running) {
    return { ...base, status: 'warning', summary: `The registry ${status.name} is ${status.state}.`, fix: `Start it: multiarch-lab registry start --name ${status.name}`, fixCommands: [['docker', 'start', status.name]] };
  }
  if (!status.health?.ok) {
    return {
      ...base,
      status: 'warning',
      summary: `The registry ${status.name} runs but does not answer at ${status.address ?? 'an unpublished port'}${status.health?.error ? `: ${status.health.error.message}` : '.'}`,
      fix: `Read its log (docker logs ${status.name}), then restart it: docker restart ${status.name}`,
      fixCommands: [['docker', 'logs', '--tail', '50', status.name]],
    };
  }
  const repos = status.repositories === null ? 'its repository list could not be read' : `${status.repositories} ${status.repositories === 1 ? 'repository' : 'repositories'}`;
  return { ...base, status: 'ok', summary: `The registry ${status.name} answers at ${status.address} (${repos}).` };
}

/**
 * Adds the registry line to a Doctor report; an engine that cannot be asked leaves the line saying so. `early` is
 * the status when it was asked alongside the Doctor's own probes (see startRegistryCheck); its answer is only
 * used when the report found the engine, so the line is the same as asking afterwards.
 */
export async function withRegistryCheck(report: DoctorReport, deps: RegistryLifecycleDeps, signal?: AbortSignal, early?: Promise<RegistryStatus>): Promise<DoctorReport> {
  const settings = (await deps.settings.read()).registry;
  let check: DoctorCheck;
  if (!report.engine) {
    check = { id: 'registry', title: 'Local registry', status: 'warning', summary: `Not checked: without the engine, the registry ${settings.name} cannot be looked at.`, fix: 'Fix the engine first (see above).' };
  } else {
    try {
      check = registryDoctorCheck(await (early ?? registryStatus(deps, {}, signal)), settings.port);
    } catch (error) {
      check = { id: 'registry', title: 'Local registry', status: 'warning', summary: `The registry ${settings.name} could not be looked at: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { ...report, checks: [...report.checks, check] };
}

/**
 * The Doctor with its registry line, the registry's status asked at the same time as the Doctor's probes (it
 * waits on the same engine lookup) instead of after them (issue 15).
 */
export async function doctorWithRegistry(deps: RegistryLifecycleDeps, runDoctor: () => Promise<DoctorReport>, signal?: AbortSignal): Promise<DoctorReport> {
  const early = registryStatus(deps, {}, signal);
  early.catch(() => undefined);
  return withRegistryCheck(await runDoctor(), deps, signal, early);
}
