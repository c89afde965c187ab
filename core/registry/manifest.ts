/**
 * Manifests and indexes: media types, parsing, assembling an index, and the inspection tree
 * (index -> platforms -> config and layers) that the registry browser draws.
 */
import * as z from 'zod';
import { AppError, serializeError } from '../contract/errors.js';
import type {
  ConfigNode,
  Descriptor,
  ImageConfigSummary,
  ImageInspection,
  IndexNode,
  LayerNode,
  ManifestNode,
  PlatformInfo,
  TreeNode,
} from '../contract/registry.js';
import { formatPlatform, parsePlatform, platformMatches } from '../platform.js';
import { directClient, type RegistryClient, type RegistryClientFactory } from './client.js';
import { formatImageReference, isDigest, normalizeRegistry, parseImageReference, type ImageRef } from './reference.js';
import { MediaTypes, MANIFEST_ACCEPT, isIndexMediaType, isImageManifestMediaType, isKnownManifestMediaType, mediaTypeOfManifest } from './media-types.js';

export { MediaTypes, MANIFEST_ACCEPT, isIndexMediaType, isImageManifestMediaType, isKnownManifestMediaType, mediaTypeOfManifest };

const DigestString = z.string().refine(isDigest, 'not a digest');
const PlatformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
});
const DescriptorSchema = z.object({
  mediaType: z.string(),
  digest: DigestString,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: PlatformSchema.optional(),
});
const IndexSchema = z.object({ schemaVersion: z.literal(2), manifests: z.array(DescriptorSchema), annotations: z.record(z.string(), z.string()).optional() });
const ImageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type IndexEntry = z.infer<typeof DescriptorSchema>;
export type ParsedManifest =
  | { kind: 'index'; manifests: IndexEntry[]; annotations?: Record<string, string> }
  | { kind: 'manifest'; config: IndexEntry; layers: IndexEntry[]; annotations?: Record<string, string> };

/** Checks the shape of a manifest or index; a broken one becomes a registry-error naming the problem. */
export function parseManifestDocument(mediaType: string, json: unknown, where = 'the manifest'): ParsedManifest {
  if (isIndexMediaType(mediaType)) {
    const r = IndexSchema.safeParse(json);
    if (!r.success) throw malformed(where, mediaType, r.error);
    return { kind: 'index', manifests: r.data.manifests, ...(r.data.annotations ? { annotations: r.data.annotations } : {}) };
  }
  if (isImageManifestMediaType(mediaType)) {
    const r = ImageManifestSchema.safeParse(json);
    if (!r.success) throw malformed(where, mediaType, r.error);
    return { kind: 'manifest', config: r.data.config, layers: r.data.layers, ...(r.data.annotations ? { annotations: r.data.annotations } : {}) };
  }
  throw new AppError('unsupported', `${where} has media type ${mediaType || '(none)'}, which Multiarch Lab does not read.`, {
    hint: 'Only Docker v2 manifests and manifest lists, and OCI manifests and indexes, are supported.',
  });
}

function malformed(where: string, mediaType: string, error: z.ZodError): AppError {
  const issue = error.issues[0];
  const at = issue ? `${issue.path.join('.') || '(document)'}: ${issue.message}` : 'unexpected shape';
  return new AppError('registry-error', `${where} claims to be ${mediaType} but does not have its shape (${at}).`, {
    hint: 'The image was written by a broken tool or the registry altered it; push it again.',
  });
}

export const ATTESTATION_TYPE_ANNOTATION = 'vnd.docker.reference.type';
export const ATTESTATION_REF_ANNOTATION = 'vnd.docker.reference.digest';

/** Attestations (provenance, SBOM) ride in the index as unknown/unknown entries; they are not platforms. */
export function classifyIndexEntry(entry: Pick<IndexEntry, 'platform' | 'annotations'>): { role: 'platform' | 'attestation'; attests?: string } {
  const type = entry.annotations?.[ATTESTATION_TYPE_ANNOTATION];
  const attests = entry.annotations?.[ATTESTATION_REF_ANNOTATION];
  const unknown = entry.platform?.os === 'unknown' && entry.platform?.architecture === 'unknown';
  if (type === 'attestation-manifest' || unknown) return { role: 'attestation', ...(attests ? { attests } : {}) };
  return { role: 'platform' };
}

