/** The `builder:*` channel handlers, spread into the core's handler map. */
import type { builderChannels } from '../contract/builder.js';
import type { Handlers } from '../dispatch.js';
import { BuilderService, type BuilderServiceDeps } from './service.js';

export type BuilderHandlers = Pick<Handlers, keyof typeof builderChannels>;

export function createBuilderHandlers(deps: BuilderServiceDeps): BuilderHandlers {
  const service = new BuilderService(deps);
  return {
    'builder:list': async (_input, ctx) => service.list(ctx.signal),
    'builder:create': async (input, ctx) => service.create(input, ctx.signal),
    'builder:inspect': async ({ name }, ctx) => service.inspect(name, ctx.signal),
    'builder:use': async ({ name }, ctx) => service.use(name, ctx.signal),
    'builder:remove': async (input, ctx) => service.remove(input, ctx.signal),
    'builder:append-node': async (input, ctx) => service.appendNode(input, ctx.signal),
    'builder:emulators': async (_input, ctx) => service.emulators(ctx.signal),
    'builder:install-emulators': async (input, ctx) => service.installEmulators(input, ctx.signal),
    'builder:default-driver': async (_input, ctx) => service.defaultDriver(ctx.signal),
  };
}
