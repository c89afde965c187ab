/**
 * `multiarch-lab registry up|status|stop|start|down|gc`: the local registry from the command line.
 * The work happens in the core; this file turns flags into channel input and results into lines.
 */
import { cancelOnInterrupt } from '../interrupt.js';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { AppError } from '../../core/contract/errors.js';
import { formatCommand } from '../../core/docker/exec.js';
import { formatBytes } from '../../core/format-bytes.js';
import type { RegistryGcResult, RegistryStatus, RegistryUpResult, RegistryVolumeUsage } from '../../core/contract/registry-lifecycle.js';
import type { RegistryCheckResult } from '../../core/contract/registry-check.js';
import { withSweptCore } from '../core-session.js';
import { callWithProgress } from '../task-printer.js';
import { printJson, processStreams, runAction } from '../output.js';

interface NameFlags {
  name?: string;
  json?: boolean;
}

interface UpFlags extends NameFlags {
  port?: number;
  volume?: string;
  image?: string;
  deleteEnabled?: boolean;
}

interface DownFlags extends NameFlags {
  removeVolume?: boolean;
  volume?: string;
  yes?: boolean;
}

interface GcFlags extends NameFlags {
  dryRun?: boolean;
  deleteUntagged?: boolean;
}

const out = (text: string) => processStreams.stdout(text);

/** Commander hands flags over as text; the channel's schema decides what is valid. */
function portOption(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

async function cancellable<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stopInterrupt = cancelOnInterrupt(controller, new AppError('cancelled', 'Cancelled with Ctrl-C.'));
  try {
    return await body(controller.signal);
  } finally {
    stopInterrupt();
  }
}

function printUp(result: RegistryUpResult): void {
  out(`\n${result.message}\n`);
  for (const note of result.notes) out(`  note: ${note}\n`);
  if (result.address) {
    out(`\nPush images to ${result.address}, for example:\n  ${formatCommand(result.nextStep)}\n`);
    out(`See what it holds: multiarch-lab ls ${result.address}\n`);
  }
}

export function renderStatus(status: RegistryStatus): string {
  if (!status.exists) return `${status.message}\nhint: ${status.hint}\n`;
  const rows: Array<[string, string]> = [];
  rows.push(['state', `${status.state}${status.isRegistry ? '' : ' (this container is not a registry)'}`]);
  rows.push(['restart policy', status.restartPolicy]);
  rows.push(['address', status.address ?? 'not published on the host']);
  if (status.health) {
    const h = status.health;
    rows.push(['health', h.ok ? `ok: GET /v2/ answered ${h.status} (${h.apiVersionHeader})` : `not answering: ${h.error?.message ?? `GET /v2/ answered ${h.status}`}`]);
  } else {
    rows.push(['health', status.running ? 'not checked' : 'stopped']);
  }
  rows.push(['volume', status.volume ? `${status.volume.name}${status.volume.exists ? `, ${formatBytes(status.volume.sizeBytes)}` : ' (missing)'}` : 'none (data lives in the container)']);
  rows.push(['repositories', status.repositories === null ? 'unknown' : String(status.repositories)]);
  rows.push(['deletes', status.deleteEnabled ? 'enabled' : 'disabled']);
  rows.push(['image', status.image]);
  rows.push(['managed', status.managed ? 'yes (created by Multiarch Lab)' : 'no (adopted)']);
  const width = Math.max(...rows.map(([k]) => k.length));
  let text = `${status.name}\n`;
  for (const [k, v] of rows) text += `  ${k.padEnd(width)}  ${v}\n`;
  if (!status.running) text += `hint: start it with multiarch-lab registry start --name ${status.name}\n`;
  return text;
}

export function describeLoss(usage: RegistryVolumeUsage): string {
  if (!usage.exists) return `The volume ${usage.volume} does not exist: nothing is lost.`;
  const repos = usage.repositories;
  const listed = repos === null ? 'an unknown number of repositories' : repos.length === 0 ? 'no repositories' : `${repos.length} ${repos.length === 1 ? 'repository' : 'repositories'} (${repos.slice(0, 10).join(', ')}${repos.length > 10 ? ', …' : ''})`;
  const others = usage.usedBy.length ? ` It is also mounted by: ${usage.usedBy.join(', ')}.` : '';
  return `Removing the volume ${usage.volume} deletes ${formatBytes(usage.sizeBytes)} holding ${listed}.${others}`;
}

