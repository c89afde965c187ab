/** The channel handlers of the Distribution API: what a registry holds, read and deleted over HTTP. */
import type { Handlers } from '../dispatch.js';
import { directClient, listRepositories, listTags, type RegistryClientFactory } from './client.js';
import { deleteFromRegistry } from './delete.js';
import { inspectReference } from './manifest.js';

type RegistryApiChannel = 'registry:catalog' | 'registry:tags' | 'registry:inspect' | 'registry:delete';

/** `makeClient` picks HTTP or HTTPS from the app's one plain-HTTP list (plain-http-sources.ts). */
export function createRegistryHandlers(makeClient: RegistryClientFactory = directClient): Pick<Handlers, RegistryApiChannel> {
  return {
    'registry:catalog': async (input, ctx) => listRepositories(input, ctx.signal, makeClient),
    'registry:tags': async (input, ctx) => listTags(input, ctx.signal, makeClient),
    'registry:inspect': async (input, ctx) => inspectReference(input, ctx.signal, makeClient),
    'registry:delete': async (input, ctx) => deleteFromRegistry(input, ctx.signal, makeClient),
  };
}
