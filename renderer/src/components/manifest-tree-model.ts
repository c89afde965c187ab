/** Pure helpers for the manifest tree: names, labels and ids people read, from the core's inspection. */
import type { Descriptor, PlatformInfo, TreeNode } from '../../../core/contract/registry.js';

/** sha256:0123456789ab — enough to tell layers apart at a glance; the full digest stays one click away. */
export function shortDigest(digest: string, hexChars = 12): string {
  const colon = digest.indexOf(':');
  if (colon === -1) return digest.slice(0, hexChars);
  return `${digest.slice(0, colon)}:${digest.slice(colon + 1, colon + 1 + hexChars)}`;
}

const mediaTypes: Record<string, string> = {
  'application/vnd.oci.image.index.v1+json': 'OCI image index',
  'application/vnd.docker.distribution.manifest.list.v2+json': 'Docker manifest list',
  'application/vnd.oci.image.manifest.v1+json': 'OCI image manifest',
  'application/vnd.docker.distribution.manifest.v2+json': 'Docker image manifest',
  'application/vnd.oci.image.config.v1+json': 'OCI image config',
  'application/vnd.docker.container.image.v1+json': 'Docker image config',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'layer, tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'layer, tar+zstd',
  'application/vnd.oci.image.layer.v1.tar': 'layer, tar',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'layer, tar+gzip',
  'application/vnd.in-toto+json': 'in-toto statement',
};

export function mediaTypeWords(mediaType: string): string {
  return mediaTypes[mediaType] ?? mediaType;
}

export function platformText(platform: PlatformInfo | undefined): string | undefined {
  if (!platform) return undefined;
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

function isPlatformManifest(node: TreeNode): boolean {
  return node.kind === 'manifest' ? node.role === 'platform' : false;
}

/**
 * What a node is called in the tree. Attestations name the platform they describe (found among their
 * siblings by digest), because "unknown/unknown" is what the index literally says and tells nobody anything.
 */
export function nodeTitle(node: TreeNode, siblings: readonly TreeNode[]): string {
  // The media type is shown next to it ("Docker manifest list", "OCI image index"): the title stays short.
  if (node.kind === 'index') return node.platformLabel ?? platformText(node.platform) ?? 'Index';
  if (node.role === 'attestation') {
    const target = node.attests ? siblings.find((s) => s.digest === node.attests) : undefined;
    const targetName = target && isPlatformManifest(target) ? (target.platformLabel ?? platformText(target.platform)) : undefined;
    if (targetName) return `attestation for ${targetName}`;
    return node.attests ? `attestation for ${shortDigest(node.attests)}` : 'attestation';
  }
  return node.platformLabel ?? platformText(node.platform) ?? 'image';
}

/** The platform a runnable manifest node is for, as os/arch[/variant]; undefined for indexes and attestations. */
export function nodePlatform(node: TreeNode): string | undefined {
  if (node.kind !== 'manifest' || node.role !== 'platform') return undefined;
  return node.platformLabel ?? platformText(node.platform);
}

/** Raw JSON as a person reads it: indented when it parses, as served when it does not. */
export function prettyJson(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

/** A descriptor has no document of its own: its "raw JSON" is the entry that points at it. */
export function descriptorJson(d: Descriptor): string {
  const out: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.annotations) out.annotations = d.annotations;
  return JSON.stringify(out, null, 2);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The ids of the nodes open at first: the root, and the config and layers under each platform. */
export function initiallyExpanded(root: TreeNode): Set<string> {
  const open = new Set<string>([nodeId([], root)]);
  const walk = (node: TreeNode, path: string[]) => {
    const id = nodeId(path, node);
    if (node.kind === 'index') {
      node.children.forEach((child, i) => walk(child, [...path, String(i)]));
    } else {
      open.add(`${id}/config`);
      open.add(`${id}/layers`);
    }
  };
  walk(root, []);
  // A lone image (no index) shows its insides straight away.
  if (root.kind === 'manifest') open.add(nodeId([], root));
  return open;
}

/** Stable within one inspection: the position in the tree plus the digest. */
export function nodeId(path: readonly string[], node: Descriptor): string {
  return `${path.join('.') || 'root'}@${node.digest}`;
}
