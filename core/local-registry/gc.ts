/**
 * Garbage collection, run inside the registry container.
 */
import { AppError } from '../contract/errors.js';
import type { RegistryGcResult } from '../contract/registry-lifecycle.js';
import { demuxDockerStream } from '../docker/demux.js';
import { formatCommand } from '../docker/exec.js';
import { garbageCollectArgs, registryGcCommand } from '../commands/registry.js';
import { gcTargetOf, parseGcSummary } from './container-facts.js';
import { engineFailure } from '../docker/errors.js';
import { type RegistryLifecycleDeps, resolveName, requireRegistry } from './container.js';

export async function registryGc(deps: RegistryLifecycleDeps, input: { name?: string; dryRun?: boolean; deleteUntagged?: boolean }, signal?: AbortSignal): Promise<RegistryGcResult> {
  const { name, settingsName } = await resolveName(deps, input.name);
  const docker = await deps.engine.docker(signal);
  const info = await requireRegistry(deps, docker, name, settingsName);
  if (!info.State.Running) {
    throw new AppError('conflict', `The registry ${name} is not running, and garbage collection runs inside it.`, {
      hint: `Start it first: multiarch-lab registry start${name !== settingsName ? ` --name ${name}` : ''}`,
    });
  }
  const options = { dryRun: input.dryRun ?? false, deleteUntagged: input.deleteUntagged ?? false };
  // what runs inside the container is exactly the shown command after `docker exec NAME`
  const command = registryGcCommand(name, gcTargetOf(info), options);
  const cmd = garbageCollectArgs(gcTargetOf(info), options);
  let exitCode: number;
  let output: string;
  try {
    const exec = await docker.getContainer(info.Id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(new AppError('cancelled', 'Garbage collection was cancelled (it may still finish inside the container).'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    const { stdout, stderr } = demuxDockerStream(Buffer.concat(chunks), Number.POSITIVE_INFINITY);
    output = `${stdout}${stderr}`;
    exitCode = (await exec.inspect()).ExitCode ?? -1;
  } catch (error) {
    throw engineFailure(deps.engine, error, `run garbage collection in ${name}`, command);
  }
  if (exitCode !== 0 && /Path not found: \S*\/docker\/registry\/v2\/repositories/.test(output)) {
    // a registry nobody pushed to has no storage tree yet: nothing to collect is not a failure
    return { name, command, exitCode: 0, dryRun: input.dryRun ?? false, blobsMarked: 0, blobsEligible: 0, manifestsEligible: 0, output: 'The registry holds nothing yet: nothing to collect.' };
  }
  if (exitCode !== 0) {
    const tail = output.trim().split('\n').slice(-5).join('\n');
    throw new AppError('command-failed', `\`${formatCommand(command)}\` failed (exit code ${exitCode})${tail ? `:\n${tail}` : '.'}`, {
      hint: 'Run the command yourself to see the whole output.',
      details: { command, exitCode, output: output.slice(-4000) },
    });
  }
  return { name, command, exitCode, dryRun: input.dryRun ?? false, ...parseGcSummary(output), output };
}
