export { BuilderService, type BuilderServiceDeps } from './service.js';
export { createBuilderHandlers, type BuilderHandlers } from './handlers.js';
export { BINFMT_IMAGE, DEFAULT_BUILDKIT_IMAGE, MANAGED_LABEL } from './commands.js';
