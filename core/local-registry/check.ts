/**
 * The registry check: every tag walked to its manifests, configs and layers (HEAD on each blob), and what is
 * broken reported by tag with what to do.
 */
import { AppError } from '../contract/errors.js';
import type { RegistryCheckResult, RegistryTagCheck } from '../contract/registry-check.js';
import { RegistryClient } from '../registry/client.js';
import { walkRepository } from '../registry/walk.js';
import { publishedRegistryPort } from './container-facts.js';
import { type RegistryLifecycleDeps, requireRegistry, resolveName } from './container.js';
import { httpAddress } from './health.js';

/** Walks every repository of the registry at `address` (plain HTTP, as our registry speaks). */
export async function checkRegistryAt(address: string, signal?: AbortSignal): Promise<RegistryCheckResult> {
  const client = new RegistryClient({ registry: address, insecure: true, timeoutMs: 30_000, ...(signal ? { signal } : {}) });
  const repositories = (await client.catalog({ pageSize: 1000 })).items;
  const tags: RegistryTagCheck[] = [];
  let manifestsChecked = 0;
  let blobsChecked = 0;
  for (const repository of repositories) {
    const walk = await walkRepository(client, repository, { headBlobs: true, ...(signal ? { signal } : {}) });
    tags.push(...walk.tags);
    manifestsChecked += walk.manifests.size;
    blobsChecked += walk.blobsChecked;
  }
  const broken = tags.filter((t) => !t.ok);
  const summary =
    tags.length === 0
      ? `${address} holds no tags: nothing to check.`
      : broken.length === 0
        ? `All ${tags.length} ${tags.length === 1 ? 'tag' : 'tags'} in ${repositories.length} ${repositories.length === 1 ? 'repository' : 'repositories'} are whole: ${manifestsChecked} manifests read, ${blobsChecked} blobs found.`
        : `${broken.length} of ${tags.length} tags are broken: ${broken.slice(0, 5).map((t) => `${t.repository}:${t.tag}`).join(', ')}${broken.length > 5 ? ', …' : ''}.`;
  return { registry: client.registry, checkedAt: new Date().toISOString(), repositories: repositories.length, tags, manifestsChecked, blobsChecked, ok: broken.length === 0, summary };
}

/** The check of the local registry container (or of the address given). */
export async function registryCheck(deps: RegistryLifecycleDeps, input: { name?: string; registry?: string }, signal?: AbortSignal): Promise<RegistryCheckResult> {
  if (input.registry) return checkRegistryAt(input.registry, signal);
  const { name, settingsName } = await resolveName(deps, input.name);
  const connection = await deps.engine.connect(signal);
  const info = await requireRegistry(deps, connection.docker, name, settingsName);
  const published = publishedRegistryPort(info);
  if (!info.State.Running || !published) {
    throw new AppError('conflict', `The registry ${name} is ${info.State.Running ? 'not published on a host port' : 'not running'}, so it cannot be checked.`, {
      hint: info.State.Running ? `Publish its port, or check it by address: multiarch-lab registry check --registry HOST:PORT` : `Start it first: multiarch-lab registry start${name !== settingsName ? ` --name ${name}` : ''}`,
    });
  }
  return checkRegistryAt(httpAddress(connection, published), signal);
}
