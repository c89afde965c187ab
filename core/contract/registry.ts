/**
 * The registry browser: what the core answers about images stored in a Distribution/OCI registry,
 * and the channels that ask for it. The lead spreads `registryBrowserChannels` into `channels`.
 */
import * as z from 'zod';
import { ImageReference, PlatformString } from './common.js';
import { channel } from './define.js';
import type { SerializedError } from './errors.js';

/** host[:port], a bracketed IPv6 address with a port, or `docker.io`: where a registry answers. */
export const RegistryAddress = z
  .string()
  .min(1)
  .max(255)
  .regex(
    /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/,
    'a registry address looks like host[:port], e.g. localhost:5000 or registry.example.com',
  );

/** A repository path inside a registry, e.g. `library/busybox` or `team/app`. */
export const RepositoryName = z
  .string()
  .min(1)
  .max(255)
  .regex(
    /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/,
    'a repository name is lowercase path components separated by "/", e.g. team/app',
  );

const insecure = z
  .boolean()
  .optional()
  .describe('talk plain HTTP to a registry other than localhost (which always uses HTTP)');

export const RegistryCatalogInput = z
  .object({ registry: RegistryAddress, insecure, limit: z.number().int().min(1).max(100_000).optional() })
  .strict();
export const RegistryTagsInput = z
  .object({ registry: RegistryAddress, repository: RepositoryName, insecure, limit: z.number().int().min(1).max(100_000).optional() })
  .strict();
export const RegistryInspectInput = z
  .object({ reference: ImageReference, platform: PlatformString.optional(), insecure })
  .strict();
/** A tag reference deletes the manifest the tag points at (and with it every tag on that manifest). */
export const RegistryDeleteInput = z
  .object({
    reference: ImageReference,
    insecure,
    /** Only say what would go and what stays; delete nothing. */
    plan: z.boolean().optional(),
    /** Deleting an index: also delete the manifests it names that nothing else reaches. */
    withChildren: z.boolean().optional(),
  })
  .strict();

export interface RegistryPing {
  ok: boolean;
  status: number;
  /** The `Docker-Distribution-Api-Version` header, e.g. `registry/2.0`; null when absent. */
  apiVersionHeader: string | null;
  /** True when the registry asked for credentials that we could not provide. */
  authRequired: boolean;
}

export interface RegistryCatalog {
  registry: string;
  repositories: string[];
  /** Why this registry was read over plain HTTP, when it is not on loopback. */
  plainHttpNote?: string;
  /** True when `limit` stopped the listing before the registry ran out of pages. */
  truncated: boolean;
}

export interface RegistryTags {
  registry: string;
  repository: string;
  tags: string[];
  /** Why this registry was read over plain HTTP, when it is not on loopback. */
  plainHttpNote?: string;
  truncated: boolean;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface PlatformInfo {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

/** The parts of an image config a person looks at first. */
export interface ImageConfigSummary {
  architecture: string;
  os: string;
  variant?: string;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  workingDir?: string;
  user?: string;
  created?: string;
  labels?: Record<string, string>;
}

export interface LayerNode extends Descriptor {
  /** True when the same layer digest appears under more than one platform of the index. */
  shared: boolean;
  /** The other platforms holding this layer (only when shared). */
  sharedWith?: string[];
}

export interface ConfigNode extends Descriptor {
  summary: ImageConfigSummary | null;
  /** The config blob exactly as the registry served it; absent when it was not fetched. */
  raw?: string;
  error?: SerializedError;
}

/** An image manifest: one platform of an index, an attestation, or a single-platform image. */
export interface ManifestNode extends Descriptor {
  kind: 'manifest';
  /** `platform` for a runnable image, `attestation` for build provenance/SBOM entries. */
  role: 'platform' | 'attestation';
  /** os/arch[/variant] as written in the index, or read from the config for a single manifest. */
  platform?: PlatformInfo;
  platformLabel?: string;
  /** For attestations: the digest of the platform manifest it describes. */
  attests?: string;
  config?: ConfigNode;
  layers: LayerNode[];
  /** Compressed bytes a pull of this platform transfers: config plus layers. */
  totalSize: number;
  /** The manifest exactly as the registry served it. */
  raw?: string;
  /** Set when this child could not be fetched; the rest of the tree is still shown. */
  error?: SerializedError;
}

export interface IndexNode extends Descriptor {
  kind: 'index';
  role: 'index';
  platform?: PlatformInfo;
  platformLabel?: string;
  children: TreeNode[];
  raw?: string;
  error?: SerializedError;
}

export type TreeNode = IndexNode | ManifestNode;

export interface ImageInspection {
  /** The reference as the user wrote it. */
  reference: string;
  registry: string;
  repository: string;
  tag?: string;
  digest: string;
  root: TreeNode;
  /** The platforms of the image, attestations left out, e.g. ['linux/amd64', 'linux/arm/v7']. */
  platforms: string[];
  /** Layer digests present under more than one platform. */
  sharedLayers: string[];
  /** The same look through the docker CLI, as argument arrays ready to show and copy. */
  commands: { inspect: string[]; raw: string[] };
  /** Why this registry was read over plain HTTP, when it is not on loopback. */
  plainHttpNote?: string;
}

/** A manifest a delete removes, or keeps, and why. */
export interface RegistryDeleteEntry {
  digest: string;
  role: 'index' | 'platform' | 'attestation';
  platform?: string;
  why: string;
}

export interface RegistryDeleteResult {
  repository: string;
  digest: string;
  /** Only planned: nothing was deleted. */
  planned?: boolean;
  /** The tags that point at the manifest (they all go with it: the API has no untag). */
  tags?: string[];
  /** What goes (or would go): the manifest, and with withChildren the children only it reaches. */
  deletes?: RegistryDeleteEntry[];
  /** Children of an index that stay, and why (another index or a tag still reaches them, or withChildren was not asked). */
  keeps?: RegistryDeleteEntry[];
  /** Children only this index reaches, offered to go with it. */
  onlyReachedByThis?: RegistryDeleteEntry[];
}

export const registryBrowserChannels = {
  'registry:catalog': channel<RegistryCatalog>()(RegistryCatalogInput),
  'registry:tags': channel<RegistryTags>()(RegistryTagsInput),
  'registry:inspect': channel<ImageInspection>()(RegistryInspectInput),
  'registry:delete': channel<RegistryDeleteResult>()(RegistryDeleteInput),
} as const;
