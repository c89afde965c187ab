/**
 * `multiarch-lab check DIR [--platform P1,P2] [-f FILE] [--json]`: the readiness check of a Dockerfile for
 * several platforms. Findings go to stdout with their line, why and the change to make; exits 1 when one of
 * them means the build would fail (a base image without a requested platform).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { ReadinessReport } from '../../core/contract/build.js';
import { withCore } from '../core-session.js';
import { printError, printJson, processStreams, runAction, type Streams } from '../output.js';

interface CheckFlags {
  platform?: string[];
  file?: string;
  insecure?: boolean;
  json?: boolean;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('check a Dockerfile for building several platforms: base images, fixed architectures, steps that would run emulated')
    .argument('<dir>', 'the folder with the Dockerfile')
    .option('--platform <list>', 'platforms to check for, comma-separated (default linux/amd64,linux/arm64)', parseList)
    .option('-f, --file <path>', 'the Dockerfile, relative to DIR (default DIR/Dockerfile)')
    .option('--insecure', 'read base images from a plain-HTTP registry that is not on localhost')
    .option('--json', 'print the report (or the error) as JSON')
    .action(async (dir: string, flags: CheckFlags) => {
      await runAction(flags, () => check(dir, flags));
    });
}

function parseList(value: string, previous?: string[]): string[] {
  const items = value.split(',').map((p) => p.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('Give one or more platforms, e.g. linux/amd64,linux/arm64.');
  return [...(previous ?? []), ...items];
}

async function check(dir: string, flags: CheckFlags, streams: Streams = processStreams): Promise<number> {
  return withCore('cli', async (core) => {
    try {
      const report = await core.call('build:readiness', {
        context: dir,
        ...(flags.platform ? { platforms: flags.platform } : {}),
        ...(flags.file ? { dockerfile: flags.file } : {}),
        ...(flags.insecure ? { insecure: true } : {}),
      });
      if (flags.json) printJson(report, streams);
      else streams.stdout(renderReadiness(report));
      return report.ready ? 0 : 1;
    } catch (error) {
      return printError(error, flags, streams);
    }
  });
}

export function renderReadiness(r: ReadinessReport): string {
  const out: string[] = [`${r.dockerfile} for ${r.platforms.join(', ')} (build platform ${r.buildPlatform})`];
  if (!r.findings.length) out.push('  nothing found: ready to build for every platform asked');
  for (const f of r.findings) {
    out.push('', `${f.severity}: line ${f.line}: ${f.message}`, `  ${f.text.trim()}`, `  why: ${f.why}`, `  change: ${f.fix}`);
  }
  out.push('', r.ready ? 'Ready to build.' : 'Not ready: fix the errors above first.', '');
  return out.join('\n');
}