const stringArray = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null);

/** The fields of an image config a person looks at; tolerant of missing parts. */
export function summarizeConfig(json: unknown): ImageConfigSummary {
  const c = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const inner = (c.config && typeof c.config === 'object' ? c.config : {}) as Record<string, unknown>;
  const out: ImageConfigSummary = {
    architecture: typeof c.architecture === 'string' ? c.architecture : 'unknown',
    os: typeof c.os === 'string' ? c.os : 'unknown',
    entrypoint: stringArray(inner.Entrypoint),
    cmd: stringArray(inner.Cmd),
    env: stringArray(inner.Env) ?? [],
  };
  if (typeof c.variant === 'string' && c.variant) out.variant = c.variant;
  if (typeof inner.WorkingDir === 'string' && inner.WorkingDir) out.workingDir = inner.WorkingDir;
  if (typeof inner.User === 'string' && inner.User) out.user = inner.User;
  if (typeof c.created === 'string') out.created = c.created;
  if (inner.Labels && typeof inner.Labels === 'object') {
    const labels = Object.fromEntries(Object.entries(inner.Labels as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    if (Object.keys(labels).length) out.labels = labels;
  }
  return out;
}

function toDescriptor(d: IndexEntry): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.annotations) out.annotations = d.annotations;
  return out;
}

export interface ManifestNodeInput {
  descriptor: Descriptor;
  role: 'platform' | 'attestation';
  platform?: PlatformInfo;
  attests?: string;
  /** The manifest as served. */
  text: string;
  json: unknown;
  /** The config blob as served; omitted for attestations or when it could not be read. */
  config?: { text: string; json: unknown } | { error: unknown };
}

/** A manifest node from fetched documents. Pure: unit tests feed it captured JSON. */
export function buildManifestNode(input: ManifestNodeInput): ManifestNode {
  const parsed = parseManifestDocument(input.descriptor.mediaType, input.json, `manifest ${input.descriptor.digest}`);
  if (parsed.kind !== 'manifest') throw new AppError('internal', 'buildManifestNode was given an index.');
  const config: ConfigNode = { ...toDescriptor(parsed.config), summary: null };
  if (input.config && 'text' in input.config) {
    config.raw = input.config.text;
    config.summary = summarizeConfig(input.config.json);
  } else if (input.config && 'error' in input.config) {
    config.error = serializeError(input.config.error);
  }
  const layers: LayerNode[] = parsed.layers.map((l) => ({ ...toDescriptor(l), shared: false }));
  let platform = input.platform;
  if (!platform && config.summary && input.role === 'platform') {
    platform = { os: config.summary.os, architecture: config.summary.architecture, ...(config.summary.variant ? { variant: config.summary.variant } : {}) };
  }
  const node: ManifestNode = {
    kind: 'manifest',
    ...input.descriptor,
    role: input.role,
    config,
    layers,
    totalSize: config.size + layers.reduce((sum, l) => sum + l.size, 0),
    raw: input.text,
  };
  if (platform) {
    node.platform = platform;
    node.platformLabel = input.role === 'attestation' ? `attestation${input.attests ? ` for ${input.attests.slice(0, 19)}` : ''}` : formatPlatform(platform);
  } else if (input.role === 'attestation') {
    node.platformLabel = 'attestation';
  }
  if (input.attests) node.attests = input.attests;
  return node;
}

/** Walks a tree and yields every manifest node that is a runnable platform. */
export function platformNodes(node: TreeNode): ManifestNode[] {
  if (node.kind === 'manifest') return node.role === 'platform' ? [node] : [];
  return node.children.flatMap(platformNodes);
}

/**
 * Marks layers whose digest appears under more than one platform (a base layer shared between
 * architectures is pulled once). Returns the shared digests.
 */
