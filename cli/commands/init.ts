/**
 * `multiarch-lab init [DIR] [--base IMAGE] [--force] [--json]`: writes the sample project (a Dockerfile that
 * writes a script with a heredoc and runs it) and says how to build it.
 */
import { Option, type Command } from 'commander';
import type { TutorialInitResult } from '../../core/contract/build.js';
import { cliInvocation } from '../../core/cli-invocation.js';
import { formatCommand } from '../../core/docker/exec.js';
import { TOUR_PLATFORMS, tourTag } from '../../core/tutorial/progress.js';
import { withCore } from '../core-session.js';
import { printJson, processStreams, runAction, type Streams } from '../output.js';

interface InitFlags {
  base?: string;
  sample?: 'plain' | 'fast';
  force?: boolean;
  json?: boolean;
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write the sample project: a Dockerfile whose script prints `uname -m` on every platform')
    .argument('[dir]', 'folder to write it into (default: hello-multiarch in the workspace folder)')
    .option('--base <image>', 'base image (default alpine:3.15)')
    .addOption(new Option('--sample <kind>', 'plain: every step runs as the target platform; fast: the work runs natively in a $BUILDPLATFORM stage and is copied in').choices(['plain', 'fast']).default('plain'))
    .option('--force', 'replace a Dockerfile or README.md already in the folder')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string | undefined, flags: InitFlags) => {
      await runAction(flags, () => init(dir, flags));
    });
}

async function init(dir: string | undefined, flags: InitFlags, streams: Streams = processStreams): Promise<number> {
  const { result, port } = await withCore('cli', async (core) => ({
    result: await core.call('tutorial:init', {
      ...(dir !== undefined ? { dir } : {}),
      ...(flags.base !== undefined ? { base: flags.base } : {}),
      ...(flags.sample ? { sample: flags.sample } : {}),
      ...(flags.force ? { overwrite: true } : {}),
    }),
    port: (await core.call('settings:get', {})).registry.port,
  }));
  if (flags.json) printJson(result, streams);
  else streams.stdout(renderInit(result, { cli: cliInvocation().prefix, registry: `localhost:${port}` }));
  return 0;
}

/** `how`: the CLI form that runs here and the configured registry, so the printed command runs as printed. */
export function renderInit(r: TutorialInitResult, how: { cli: string[]; registry: string } = { cli: ['multiarch-lab'], registry: 'localhost:5000' }): string {
  const out = [`Wrote the ${r.sample === 'fast' ? '"fast way" sample (a $BUILDPLATFORM stage, copied in)' : 'sample'} project to ${r.dir}:`, ...r.files.map((f) => `  ${f}`), ''];
  out.push(`Base image: ${r.base}`);
  out.push(r.labsSyntax.added ? `Added "# syntax=docker/dockerfile:1-labs": ${r.labsSyntax.reason}` : `No "# syntax=" line: ${r.labsSyntax.reason}`);
  for (const w of r.warnings) out.push(`warning: ${w.message}`);
  out.push('', 'Build it for three platforms and push it to your local registry:');
  const tag = r.sample === 'fast' ? `${how.registry}/hello-fast:1` : tourTag(how.registry);
  out.push(`  ${formatCommand([...how.cli, 'build', r.dir, '--platform', TOUR_PLATFORMS.join(','), '--tag', tag])}`, '');
  return out.join('\n');
}
