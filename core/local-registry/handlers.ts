/** The channel handlers of the local registry container, built from the core's shared services. */
import type { Handlers } from '../dispatch.js';
import type { RegistryLifecycleDeps } from './container.js';
import { registryDown, registryVolumeUsage } from './down.js';
import { registryGc } from './gc.js';
import { registryStart, registryStatus, registryStop } from './status.js';
import { registryUp } from './up.js';

type LocalRegistryChannel = 'registry:up' | 'registry:status' | 'registry:stop' | 'registry:start' | 'registry:down' | 'registry:volume-usage' | 'registry:gc';

export function createLocalRegistryHandlers(deps: RegistryLifecycleDeps): Pick<Handlers, LocalRegistryChannel> {
  return {
    'registry:up': async (input, ctx) => registryUp(deps, input, ctx.signal),
    'registry:status': async (input, ctx) => registryStatus(deps, input, ctx.signal),
    'registry:stop': async (input, ctx) => registryStop(deps, input, ctx.signal),
    'registry:start': async (input, ctx) => registryStart(deps, input, ctx.signal),
    'registry:down': async (input, ctx) => registryDown(deps, input, ctx.signal),
    'registry:volume-usage': async (input, ctx) => registryVolumeUsage(deps, input, ctx.signal),
    'registry:gc': async (input, ctx) => registryGc(deps, input, ctx.signal),
  };
}
