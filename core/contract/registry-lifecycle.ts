/**
 * The local registry's lifecycle: bring it up (or adopt the one already there), look at it, stop,
 * start, take it down, and garbage-collect it. Spread into `channels` next to the registry browser.
 */
import * as z from 'zod';
import { ImageReference, Port, ResourceName } from './common.js';
import { channel, taskChannel } from './define.js';
import type { SerializedError } from './errors.js';
import type { RegistryCheckResult } from './registry-check.js';

export { REGISTRY_DATA_PATH, REGISTRY_CONTAINER_PORT } from './registry-paths.js';

export const RegistryUpInput = z
  .object({
    name: ResourceName.optional(),
    port: Port.optional(),
    volume: ResourceName.optional(),
    image: ImageReference.optional(),
    deleteEnabled: z.boolean().optional(),
  })
  .strict();
export const RegistryNameInput = z.object({ name: ResourceName.optional() }).strict();
export const RegistryDownInput = z
  .object({
    name: ResourceName.optional(),
    removeVolume: z.boolean().optional(),
    /** The volume to remove when the container is already gone; by default the one it mounts. */
    volume: ResourceName.optional(),
  })
  .strict();
/** Which volume: the one named, else the one the registry container mounts, else the settings' volume. */
export const RegistryVolumeUsageInput = z.object({ name: ResourceName.optional(), volume: ResourceName.optional() }).strict();
export const RegistryGcInput = z
  .object({
    name: ResourceName.optional(),
    /** Only report what would be deleted. */
    dryRun: z.boolean().optional(),
    /** Also delete manifests no tag points at (what deleting a tag leaves behind). */
    deleteUntagged: z.boolean().optional(),
  })
  .strict();

export type RegistryUpRequest = z.infer<typeof RegistryUpInput>;

export interface RegistryUpResult {
  name: string;
  containerId: string;
  image: string;
  /** host:port to tag and push to, e.g. localhost:5000. */
  address: string;
  port: number;
  volume: string | null;
  /** An existing registry container with that name was reused instead of creating one. */
  adopted: boolean;
  /** A stopped container was started. */
  started: boolean;
  /** The image was pulled because it was missing. */
  pulled: boolean;
  deleteEnabled: boolean;
  healthy: boolean;
  /** What happened, in a sentence. */
  message: string;
  /** Where an adopted container differs from what was asked (port, volume, deletes). */
  notes: string[];
  /** What to do next, as a command. */
  nextStep: string[];
}

export interface RegistryHealth {
  /** GET /v2/ answered 200 with the Docker-Distribution-Api-Version header. */
  ok: boolean;
  status: number | null;
  apiVersionHeader: string | null;
  error?: SerializedError;
}

export interface RegistryVolumeInfo {
  name: string;
  exists: boolean;
  /** Bytes the volume holds, as the engine measures it; null when the engine did not say. */
  sizeBytes: number | null;
  managed: boolean;
}

export type RegistryStatus =
  | {
      exists: false;
      name: string;
      message: string;
      hint: string;
      /** A registry that answers at the configured port all the same (another container, or a process). */
      answering?: { address: string; container?: string; health: RegistryHealth };
    }
  | {
      exists: true;
      name: string;
      containerId: string;
      image: string;
      /** False when a container holds the name but is not a registry (then no health is asked). */
      isRegistry: boolean;
      /** The engine's state: running, exited, restarting, paused, created, dead. */
      state: string;
      running: boolean;
      restartPolicy: string;
      /** host:port where the registry is published, or null when the port is not published. */
      address: string | null;
      port: number | null;
      volume: RegistryVolumeInfo | null;
      health: RegistryHealth | null;
      repositories: number | null;
      deleteEnabled: boolean;
      /** Multiarch Lab created it (it carries our labels). */
      managed: boolean;
      startedAt: string | null;
      /** The collector this container gets (its own program, config and image), as a one-off `docker run --volumes-from`. */
      gcCommand?: string[];
    };

export interface RegistryVolumeUsage {
  volume: string;
  exists: boolean;
  sizeBytes: number | null;
  /** The repositories stored in it; null when they could not be listed. */
  repositories: string[] | null;
  /** How the list was read: from the running registry, from the volume's folder, or not at all. */
  repositoriesFrom: 'registry' | 'volume-folder' | null;
  /** The containers that mount the volume. */
  usedBy: string[];
}

export interface RegistryStateChange {
  name: string;
  state: string;
  /** False when it already was in the asked state. */
  changed: boolean;
  healthy?: boolean;
}

export interface RegistryDownResult {
  name: string;
  removedContainer: boolean;
  volume: string | null;
  removedVolume: boolean;
  /** What went with the volume (only when it was removed). */
  lost: RegistryVolumeUsage | null;
  message: string;
}

/** A manifest garbage collection deletes or keeps, and why. */
export interface GcManifestEntry {
  repository: string;
  digest: string;
  /** Bytes of the manifest itself; null when the registry could not serve it. */
  size: number | null;
  mediaType: string | null;
  why: string;
}

export interface RegistryGcResult {
  name: string;
  /** The collector as it ran (a one-off container on the registry's volumes), to copy. */
  command: string[];
  exitCode: number;
  dryRun: boolean;
  blobsMarked: number | null;
  blobsEligible: number | null;
  manifestsEligible: number | null;
  output: string;
  deleteUntagged: boolean;
  /** With deleteUntagged: the manifests no tag reaches (deleted, or to be deleted in a dry run). */
  untagged: GcManifestEntry[] | null;
  /** With deleteUntagged: the manifests a tag reaches, which stay. */
  kept: GcManifestEntry[] | null;
  /** The registry was stopped while the collector ran (pushes failed meanwhile), then started again. */
  outOfService: boolean;
  /** How the registry was left: as it was found. */
  runningAfter: boolean;
  /** The registry check run after the collection (null for a dry run or when no API could be reached). */
  check: RegistryCheckResult | null;
  message: string;
}

export const registryLifecycleChannels = {
  'registry:up': taskChannel<RegistryUpResult>()('registry:up', RegistryUpInput),
  'registry:status': channel<RegistryStatus>()(RegistryNameInput),
  'registry:stop': channel<RegistryStateChange>()(RegistryNameInput),
  'registry:start': channel<RegistryStateChange>()(RegistryNameInput),
  'registry:down': channel<RegistryDownResult>()(RegistryDownInput),
  'registry:volume-usage': channel<RegistryVolumeUsage>()(RegistryVolumeUsageInput),
  'registry:gc': taskChannel<RegistryGcResult>()('registry:gc', RegistryGcInput),
} as const;
