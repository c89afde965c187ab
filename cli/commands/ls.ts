/**
 * `multiarch-lab ls [REGISTRY|REGISTRY/REPOSITORY|REPOSITORY]`: the repositories of a registry (with
 * their tags), or the tags of one repository. Without an argument: the local registry from the settings.
 */
import type { Command } from 'commander';
import type { Core } from '../../core/index.js';
import type { RegistryTags } from '../../core/contract/registry.js';
import { withCore } from '../core-session.js';
import { printJson, processStreams, runAction } from '../output.js';

interface LsFlags {
  json?: boolean;
  insecure?: boolean;
  limit?: number;
}

export interface LsTarget {
  registry: string;
  repository?: string;
}

/** Like the docker CLI: the first part is a registry only when it looks like a host. */
function looksLikeHost(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part.startsWith('[');
}

/** Splits the argument into a registry and maybe a repository; a bare repository lives in the default registry. */
export function parseLsTarget(arg: string | undefined, defaultRegistry: string): LsTarget {
  if (!arg) return { registry: defaultRegistry };
  const text = arg.replace(/\/+$/, '');
  const slash = text.indexOf('/');
  const first = slash === -1 ? text : text.slice(0, slash);
  if (looksLikeHost(first)) return slash === -1 ? { registry: first } : { registry: first, repository: text.slice(slash + 1) };
  return { registry: defaultRegistry, repository: text };
}

async function tagsOf(core: Core, registry: string, repository: string, insecure: boolean | undefined): Promise<RegistryTags | { error: string }> {
  try {
    return await core.call('registry:tags', { registry, repository, ...(insecure ? { insecure } : {}) });
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const TAGS_FOR_AT_MOST = 50;

export function registerLsCommand(program: Command): void {
  program
    .command('ls')
    .description('list the repositories of a registry, or the tags of a repository (default: the local registry)')
    .argument('[target]', 'REGISTRY (localhost:5000), REGISTRY/REPOSITORY, or a REPOSITORY in the local registry')
    .option('--insecure', 'plain HTTP for this call only, for a registry not in the plain-HTTP list (see: settings plain-http)')
    .option('--limit <n>', 'list at most this many entries', (v) => (/^\d+$/.test(v) ? Number(v) : Number.NaN))
    .option('--json', 'print the answer as JSON')
    .action(async (target: string | undefined, flags: LsFlags) => {
      await runAction(flags, () =>
        withCore('cli', async (core) => {
          const settings = await core.call('settings:get', {});
          const where = parseLsTarget(target, `localhost:${settings.registry.port}`);
          const common = { ...(flags.insecure ? { insecure: true } : {}), ...(flags.limit !== undefined ? { limit: flags.limit } : {}) };
          const out = (t: string) => processStreams.stdout(t);

          if (where.repository !== undefined) {
            const tags = await core.call('registry:tags', { registry: where.registry, repository: where.repository, ...common });
            if (flags.json) {
              printJson(tags);
              return;
            }
            if (tags.plainHttpNote) processStreams.stderr(`note: ${tags.plainHttpNote}.\n`);
            if (tags.tags.length === 0) out(`${tags.registry}/${tags.repository} has no tags.\n`);
            for (const tag of tags.tags) out(`${tags.registry}/${tags.repository}:${tag}\n`);
            if (tags.truncated) out(`(stopped after ${tags.tags.length}; raise --limit to see more)\n`);
            return;
          }

          const catalog = await core.call('registry:catalog', { registry: where.registry, ...common });
          if (flags.json) {
            printJson(catalog);
            return;
          }
          if (catalog.plainHttpNote) processStreams.stderr(`note: ${catalog.plainHttpNote}.\n`);
          if (catalog.repositories.length === 0) {
            out(`${catalog.registry} holds no repositories yet.\nPush one: docker push ${catalog.registry}/NAME:TAG\n`);
            return;
          }
          const withTags = catalog.repositories.length <= TAGS_FOR_AT_MOST;
          const width = Math.max(...catalog.repositories.map((r) => r.length));
          for (const repo of catalog.repositories) {
            if (!withTags) {
              out(`${repo}\n`);
              continue;
            }
            const tags = await tagsOf(core, catalog.registry, repo, flags.insecure);
            out(`${repo.padEnd(width)}  ${'error' in tags ? `(tags not readable: ${tags.error})` : tags.tags.length ? tags.tags.join(', ') : '(no tags)'}\n`);
          }
          out(`${catalog.repositories.length} ${catalog.repositories.length === 1 ? 'repository' : 'repositories'} in ${catalog.registry}${catalog.truncated ? ' (more not listed: raise --limit)' : ''}.\n`);
          if (!withTags) out(`Tags of one: multiarch-lab ls ${catalog.registry}/REPOSITORY\n`);
        }),
      );
    });
}