async function confirmVolumeName(volume: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`Type the volume name (${volume}) to remove it, or anything else to keep it: `);
    return answer.trim() === volume;
  } finally {
    rl.close();
  }
}

function nameInput(flags: NameFlags): { name?: string } {
  return flags.name !== undefined ? { name: flags.name } : {};
}

export function registerRegistryCommand(program: Command): void {
  const registry = program.command('registry').description('the local registry: up, status, stop, start, down, gc, check');

  registry
    .command('up')
    .description('start the local registry (pulls the image when missing; adopts an existing registry container with that name)')
    .option('--name <name>', 'container name (default from settings: registry)')
    .option('--port <port>', 'host port to publish (default from settings: 5000)', portOption)
    .option('--volume <volume>', 'named volume for the images (default from settings: registry_data)')
    .option('--image <image>', 'registry image (default from settings: registry:2)')
    .option('--delete-enabled', 'allow deleting manifests through the API (REGISTRY_STORAGE_DELETE_ENABLED=true)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: UpFlags) => {
      await runAction(flags, () =>
        withSweptCore('cli', async (core) => {
          const input = {
            ...nameInput(flags),
            ...(flags.port !== undefined ? { port: flags.port } : {}),
            ...(flags.volume !== undefined ? { volume: flags.volume } : {}),
            ...(flags.image !== undefined ? { image: flags.image } : {}),
            ...(flags.deleteEnabled ? { deleteEnabled: true } : {}),
          };
          const result = await cancellable((signal) => callWithProgress(core, 'registry:up', input, { write: flags.json ? null : out, signal }));
          if (flags.json) printJson(result);
          else printUp(result);
          return result.healthy ? 0 : 1;
        }),
      );
    });

  registry
    .command('status')
    .description('state, address, health, disk use and repository count of the local registry')
    .option('--name <name>', 'container name (default from settings)')
    .option('--json', 'print the status as JSON')
    .action(async (flags: NameFlags) => {
      await runAction(flags, () =>
        withSweptCore('cli', async (core) => {
          const status = await core.call('registry:status', nameInput(flags));
          if (flags.json) printJson(status);
          else out(renderStatus(status));
        }),
      );
    });

  registry
    .command('stop')
    .description('stop the local registry (its data stays)')
    .option('--name <name>', 'container name (default from settings)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: NameFlags) => {
      await runAction(flags, () =>
        withSweptCore('cli', async (core) => {
          const r = await core.call('registry:stop', nameInput(flags));
          if (flags.json) printJson(r);
          else out(r.changed ? `Stopped the registry ${r.name}. Start it again with: multiarch-lab registry start --name ${r.name}\n` : `The registry ${r.name} was not running (${r.state}).\n`);
        }),
      );
    });

  registry
    .command('start')
    .description('start the stopped local registry and wait until it answers')
    .option('--name <name>', 'container name (default from settings)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: NameFlags) => {
      await runAction(flags, () =>
        withSweptCore('cli', async (core) => {
          const r = await cancellable((signal) => core.call('registry:start', nameInput(flags), { signal }));
          if (flags.json) printJson(r);
          else {
            out(r.changed ? `Started the registry ${r.name}.\n` : `The registry ${r.name} was already running.\n`);
            if (r.healthy === false) out('It does not answer GET /v2/ yet: see multiarch-lab registry status.\n');
          }
          return r.healthy === false ? 1 : 0;
        }),
      );
    });

  registry
    .command('down')
    .description('remove the registry container; with --remove-volume also its images (asks first)')
    .option('--name <name>', 'container name (default from settings)')
    .option('--remove-volume', 'also remove the volume with every image in it')
    .option('--volume <volume>', 'the volume to remove when the container is already gone')
    .option('-y, --yes', 'do not ask before removing the volume (needed without a terminal)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: DownFlags) => {
      await runAction(flags, () =>
        withSweptCore('cli', async (core) => {
          const base = { ...nameInput(flags), ...(flags.volume !== undefined ? { volume: flags.volume } : {}) };
          if (flags.removeVolume) {
            const usage = await core.call('registry:volume-usage', base);
            if (!flags.json || !flags.yes) processStreams.stderr(`${describeLoss(usage)}\n`);
            if (usage.exists && !flags.yes) {
              if (!process.stdin.isTTY) {
                throw new AppError('invalid-input', `Refusing to remove the volume ${usage.volume} without confirmation: there is no terminal to ask on.`, {
                  hint: 'Add --yes to confirm that its images may go, or run without --remove-volume to keep them.',
                });
              }
              if (!(await confirmVolumeName(usage.volume))) {
                processStreams.stderr('The name did not match: nothing was removed.\n');
                return 1;
              }
            }
            const r = await core.call('registry:down', { ...base, removeVolume: true, volume: usage.volume });
            if (flags.json) printJson(r);
            else out(`${r.message}\n`);
            return 0;
          }
          const r = await core.call('registry:down', base);
          if (flags.json) printJson(r);
          else out(`${r.message}\n`);
          return 0;
        }),
      );
    });

  registry
    .command('gc')
    .description('garbage-collect: the registry is stopped meanwhile (pushes fail), the collector runs beside it, then it is started again and checked')
    .option('--name <name>', 'container name (default from settings)')
    .option('--dry-run', 'only tell what would be deleted and what stays (the registry keeps running)')
    .option('--delete-untagged', 'also delete manifests no tag reaches (worked out by Multiarch Lab: platforms a tagged index names stay)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: GcFlags) => {
      await runAction(flags, () =>
        withSweptCore('cli', async (core) => {
          const input = { ...nameInput(flags), ...(flags.dryRun ? { dryRun: true } : {}), ...(flags.deleteUntagged ? { deleteUntagged: true } : {}) };
          // the steps (stop, collect, start, check) print as they go, through the one task printer
          const r = await cancellable((signal) => callWithProgress(core, 'registry:gc', input, { write: flags.json ? null : out, signal }));
          if (flags.json) printJson(r);
          else out(renderGc(r));
          return r.check && !r.check.ok ? 1 : 0;
        }),
      );
    });

  registry
    .command('check')
    .description('walk every tag to its manifests, configs and layers (HEAD each blob) and report what is broken; exit code 1 when anything is')
    .option('--name <name>', 'container name (default from settings)')
    .option('--registry <address>', 'check the registry at host:port instead of the container')
    .option('--json', 'print the result as JSON')
    .action(async (flags: NameFlags & { registry?: string }) => {
      await runAction(flags, () =>
        withSweptCore('cli', async (core) => {
          const input = { ...nameInput(flags), ...(flags.registry !== undefined ? { registry: flags.registry } : {}) };
          const r = await cancellable((signal) => core.call('registry:check', input, { signal }));
          if (flags.json) printJson(r);
          else out(renderCheck(r));
          return r.ok ? 0 : 1;
        }),
      );
    });
}

