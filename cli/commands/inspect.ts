/**
 * `multiarch-lab inspect REF [--raw] [--platform P] [--json]`: an image in a registry as a tree,
 * index → platforms → config and layers, with sizes and the layers platforms share.
 */
import type { Command } from 'commander';
import { AppError } from '../../core/contract/errors.js';
import { formatCommand } from '../../core/docker/exec.js';
import { formatBytes } from '../../core/format-bytes.js';
import type { ImageInspection, ManifestNode, TreeNode } from '../../core/contract/registry.js';
import { withCore } from '../core-session.js';
import { printJson, processStreams, runAction } from '../output.js';

interface InspectFlags {
  raw?: boolean;
  platform?: string;
  json?: boolean;
  insecure?: boolean;
}

export function shortDigest(digest: string): string {
  const [algo, hex] = digest.split(':');
  return hex ? `${algo}:${hex.slice(0, 12)}` : digest;
}

function mediaKind(mediaType: string): string {
  if (mediaType.includes('manifest.list')) return 'Docker manifest list';
  if (mediaType.includes('image.index')) return 'OCI index';
  if (mediaType.includes('distribution.manifest.v2')) return 'Docker manifest';
  if (mediaType.includes('image.manifest')) return 'OCI manifest';
  return mediaType;
}

function list(value: string[] | null | undefined): string {
  return value && value.length ? JSON.stringify(value) : '-';
}

function renderManifest(node: ManifestNode, prefix: string, lines: string[]): void {
  if (node.error) {
    lines.push(`${prefix}! ${node.error.message}`);
    return;
  }
  const children: Array<(p: string, last: boolean) => void> = [];
  const config = node.config;
  if (config) {
    children.push((p, last) => {
      const s = config.summary;
      const what = s ? `${s.os}/${s.architecture}${s.variant ? `/${s.variant}` : ''}  entrypoint ${list(s.entrypoint)}  cmd ${list(s.cmd)}${s.created ? `  created ${s.created}` : ''}` : config.error ? `! ${config.error.message}` : '';
      lines.push(`${p}${last ? '└── ' : '├── '}config  ${shortDigest(config.digest)}  ${formatBytes(config.size)}${what ? `  ${what}` : ''}`);
    });
  }
  node.layers.forEach((layer, i) => {
    children.push((p, last) => {
      const shared = layer.shared ? `  * shared with ${(layer.sharedWith ?? []).join(', ')}` : '';
      lines.push(`${p}${last ? '└── ' : '├── '}layer ${i + 1}  ${shortDigest(layer.digest)}  ${formatBytes(layer.size)}${shared}`);
    });
  });
  children.forEach((draw, i) => draw(prefix, i === children.length - 1));
}

function renderNode(node: TreeNode, prefix: string, childPrefix: string, lines: string[]): void {
  if (node.kind === 'index') {
    const platforms = node.children.filter((c) => c.kind === 'index' || c.role === 'platform').length;
    lines.push(`${prefix}${node.platformLabel ? `${node.platformLabel}  ` : ''}${mediaKind(node.mediaType)}  ${shortDigest(node.digest)}  ${platforms} ${platforms === 1 ? 'entry' : 'entries'}`);
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      renderNode(child, `${childPrefix}${last ? '└── ' : '├── '}`, `${childPrefix}${last ? '    ' : '│   '}`, lines);
    });
    if (node.error) lines.push(`${childPrefix}! ${node.error.message}`);
    return;
  }
  const label = node.role === 'attestation' ? node.platformLabel ?? 'attestation' : node.platformLabel ?? 'image';
  lines.push(`${prefix}${label}  ${shortDigest(node.digest)}  ${node.role === 'attestation' ? `(${mediaKind(node.mediaType)}, not runnable)` : `total ${formatBytes(node.totalSize)}`}`);
  if (node.role === 'platform') renderManifest(node, childPrefix, lines);
  else if (node.error) lines.push(`${childPrefix}! ${node.error.message}`);
}

export function renderInspection(result: ImageInspection): string {
  const lines: string[] = [];
  lines.push(result.reference);
  lines.push(`digest     ${result.digest}`);
  lines.push(`platforms  ${result.platforms.length ? result.platforms.join(', ') : 'none'}`);
  if (result.plainHttpNote) lines.push(`note       ${result.plainHttpNote}`);
  lines.push('');
  renderNode(result.root, '', '', lines);
  lines.push('');
  lines.push(result.sharedLayers.length ? `${result.sharedLayers.length} ${result.sharedLayers.length === 1 ? 'layer is' : 'layers are'} shared between platforms (marked *): they are stored and pulled once.` : 'No layer is shared between platforms.');
  lines.push(`Same look with the docker CLI: ${formatCommand(result.commands.inspect)}`);
  return `${lines.join('\n')}\n`;
}

/** With --platform, the raw manifest of that platform; otherwise the root document as the registry served it. */
function rawDocument(result: ImageInspection, platform: string | undefined): string {
  const find = (node: TreeNode): ManifestNode | undefined => {
    if (node.kind === 'manifest') return node.role === 'platform' && node.platformLabel === platform ? node : undefined;
    for (const c of node.children) {
      const hit = find(c);
      if (hit) return hit;
    }
    return undefined;
  };
  const node = platform ? find(result.root) ?? result.root : result.root;
  if (node.raw === undefined) {
    throw new AppError('registry-error', `The registry did not serve the raw document of ${result.reference}${platform ? ` for ${platform}` : ''}.`, {
      hint: `Try: ${formatCommand(result.commands.raw)}`,
    });
  }
  return node.raw.endsWith('\n') ? node.raw : `${node.raw}\n`;
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('show an image in a registry as a tree: index → platforms → config and layers')
    .argument('<reference>', 'image reference, e.g. localhost:5000/hello:1.0')
    .option('--raw', 'print the manifest or index exactly as the registry serves it')
    .option('--platform <platform>', 'only this platform, e.g. linux/arm64')
    .option('--insecure', 'plain HTTP for this call only, for a registry not in the plain-HTTP list (see: settings plain-http)')
    .option('--json', 'print the whole inspection as JSON')
    .action(async (reference: string, flags: InspectFlags) => {
      await runAction(flags, () =>
        withCore('cli', async (core) => {
          const result = await core.call('registry:inspect', {
            reference,
            ...(flags.platform !== undefined ? { platform: flags.platform } : {}),
            ...(flags.insecure ? { insecure: true } : {}),
          });
          if (flags.raw) processStreams.stdout(rawDocument(result, flags.platform));
          else if (flags.json) printJson(result);
          else processStreams.stdout(renderInspection(result));
        }),
      );
    });
}
