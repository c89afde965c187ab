/**
 * Garbage collection. The registry's documentation warns that a collection running beside an upload can
 * delete that upload's blobs, so the real run takes the registry out of service (stops it), works on its
 * volume from one-off containers, and puts it back as it was found. Untagged manifests are worked out here
 * (gc-plan.ts) and deleted through the API of a private maintenance registry, never with the collector's own
 * --delete-untagged, which breaks multi-platform images (distribution issue #3178).
 */
import type Docker from 'dockerode';
import { AppError } from '../contract/errors.js';
import type { RegistryCheckResult } from '../contract/registry-check.js';
import type { GcManifestEntry, RegistryGcResult } from '../contract/registry-lifecycle.js';
import { garbageCollectArgs, registryGcCommand, registryStartCommand, registryStopCommand } from '../commands/registry.js';
import { engineFailure, statusCodeOf } from '../docker/errors.js';
import { formatCommand } from '../docker/exec.js';
import type { StepSpec, TaskHandle } from '../tasks.js';
import { RegistryClient } from '../registry/client.js';
import { checkRegistryAt } from './check.js';
import { gcTargetOf, parseGcSummary, publishedRegistryPort } from './container-facts.js';
import { type RegistryLifecycleDeps, inspectContainer, requireRegistry, resolveName } from './container.js';
import { planUntaggedDeletion, type GcPlan } from './gc-plan.js';
import { httpAddress, waitForRegistry } from './health.js';
import { runCollector, startMaintenanceRegistry, type MaintenanceRegistry } from './maintenance.js';
import { storedManifests } from './stored-manifests.js';

export interface GcInput {
  name?: string;
  dryRun?: boolean;
  deleteUntagged?: boolean;
}

const NOTHING_YET = /Path not found: \S*\/docker\/registry\/v2\/repositories/;

export async function registryGc(deps: RegistryLifecycleDeps, input: GcInput, signal?: AbortSignal): Promise<RegistryGcResult> {
  const { name, settingsName } = await resolveName(deps, input.name);
  const dryRun = input.dryRun ?? false;
  const deleteUntagged = input.deleteUntagged ?? false;
  const steps: StepSpec[] = [{ id: 'find', title: `Look at the registry ${name}`, command: ['docker', 'container', 'inspect', name] }];
  return deps.tasks.run(
    'registry:gc',
    `${dryRun ? 'Plan garbage collection of' : 'Garbage-collect'} the registry ${name}`,
    steps,
    (task) => collect(deps, task, { name, settingsName, dryRun, deleteUntagged }),
    signal,
  );
}

