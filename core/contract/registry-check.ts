/**
 * What a walk of the registry finds: every tag followed to its manifests, configs and layers. The check
 * reports what is broken by tag; garbage collection uses the same walk to know what a tag still reaches.
 */
import * as z from 'zod';
import { ResourceName } from './common.js';
import { channel } from './define.js';
import { RegistryAddress } from './registry.js';

export const RegistryCheckInput = z
  .object({
    /** The registry container (default from settings). */
    name: ResourceName.optional(),
    /** Check this address instead of the container's published one. */
    registry: RegistryAddress.optional(),
  })
  .strict();

export type RegistryProblemKind = 'tag' | 'manifest' | 'config' | 'layer';

export interface RegistryProblem {
  kind: RegistryProblemKind;
  /** The digest that is missing or unreadable; null when the tag itself could not be read. */
  digest: string | null;
  /** The platform of the manifest concerned, when an index names it. */
  platform?: string;
  message: string;
  /** What to do about it. */
  hint: string;
}

export interface RegistryTagCheck {
  repository: string;
  tag: string;
  /** What the tag points at; null when the registry could not serve it. */
  digest: string | null;
  ok: boolean;
  manifests: number;
  blobs: number;
  problems: RegistryProblem[];
}

export interface RegistryCheckResult {
  /** host:port that was walked. */
  registry: string;
  checkedAt: string;
  repositories: number;
  tags: RegistryTagCheck[];
  /** Distinct manifests and blobs that were read or asked for (HEAD). */
  manifestsChecked: number;
  blobsChecked: number;
  ok: boolean;
  /** One sentence: how many tags, how many broken. */
  summary: string;
}

export const registryCheckChannels = {
  'registry:check': channel<RegistryCheckResult>()(RegistryCheckInput),
} as const;
