/**
 * Follows every tag of a repository to what it reaches: manifests, the children each index names (platform
 * and attestation manifests), configs and layers. Garbage collection keeps exactly what this reaches; the
 * registry check reports, by tag, what of it the registry can no longer serve.
 */
import { AppError } from '../contract/errors.js';
import type { RegistryProblem, RegistryTagCheck } from '../contract/registry-check.js';
import type { RegistryClient } from './client.js';
import { formatPlatform } from '../platform.js';
import { classifyIndexEntry, parseManifestDocument } from './manifest.js';

export interface ReachedManifest {
  digest: string;
  mediaType: string;
  size: number;
  kind: 'index' | 'manifest';
  role: 'index' | 'platform' | 'attestation';
  platform?: string;
  /** In words: the tags and indexes through which a tag reaches it. */
  reachedBy: string[];
  /** Digests of the indexes that name it. */
  parents: string[];
  /** Digests an index names (empty for an image manifest). */
  children: string[];
  /** Config and layer digests of an image manifest. */
  blobs: string[];
  /** What is wrong with this manifest itself: a child or blob the registry cannot serve. */
  problems: RegistryProblem[];
}

export interface RepositoryWalk {
  repository: string;
  tags: RegistryTagCheck[];
  manifests: Map<string, ReachedManifest>;
  blobsChecked: number;
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

const REPUSH = 'Push the image again (a push uploads whatever the registry is missing), or delete the tag if you no longer need it.';

/** Walks one repository. With `headBlobs`, every config and layer is asked for with HEAD (the check); without, only manifests are read (enough for reachability). */
export async function walkRepository(client: RegistryClient, repository: string, options: { headBlobs: boolean; signal?: AbortSignal }): Promise<RepositoryWalk> {
  const manifests = new Map<string, ReachedManifest>();
  const blobState = new Map<string, Promise<{ exists: boolean; error?: string }>>();
  const tagList = (await client.tags(repository)).items;

  const headBlob = (digest: string) => {
    let known = blobState.get(digest);
    if (!known) {
      known = client.headBlob(repository, digest).then(
        (r) => ({ exists: r.exists }),
        (error: unknown) => ({ exists: false, error: error instanceof Error ? error.message : String(error) }),
      );
      blobState.set(digest, known);
    }
    return known;
  };

  /** Reads a manifest (once) and everything under it; returns its digest, or a problem when it cannot be read. */
  const visit = async (reference: string, via: string, parent: string | null, entry?: { platform?: string; role: 'platform' | 'attestation' }): Promise<ReachedManifest | AppError> => {
    if (options.signal?.aborted) throw new AppError('cancelled', 'The registry walk was cancelled.');
    const seen = manifests.get(reference);
    if (seen) {
      if (!seen.reachedBy.includes(via)) seen.reachedBy.push(via);
      if (parent && !seen.parents.includes(parent)) seen.parents.push(parent);
      return seen;
    }
    let fetched;
    try {
      fetched = await client.getManifest(repository, reference);
    } catch (error) {
      return error instanceof AppError ? error : new AppError('registry-error', String(error));
    }
    const again = manifests.get(fetched.digest);
    if (again) {
      if (!again.reachedBy.includes(via)) again.reachedBy.push(via);
      if (parent && !again.parents.includes(parent)) again.parents.push(parent);
      return again;
    }
    let parsed;
    try {
      parsed = parseManifestDocument(fetched.mediaType, fetched.json, `${repository}@${fetched.digest}`);
    } catch (error) {
      return error instanceof AppError ? error : new AppError('registry-error', String(error));
    }
    const node: ReachedManifest = {
      digest: fetched.digest,
      mediaType: fetched.mediaType,
      size: fetched.size,
      kind: parsed.kind,
      role: parsed.kind === 'index' ? 'index' : (entry?.role ?? 'platform'),
      ...(entry?.platform ? { platform: entry.platform } : {}),
      reachedBy: [via],
      parents: parent ? [parent] : [],
      children: [],
      blobs: [],
      problems: [],
    };
    manifests.set(fetched.digest, node);
    if (parsed.kind === 'index') {
      for (const child of parsed.manifests) {
        const { role } = classifyIndexEntry(child);
        const platform = role === 'platform' && child.platform ? formatPlatform(child.platform) : undefined;
        const what = role === 'attestation' ? 'attestation' : (platform ?? 'entry');
        node.children.push(child.digest);
        const result = await visit(child.digest, `${what} of index ${short(fetched.digest)} (${via})`, fetched.digest, { role, ...(platform ? { platform } : {}) });
        if (result instanceof AppError) {
          node.problems.push({
            kind: 'manifest',
            digest: child.digest,
            ...(platform ? { platform } : {}),
            message: `The index names the ${what} manifest ${child.digest}, and the registry cannot serve it: ${result.message}`,
            hint:
              result.code === 'not-found'
                ? `The manifest is gone while the index still names it (what the registry's own garbage-collect --delete-untagged does to multi-platform images). ${REPUSH}`
                : REPUSH,
          });
        }
      }
    } else {
      const parts: Array<{ kind: 'config' | 'layer'; digest: string }> = [
        { kind: 'config', digest: parsed.config.digest },
        ...parsed.layers.map((l) => ({ kind: 'layer' as const, digest: l.digest })),
      ];
      node.blobs = parts.map((p) => p.digest);
      if (options.headBlobs) {
        const states = await Promise.all(parts.map((p) => headBlob(p.digest)));
        parts.forEach((p, i) => {
          const state = states[i]!;
          if (state.exists) return;
          const where = node.platform ? ` of the ${node.platform} manifest` : '';
          node.problems.push({
            kind: p.kind,
            digest: p.digest,
            ...(node.platform ? { platform: node.platform } : {}),
            message: state.error ? `The ${p.kind} ${p.digest}${where} could not be checked: ${state.error}` : `The ${p.kind} blob ${p.digest}${where} is missing (HEAD answered 404).`,
            hint: REPUSH,
          });
        });
      }
    }
    return node;
  };

  const tags: RegistryTagCheck[] = [];
  for (const tag of tagList) {
    const root = await visit(tag, `tag ${tag}`, null);
    if (root instanceof AppError) {
      tags.push({
        repository,
        tag,
        digest: null,
        ok: false,
        manifests: 0,
        blobs: 0,
        problems: [{ kind: 'tag', digest: null, message: `The tag ${repository}:${tag} cannot be read: ${root.message}`, hint: root.hint ?? REPUSH }],
      });
      continue;
    }
    // everything under the tag, each manifest once
    const closure = new Set<string>();
    const stack = [root.digest];
    while (stack.length) {
      const d = stack.pop()!;
      if (closure.has(d)) continue;
      closure.add(d);
      stack.push(...(manifests.get(d)?.children.filter((c) => manifests.has(c)) ?? []));
    }
    const reached = [...closure].map((d) => manifests.get(d)!);
    const problems = reached.flatMap((m) => m.problems);
    tags.push({ repository, tag, digest: root.digest, ok: problems.length === 0, manifests: reached.length, blobs: new Set(reached.flatMap((m) => m.blobs)).size, problems });
  }
  return { repository, tags, manifests, blobsChecked: blobState.size };
}