async function collect(deps: RegistryLifecycleDeps, task: TaskHandle, o: { name: string; settingsName: string; dryRun: boolean; deleteUntagged: boolean }): Promise<RegistryGcResult> {
  const { name, dryRun, deleteUntagged } = o;
  task.step('find', 'running');
  const connection = await deps.engine.connect(task.signal);
  const docker = connection.docker;
  const info = await requireRegistry(deps, docker, name, o.settingsName);
  const wasRunning = info.State.Running && !info.State.Paused;
  const published = publishedRegistryPort(info);
  const liveAddress = wasRunning && published ? httpAddress(connection, published) : null;
  task.step('find', 'done', wasRunning ? `running${liveAddress ? ` at ${liveAddress}` : ''}` : `not running (${info.State.Status})`);

  const takeOut = !dryRun && wasRunning;
  // what the one-off container runs is exactly the shown command after its image
  const cmd = garbageCollectArgs(gcTargetOf(info), { dryRun });
  const command = registryGcCommand(name, info.Config.Image, gcTargetOf(info), { dryRun });
  if (takeOut) task.addStep({ id: 'stop', title: `Take ${name} out of service: pushes fail until it is back`, command: registryStopCommand(name) });
  // the API is needed to follow tags: the live registry for a dry run, a private one on the same volume otherwise
  const needsMaintenance = deleteUntagged && (takeOut || !liveAddress);
  if (needsMaintenance) task.addStep({ id: 'maintenance', title: 'Serve the same storage from a private registry (deletes enabled, a port only we use)' });
  if (deleteUntagged) {
    task.addStep({ id: 'plan', title: 'Follow every tag to its manifests, and find the manifests none reaches' });
    if (!dryRun) task.addStep({ id: 'delete', title: 'Delete the manifests no tag reaches (DELETE /v2/NAME/manifests/DIGEST)' });
  }
  task.addStep({ id: 'collect', title: dryRun ? 'Count the blobs no manifest uses (garbage-collect --dry-run)' : 'Remove the blobs no manifest uses (garbage-collect)', command });
  if (takeOut) task.addStep({ id: 'restore', title: `Start ${name} again as it was`, command: registryStartCommand(name) });
  if (!dryRun) task.addStep({ id: 'check', title: 'Check every tag: manifests, configs and layers' });

  let maintenance: MaintenanceRegistry | null = null;
  let plan: GcPlan | null = null;
  let collected: { exitCode: number; output: string } | undefined;
  let restoreError: unknown = null;
  let runningAfter = wasRunning;
  try {
    if (takeOut) {
      task.step('stop', 'running');
      task.progress({ current: 0, unit: 'steps', message: `${name} is out of service while garbage collection runs: pushes to it fail until it is back.` });
      try {
        await docker.getContainer(info.Id).stop({ t: 10 });
      } catch (error) {
        if (statusCodeOf(error) !== 304) throw engineFailure(deps.engine, error, `stop ${name}`, registryStopCommand(name));
      }
      runningAfter = false;
      task.step('stop', 'done', 'stopped');
    }
    if (deleteUntagged) {
      let apiAddress = liveAddress;
      if (needsMaintenance) {
        task.step('maintenance', 'running');
        maintenance = await startMaintenanceRegistry(deps, connection, info, task.signal);
        apiAddress = maintenance.address;
        task.step('maintenance', 'done', `${maintenance.containerName} at ${maintenance.address}`);
      }
      task.step('plan', 'running');
      const client = new RegistryClient({ registry: apiAddress!, insecure: true, signal: task.signal });
      const stored = await storedManifests(docker, info.Id).catch((error: unknown) => {
        throw engineFailure(deps.engine, error, `read the manifest list of ${name}'s storage`, ['docker', 'cp', `${name}:/var/lib/registry/docker/registry/v2/repositories`, '-']);
      });
      plan = await planUntaggedDeletion(client, stored, task.signal);
      task.step('plan', 'done', `${plan.deletes.length} untagged, ${plan.keeps.length} reached by a tag`);
      if (!dryRun) {
        task.step('delete', 'running');
        let done = 0;
        for (const entry of plan.deletes) {
          await client.deleteManifest(entry.repository, entry.digest);
          task.progress({ current: ++done, total: plan.deletes.length, unit: 'items', message: `deleted ${entry.repository}@${entry.digest}` });
        }
        task.step('delete', 'done', `${plan.deletes.length} deleted`);
      }
      if (maintenance) {
        await maintenance.remove();
        maintenance = null;
      }
    }
    task.step('collect', 'running');
    collected = await runCollector(deps, docker, info, cmd, command, task.signal);
    if (collected.exitCode !== 0 && NOTHING_YET.test(collected.output)) {
      // a registry nobody pushed to has no storage tree yet: nothing to collect is not a failure
      collected = { exitCode: 0, output: 'The registry holds nothing yet: nothing to collect.' };
    }
    if (collected.exitCode !== 0) {
      const tail = collected.output.trim().split('\n').slice(-5).join('\n');
      throw new AppError('command-failed', `\`${formatCommand(command)}\` failed (exit code ${collected.exitCode})${tail ? `:\n${tail}` : '.'}`, {
        hint: 'Run the command yourself to see the whole output.',
        details: { command, exitCode: collected.exitCode, output: collected.output.slice(-4000) },
      });
    }
    const summary = parseGcSummary(collected.output);
    task.step('collect', 'done', summary.blobsEligible !== null ? `${summary.blobsEligible} blobs ${dryRun ? 'would go' : 'removed'}` : undefined);
  } finally {
    if (maintenance) await maintenance.remove();
    if (takeOut) {
      // put it back whatever happened: a cancelled or failed collection must not leave the registry down
      task.step('restore', 'running');
      try {
        await bringBack(deps, docker, info, name, connection, published);
        runningAfter = true;
        task.step('restore', 'done', 'running again');
      } catch (error) {
        restoreError = error;
        task.step('restore', 'failed', error instanceof Error ? error.message : String(error));
      }
    }
  }
  if (restoreError) throw restoreError;

  let check: RegistryCheckResult | null = null;
  if (!dryRun) {
    task.step('check', 'running');
    check = await checkAfter(deps, connection, info, runningAfter && published ? httpAddress(connection, published) : null, task.signal);
    task.step('check', check ? (check.ok ? 'done' : 'failed') : 'skipped', check ? check.summary : 'no API to check through');
  }
  const summary = parseGcSummary(collected!.output);
  return {
    name,
    command,
    exitCode: collected!.exitCode,
    dryRun,
    ...summary,
    output: collected!.output,
    deleteUntagged,
    untagged: plan?.deletes ?? null,
    kept: plan?.keeps ?? null,
    outOfService: takeOut,
    runningAfter,
    check,
    message: describe(name, dryRun, plan, summary.blobsEligible, takeOut, check),
  };
}

