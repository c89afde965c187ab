/**
 * `multiarch-lab verify REF [--platform P…] [--json]`: every platform of an image checked from its own
 * files (entrypoint, programs, loaders, interpreters) without pulling or running it, and the platforms
 * compared. Exit code 0 when every platform is ok, 2 when any is not, 1 on an error.
 */
import type { Command } from 'commander';
import { formatBytes } from '../../core/format-bytes.js';
import type { PlatformVerification, VerifyReport } from '../../core/contract/verify.js';
import { withCore } from '../core-session.js';
import { printJson, processStreams, runAction } from '../output.js';
import { shortDigest } from './inspect.js';

interface VerifyFlags {
  platform?: string[];
  json?: boolean;
  insecure?: boolean;
  hostCheck?: boolean;
}

export const VERIFY_NOT_OK_EXIT = 2;

function renderPlatform(p: PlatformVerification, lines: string[]): void {
  lines.push(`${p.platform.padEnd(14)} ${p.verdict.toUpperCase().padEnd(14)} ${shortDigest(p.digest)}`);
  const e = p.entrypoint;
  if (e && e.argv.length) {
    const at = e.path ? `${e.path}${e.resolvedPath && e.resolvedPath !== e.path ? ` → ${e.resolvedPath}` : ''}` : 'not found';
    lines.push(`  entrypoint  ${JSON.stringify(e.argv)}  resolves to ${at}`);
    for (const c of e.chain) lines.push(`    ${c.ok ? '✓' : '✗'} ${c.path}${c.resolvedPath ? ` → ${c.resolvedPath}` : ''}: ${c.summary}`);
  }
  if (p.verdict === 'ok') lines.push(`  ${p.summary}`);
  for (const f of p.findings) {
    lines.push(`  ${f.kind === 'unknown' ? '?' : '!'} ${f.message}`);
    if (f.fix) lines.push(`    fix: ${f.fix}`);
  }
  if (p.host) lines.push(`  this machine: ${p.host.support} (${p.host.via})`);
  for (const a of p.attestations) lines.push(`  attestation ${shortDigest(a.digest)}${a.type ? ` (${a.type})` : ''}`);
}

export function renderVerification(report: VerifyReport): string {
  const lines: string[] = [];
  lines.push(`${report.reference}  ${shortDigest(report.digest)}`);
  lines.push('');
  for (const p of report.platforms) {
    renderPlatform(p, lines);
    lines.push('');
  }
  const c = report.compare;
  if (c.platforms.length > 1) {
    lines.push('Compare platforms');
    for (const s of c.platforms) lines.push(`  ${s.platform.padEnd(14)} ${formatBytes(s.compressedSize).padStart(10)} compressed  ${formatBytes(s.uncompressedSize).padStart(10)} unpacked  ${s.files} files in ${s.layers} layers`);
    lines.push(c.sharedLayers.length ? `  ${c.sharedLayers.length} shared ${c.sharedLayers.length === 1 ? 'layer' : 'layers'}: ${c.sharedLayers.map((l) => `${shortDigest(l.digest)} (${formatBytes(l.size)}, ${l.platforms.join(', ')})`).join('; ')}` : '  no layer is shared between platforms');
    for (const o of c.sizeOutliers) lines.push(`  ! ${o.message}`);
    if (c.onlyInSomeCount) {
      lines.push(`  ${c.onlyInSomeCount} ${c.onlyInSomeCount === 1 ? 'path is' : 'paths are'} only in some platforms, e.g.:`);
      for (const o of c.onlyInSome.slice(0, 8)) lines.push(`    ${o.path}  missing from ${o.missingFrom.join(', ')}`);
    }
    for (const t of c.timeOnly) {
      const files = `${t.files} ${t.files === 1 ? 'file' : 'files'}`;
      const times = t.layers.length === 2 ? 'twice' : `${t.layers.length} times`;
      lines.push(`  ! ${t.layers.length} layers hold the same ${files} (names, sizes, modes, owners and bytes) and differ only in file times: ${t.layers.map((l) => `${shortDigest(l.digest)} (${l.platforms.join(', ')})`).join(', ')}; ${formatBytes(t.wastedBytes)} more is stored and pulled because they are kept ${times} instead of once.`);
      lines.push('    fix: build that layer once for all platforms (a stage FROM --platform=$BUILDPLATFORM, COPY --link) or set SOURCE_DATE_EPOCH so times match.');
    }
    lines.push('');
  }
  const reread = report.read.reread;
  const again = reread ? `; ${reread.layers} of them read a second time (${formatBytes(reread.compressedBytes)}) to confirm they differ only in file times` : '';
  lines.push(`Read ${report.read.layers} ${report.read.layers === 1 ? 'layer' : 'layers'} once each (${formatBytes(report.read.compressedBytes)} from the registry, ${formatBytes(report.read.uncompressedBytes)} unpacked)${again} in ${(report.read.ms / 1000).toFixed(1)} s; nothing was pulled or run.`);
  lines.push(`Host check: ${report.hostSource}.`);
  const notOk = report.platforms.filter((p) => p.verdict !== 'ok');
  lines.push(notOk.length ? `${notOk.length} of ${report.platforms.length} platforms are not ok: ${notOk.map((p) => `${p.platform} ${p.verdict}`).join(', ')}.` : `All ${report.platforms.length} platforms are ok.`);
  return `${lines.join('\n')}\n`;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check every platform of an image from its own files, without running it (exit 0: all ok, 2: some not ok, 1: error)')
    .argument('<reference>', 'image reference, e.g. localhost:5000/hello:1.0')
    .option('--platform <platform...>', 'only these platforms, e.g. linux/arm64 linux/arm/v7')
    .option('--no-host-check', 'do not judge whether this machine can start each platform')
    .option('--insecure', 'plain HTTP for a registry that is not on localhost')
    .option('--json', 'print the whole report as JSON')
    .action(async (reference: string, flags: VerifyFlags) => {
      await runAction(flags, () =>
        withCore('cli', async (core) => {
          const report = await core.call('registry:verify', {
            reference,
            ...(flags.platform?.length ? { platforms: flags.platform } : {}),
            ...(flags.insecure ? { insecure: true } : {}),
            ...(flags.hostCheck === false ? { hostCheck: false } : {}),
          });
          if (flags.json) printJson(report);
          else processStreams.stdout(renderVerification(report));
          return report.verdict === 'ok' ? 0 : VERIFY_NOT_OK_EXIT;
        }),
      );
    });
}