export function markSharedLayers(root: TreeNode): string[] {
  const holders = new Map<string, Set<string>>();
  const nodes = platformNodes(root);
  nodes.forEach((n, i) => {
    const label = n.platformLabel ?? `#${i}`;
    for (const l of n.layers) {
      const set = holders.get(l.digest) ?? new Set<string>();
      set.add(`${label}\u0000${n.digest}`);
      holders.set(l.digest, set);
    }
  });
  const shared: string[] = [];
  for (const [digest, set] of holders) if (set.size > 1) shared.push(digest);
  for (const n of nodes) {
    for (const l of n.layers) {
      const set = holders.get(l.digest)!;
      if (set.size > 1) {
        l.shared = true;
        const mine = `${n.platformLabel ?? ''}\u0000${n.digest}`;
        l.sharedWith = [...set].filter((h) => h !== mine).map((h) => h.split('\u0000')[0]!);
      }
    }
  }
  return shared;
}

export interface IndexEntryInput {
  digest: string;
  size: number;
  mediaType: string;
  /** os/arch[/variant] text or an object; omit for attestations that carry their own annotations. */
  platform?: string | PlatformInfo;
  annotations?: Record<string, string>;
}

export interface CreatedIndex {
  mediaType: string;
  text: string;
  json: Record<string, unknown>;
}

/**
 * Builds the JSON of an OCI index (default) or a Docker manifest list joining per-platform manifests,
 * the way `docker manifest create` / `buildx imagetools create` do.
 */
export function createIndex(entries: IndexEntryInput[], options: { format?: 'oci' | 'docker'; annotations?: Record<string, string> } = {}): CreatedIndex {
  const format = options.format ?? 'oci';
  if (entries.length === 0) throw new AppError('invalid-input', 'An index needs at least one manifest.', { hint: 'Push the per-platform images first, then join them.' });
  if (format === 'docker' && options.annotations) {
    throw new AppError('invalid-input', 'A Docker manifest list cannot carry annotations.', { hint: 'Use the OCI index format for annotations.' });
  }
  const seen = new Set<string>();
  const manifests = entries.map((e, i) => {
    if (!isDigest(e.digest)) throw new AppError('invalid-input', `Entry ${i + 1}: "${e.digest}" is not a digest.`, { hint: 'Use the sha256:… digest the push printed.' });
    if (!Number.isInteger(e.size) || e.size <= 0) throw new AppError('invalid-input', `Entry ${i + 1}: the size must be the manifest's byte count.`, { hint: 'HEAD the manifest to read its Content-Length.' });
    if (!isImageManifestMediaType(e.mediaType) && !isIndexMediaType(e.mediaType)) {
      throw new AppError('invalid-input', `Entry ${i + 1}: ${e.mediaType} is not a manifest media type.`, { hint: 'Entries point at image manifests.' });
    }
    if (format === 'docker' && e.annotations) {
      throw new AppError('invalid-input', `Entry ${i + 1}: a Docker manifest list cannot carry annotations.`, { hint: 'Use the OCI index format for attestations and annotations.' });
    }
    const platform = typeof e.platform === 'string' ? parsePlatform(e.platform) : e.platform;
    const entry: Record<string, unknown> = { mediaType: e.mediaType, digest: e.digest, size: e.size };
    if (e.annotations) entry.annotations = e.annotations;
    if (platform) {
      const p: Record<string, string> = { architecture: platform.architecture, os: platform.os };
      if (platform['os.version']) p['os.version'] = platform['os.version'];
      if (platform.variant) p.variant = platform.variant;
      entry.platform = p;
      if (classifyIndexEntry({ platform, ...(e.annotations ? { annotations: e.annotations } : {}) }).role === 'platform') {
        const label = formatPlatform(platform);
        if (seen.has(label)) throw new AppError('invalid-input', `Two entries claim the platform ${label}.`, { hint: 'Each platform may appear once in an index.' });
        seen.add(label);
      }
    } else if (format === 'docker') {
      throw new AppError('invalid-input', `Entry ${i + 1} has no platform; a Docker manifest list needs one per entry.`, { hint: 'Give each entry its os/arch[/variant].' });
    }
    return entry;
  });
  const mediaType = format === 'docker' ? MediaTypes.dockerManifestList : MediaTypes.ociIndex;
  const json: Record<string, unknown> = { schemaVersion: 2, mediaType, manifests };
  if (options.annotations) json.annotations = options.annotations;
  return { mediaType, text: JSON.stringify(json, null, 2), json };
}