async function bringBack(
  deps: RegistryLifecycleDeps,
  docker: Docker,
  info: Docker.ContainerInspectInfo,
  name: string,
  connection: Parameters<typeof httpAddress>[0],
  published: ReturnType<typeof publishedRegistryPort>,
): Promise<void> {
  try {
    await docker.getContainer(info.Id).start();
  } catch (error) {
    if (statusCodeOf(error) !== 304) throw engineFailure(deps.engine, error, `start ${name} again`, registryStartCommand(name));
  }
  if (published) {
    // no cancellation here: the registry must come back even when the caller gave up
    const health = await waitForRegistry(deps, docker, name, httpAddress(connection, published), undefined);
    if (!health.ok) throw new AppError('registry-error', `${name} was started again but does not answer yet: ${health.error?.message ?? `status ${health.status}`}.`, { hint: 'See multiarch-lab registry status.' });
  }
  const after = await inspectContainer(deps, docker, name);
  if (!after?.State.Running) throw new AppError('command-failed', `${name} did not stay running after garbage collection.`, { hint: `Read its log: docker logs ${name}` });
}

async function checkAfter(
  deps: RegistryLifecycleDeps,
  connection: Parameters<typeof httpAddress>[0],
  info: Docker.ContainerInspectInfo,
  liveAddress: string | null,
  signal: AbortSignal,
): Promise<RegistryCheckResult | null> {
  if (liveAddress) return checkRegistryAt(liveAddress, signal);
  // a registry that was stopped stays stopped: check through a private one on its storage
  const maintenance = await startMaintenanceRegistry(deps, connection as never, info, signal);
  try {
    return await checkRegistryAt(maintenance.address, signal);
  } finally {
    await maintenance.remove();
  }
}

function sizeOf(entries: GcManifestEntry[]): number {
  return entries.reduce((n, e) => n + (e.size ?? 0), 0);
}

function describe(name: string, dryRun: boolean, plan: GcPlan | null, blobs: number | null, takeOut: boolean, check: RegistryCheckResult | null): string {
  const parts: string[] = [];
  if (plan) {
    parts.push(
      `${plan.deletes.length} ${plan.deletes.length === 1 ? 'manifest' : 'manifests'} no tag reaches ${dryRun ? 'would be' : 'were'} deleted (${sizeOf(plan.deletes)} bytes of manifests); ${plan.keeps.length} reached by a tag ${dryRun ? 'would stay' : 'stayed'}.`,
    );
  }
  if (blobs !== null) parts.push(`${blobs} ${blobs === 1 ? 'blob' : 'blobs'} no manifest uses ${dryRun ? 'would be' : 'were'} removed${dryRun && plan?.deletes.length ? ' (more once those manifests are gone)' : ''}.`);
  if (takeOut) parts.push(`${name} was out of service during the collection and runs again.`);
  if (check) parts.push(check.summary);
  return parts.join(' ');
}
