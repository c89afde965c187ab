/**
 * Which manifests no tag reaches: every manifest in storage, minus what the tags reach through indexes, minus
 * manifests that refer to a reached one (an attestation or signature with a `subject`). Only those are
 * deleted, through the API; blob removal is left to the registry's plain garbage collection.
 */
import type { GcManifestEntry } from '../contract/registry-lifecycle.js';
import type { RegistryClient } from '../registry/client.js';
import { walkRepository, type ReachedManifest } from '../registry/walk.js';

export interface GcPlan {
  deletes: GcManifestEntry[];
  keeps: GcManifestEntry[];
}

function keptBecause(m: ReachedManifest): string {
  const role = m.role === 'index' ? 'index' : m.role === 'attestation' ? 'attestation manifest' : `${m.platform ?? 'image'} manifest`;
  return `${role}, reached by ${m.reachedBy.slice(0, 3).join('; ')}${m.reachedBy.length > 3 ? `; and ${m.reachedBy.length - 3} more` : ''}`;
}

/** Plans the untagged deletion from the registry's API (`client`) and the manifest revisions its storage holds. */
export async function planUntaggedDeletion(client: RegistryClient, stored: Map<string, string[]>, signal?: AbortSignal): Promise<GcPlan> {
  const deletes: GcManifestEntry[] = [];
  const keeps: GcManifestEntry[] = [];
  const repositories = new Set([...(await client.catalog({ pageSize: 1000 })).items, ...stored.keys()]);
  for (const repository of [...repositories].sort()) {
    const walk = await walkRepository(client, repository, { headBlobs: false, ...(signal ? { signal } : {}) });
    for (const m of walk.manifests.values()) {
      keeps.push({ repository, digest: m.digest, size: m.size, mediaType: m.mediaType, why: keptBecause(m) });
    }
    for (const digest of stored.get(repository) ?? []) {
      if (walk.manifests.has(digest)) continue;
      let size: number | null = null;
      let mediaType: string | null = null;
      let subject: string | null = null;
      try {
        const fetched = await client.getManifest(repository, digest);
        size = fetched.size;
        mediaType = fetched.mediaType;
        const s = (fetched.json as { subject?: { digest?: unknown } } | null)?.subject?.digest;
        subject = typeof s === 'string' ? s : null;
      } catch {
        // a revision whose manifest blob is gone: nothing reaches it either, and deleting the link is the cure
      }
      const reachedSubject = subject ? walk.manifests.get(subject) : undefined;
      if (reachedSubject) {
        keeps.push({ repository, digest, size, mediaType, why: `refers to ${subject} (its subject), which a tag reaches: ${keptBecause(reachedSubject)}` });
        continue;
      }
      deletes.push({
        repository,
        digest,
        size,
        mediaType,
        why: subject ? `no tag reaches it, nor its subject ${subject}` : 'no tag reaches it: no tag points at it and no tagged index names it',
      });
    }
  }
  return { deletes, keeps };
}