export function renderCheck(r: RegistryCheckResult): string {
  let text = `${r.summary}\n`;
  for (const t of r.tags) {
    if (t.ok) continue;
    text += `\n✗ ${r.registry}/${t.repository}:${t.tag}${t.digest ? ` (${t.digest})` : ''}\n`;
    for (const p of t.problems) text += `    ${p.message}\n      what to do: ${p.hint}\n`;
  }
  return text;
}

export function renderGc(r: RegistryGcResult): string {
  let text = `$ ${formatCommand(r.command)}\n`;
  if (r.untagged) {
    text += `\n${r.dryRun ? 'Would delete' : 'Deleted'} ${r.untagged.length} ${r.untagged.length === 1 ? 'manifest' : 'manifests'} no tag reaches:\n`;
    for (const e of r.untagged) text += `  - ${e.repository}@${e.digest} (${e.size ?? '?'} bytes): ${e.why}\n`;
    text += `${r.dryRun ? 'Would keep' : 'Kept'} ${r.kept?.length ?? 0} reached by a tag:\n`;
    for (const e of r.kept ?? []) text += `  = ${e.repository}@${e.digest}: ${e.why}\n`;
  }
  const lines = r.output.trim().split('\n').filter(Boolean);
  if (lines.length) text += '\ncollector output (last lines):\n';
  for (const line of lines.slice(-10)) text += `  ${line}\n`;
  text += `\n${r.message}\n`;
  if (r.check && !r.check.ok) text += renderCheck(r.check);
  return text;
}