/** Runs `fn` over items with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export interface InspectOptions {
  /** Only this platform (and its attestations) is expanded, e.g. linux/arm64. */
  platform?: string;
  /** Manifests fetched at once. Default 6. */
  concurrency?: number;
  /** Fetch the config of each platform (default true). */
  configs?: boolean;
}

const MAX_DEPTH = 3;

/**
 * Reads an image from its registry into the tree the browser shows: the index, one node per
 * platform (attestations marked as such), each with its config and layers.
 */
export async function inspectImage(client: RegistryClient, reference: string | ImageRef, options: InspectOptions = {}): Promise<ImageInspection> {
  const ref = typeof reference === 'string' ? parseImageReference(reference) : reference;
  if (normalizeRegistry(ref.registry) !== client.registry) {
    throw new AppError('invalid-input', `${ref.original} lives on ${ref.registry}, but this client talks to ${client.registry}.`, {
      hint: 'Inspect it with a client for its own registry.',
    });
  }
  const wanted = options.platform ? parsePlatform(options.platform) : undefined;
  const concurrency = options.concurrency ?? 6;
  const withConfigs = options.configs ?? true;
  const repo = ref.repository;

  const fetchConfig = async (manifestJson: unknown, mediaType: string, digest: string) => {
    const parsed = parseManifestDocument(mediaType, manifestJson, `manifest ${digest}`);
    if (parsed.kind !== 'manifest') return undefined;
    try {
      const blob = await client.getBlobJson(repo, parsed.config.digest);
      return { text: blob.text, json: blob.json };
    } catch (error) {
      return { error };
    }
  };

  const expandIndex = async (descriptor: Descriptor, text: string, json: unknown, depth: number, platform?: PlatformInfo): Promise<IndexNode> => {
    const parsed = parseManifestDocument(descriptor.mediaType, json, `index ${descriptor.digest}`);
    if (parsed.kind !== 'index') throw new AppError('internal', 'expandIndex was given an image manifest.');
    let entries = parsed.manifests;
    if (wanted) {
      const kept = entries.filter((e) => classifyIndexEntry(e).role === 'platform' && (!e.platform || platformMatches(e.platform, wanted) || isIndexMediaType(e.mediaType)));
      const keptDigests = new Set(kept.map((e) => e.digest));
      entries = entries.filter((e) => keptDigests.has(e.digest) || (classifyIndexEntry(e).role === 'attestation' && keptDigests.has(classifyIndexEntry(e).attests ?? '')));
      if (kept.length === 0 && depth === 0) {
        const available = parsed.manifests.filter((e) => e.platform && classifyIndexEntry(e).role === 'platform').map((e) => formatPlatform(e.platform!));
        throw new AppError('not-found', `${ref.original} has no ${formatPlatform(wanted)} image.`, {
          hint: available.length ? `It has: ${available.join(', ')}.` : 'The index lists no platforms.',
          details: { available },
        });
      }
    }
    const children = await mapLimit(entries, concurrency, (entry) => expandEntry(entry, depth + 1));
    const node: IndexNode = { kind: 'index', role: 'index', ...descriptor, children, raw: text };
    if (platform) {
      node.platform = platform;
      node.platformLabel = formatPlatform(platform);
    }
    return node;
  };

  const expandEntry = async (entry: IndexEntry, depth: number): Promise<TreeNode> => {
    const descriptor = toDescriptor(entry);
    const { role, attests } = classifyIndexEntry(entry);
    const base = { descriptor, role, ...(entry.platform ? { platform: entry.platform } : {}), ...(attests ? { attests } : {}) };
    try {
      if (depth > MAX_DEPTH) throw new AppError('unsupported', `Indexes nested deeper than ${MAX_DEPTH} levels are not expanded.`, { hint: 'Inspect the inner index by its digest.' });
      const fetched = await client.getManifest(repo, entry.digest);
      if (fetched.size !== entry.size) {
        throw new AppError('registry-error', `Manifest ${entry.digest} is ${fetched.size} bytes, but its index says ${entry.size}.`, {
          hint: 'The index was assembled wrongly or the registry altered it; rebuild and push the index again.',
        });
      }
      const actual: Descriptor = { ...descriptor, mediaType: fetched.mediaType };
      if (isIndexMediaType(fetched.mediaType)) return await expandIndex(actual, fetched.text, fetched.json, depth, entry.platform);
      const config = withConfigs && role === 'platform' ? await fetchConfig(fetched.json, fetched.mediaType, entry.digest) : undefined;
      return buildManifestNode({ ...base, descriptor: actual, text: fetched.text, json: fetched.json, ...(config ? { config } : {}) });
    } catch (error) {
      const failed: ManifestNode = { kind: 'manifest', ...descriptor, role, layers: [], totalSize: 0, error: serializeError(error) };
      if (entry.platform) {
        failed.platform = entry.platform;
        failed.platformLabel = role === 'attestation' ? 'attestation' : formatPlatform(entry.platform);
      }
      if (attests) failed.attests = attests;
      return failed;
    }
  };

  const root = await client.getManifest(repo, ref.reference);
  const rootDescriptor: Descriptor = { mediaType: root.mediaType, digest: root.digest, size: root.size };
  let tree: TreeNode;
  if (isIndexMediaType(root.mediaType)) {
    tree = await expandIndex(rootDescriptor, root.text, root.json, 0);
  } else {
    const config = withConfigs ? await fetchConfig(root.json, root.mediaType, root.digest) : undefined;
    tree = buildManifestNode({ descriptor: rootDescriptor, role: 'platform', text: root.text, json: root.json, ...(config ? { config } : {}) });
    if (wanted && tree.platform && !platformMatches(tree.platform, wanted)) {
      throw new AppError('not-found', `${ref.original} is a single-platform image for ${formatPlatform(tree.platform)}, not ${formatPlatform(wanted)}.`, {
        hint: 'Inspect it without a platform, or build and push the platform you need.',
      });
    }
  }

  const sharedLayers = markSharedLayers(tree);
  const result: ImageInspection = {
    reference: ref.original,
    registry: ref.registry,
    repository: ref.repository,
    digest: root.digest,
    root: tree,
    platforms: platformNodes(tree).map((n) => n.platformLabel ?? 'unknown'),
    sharedLayers,
    commands: imagetoolsCommands(ref),
  };
  if (ref.tag !== undefined) result.tag = ref.tag;
  return result;
}

/** `docker buildx imagetools inspect` shows the same index; people can copy it. */
export function imagetoolsCommands(ref: ImageRef): { inspect: string[]; raw: string[] } {
  const target = ref.original || formatImageReference(ref);
  return {
    inspect: ['docker', 'buildx', 'imagetools', 'inspect', target],
    raw: ['docker', 'buildx', 'imagetools', 'inspect', '--raw', target],
  };
}

/** The `registry:inspect` handler: a client for the reference's own registry, then the tree. */
export async function inspectReference(
  input: { reference: string; platform?: string; insecure?: boolean },
  signal?: AbortSignal,
  makeClient: RegistryClientFactory = directClient,
): Promise<ImageInspection> {
  const ref = parseImageReference(input.reference);
  const client = await makeClient(ref.registry, { ...(input.insecure !== undefined ? { insecure: input.insecure } : {}), ...(signal ? { signal } : {}) });
  const inspection = await inspectImage(client, ref, input.platform !== undefined ? { platform: input.platform } : {});
  return client.plainHttpReason ? { ...inspection, plainHttpNote: client.plainHttpReason } : inspection;
}
