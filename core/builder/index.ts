export { BuilderService, type BuilderServiceDeps } from './service.js';
export { createBuilderHandlers, type BuilderHandlers } from './handlers.js';
export { BINFMT_IMAGE, DEFAULT_BUILDKIT_IMAGE } from '../commands/builder.js';
