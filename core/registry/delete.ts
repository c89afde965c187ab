/**
 * Deleting from the registry browser without breaking what stays: a platform manifest that a tagged index still
 * names is refused (deleting it would leave that index pointing at nothing), and deleting an index offers to
 * take along the manifests only it reaches.
 */
import { AppError } from '../contract/errors.js';
import type { RegistryDeleteEntry, RegistryDeleteResult } from '../contract/registry.js';
import { directClient, type RegistryClientFactory } from './client.js';
import { parseImageReference } from './reference.js';
import { walkRepository, type ReachedManifest } from './walk.js';

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

function entryOf(m: ReachedManifest, why: string): RegistryDeleteEntry {
  return { digest: m.digest, role: m.role, ...(m.platform ? { platform: m.platform } : {}), why };
}

export interface DeleteRequest {
  reference: string;
  insecure?: boolean;
  plan?: boolean;
  withChildren?: boolean;
}

export async function deleteFromRegistry(input: DeleteRequest, signal?: AbortSignal, makeClient: RegistryClientFactory = directClient): Promise<RegistryDeleteResult> {
  const ref = parseImageReference(input.reference);
  const client = await makeClient(ref.registry, { ...(input.insecure !== undefined ? { insecure: input.insecure } : {}), ...(signal ? { signal } : {}) });
  const repository = ref.repository;
  const digest = ref.digest ?? (await client.getManifest(repository, ref.reference)).digest;
  const walk = await walkRepository(client, repository, { headBlobs: false, ...(signal ? { signal } : {}) });
  const tagsOf = (d: string) => walk.tags.filter((t) => t.digest === d).map((t) => t.tag);
  const target = walk.manifests.get(digest);
  const tags = tagsOf(digest);

  const namedBy = target?.parents ?? [];
  if (target && namedBy.length > 0) {
    const names = namedBy.map((p) => {
      const t = tagsOf(p);
      return `${short(p)}${t.length ? ` (${t.map((x) => `${repository}:${x}`).join(', ')})` : ''}`;
    });
    throw new AppError('conflict', `The ${target.platform ?? target.role} manifest ${digest} is named by the index ${names.join(' and the index ')}; deleting it would leave that index pointing at nothing, so it was kept.`, {
      hint: 'Delete the index instead (it offers to take along the platforms only it reaches), or push a new index without this platform first.',
      details: { digest, indexes: namedBy.map((p) => ({ digest: p, tags: tagsOf(p) })) },
    });
  }

  const deletes: RegistryDeleteEntry[] = [];
  const keeps: RegistryDeleteEntry[] = [];
  const only: RegistryDeleteEntry[] = [];
  const tagWords = tags.length ? `the ${tags.length === 1 ? 'tag' : 'tags'} ${tags.join(', ')} ${tags.length === 1 ? 'goes' : 'go'} with it` : 'no tag points at it';
  if (target) deletes.push(entryOf(target, `asked for; ${tagWords}`));
  else deletes.push({ digest, role: 'platform', why: `asked for; ${tagWords}` });

  if (target?.kind === 'index') {
    for (const childDigest of target.children) {
      const child = walk.manifests.get(childDigest);
      if (!child) continue;
      const otherParents = child.parents.filter((p) => p !== digest);
      const childTags = tagsOf(childDigest);
      if (otherParents.length || childTags.length) {
        const why = [
          ...otherParents.map((p) => `the index ${short(p)}${tagsOf(p).length ? ` (${tagsOf(p).join(', ')})` : ''} names it too`),
          ...childTags.map((t) => `the tag ${t} points at it`),
        ].join('; ');
        keeps.push(entryOf(child, why));
        continue;
      }
      const entry = entryOf(child, `only this index reaches it`);
      only.push(entry);
      if (input.withChildren) deletes.push(entry);
      else keeps.push({ ...entry, why: 'only this index reaches it; kept because deleting it along was not asked (garbage collection with untagged deletion removes it later)' });
    }
  }

  const result: RegistryDeleteResult = { repository, digest, tags, deletes, keeps, onlyReachedByThis: only };
  if (input.plan) return { ...result, planned: true };
  // the index first, so no moment exists where a tagged index names a deleted manifest
  for (const entry of deletes) await client.deleteManifest(repository, entry.digest);
  return result;
}
