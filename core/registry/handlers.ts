/** The channel handlers of the Distribution API: what a registry holds, read and deleted over HTTP. */
import type { Handlers } from '../dispatch.js';
import { deleteImage, listRepositories, listTags } from './client.js';
import { inspectReference } from './manifest.js';

type RegistryApiChannel = 'registry:catalog' | 'registry:tags' | 'registry:inspect' | 'registry:delete';

export function createRegistryHandlers(): Pick<Handlers, RegistryApiChannel> {
  return {
    'registry:catalog': async (input, ctx) => listRepositories(input, ctx.signal),
    'registry:tags': async (input, ctx) => listTags(input, ctx.signal),
    'registry:inspect': async (input, ctx) => inspectReference(input, ctx.signal),
    'registry:delete': async (input, ctx) => deleteImage(input, ctx.signal),
  };
}
