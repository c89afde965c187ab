export { createBuildHandlers, type BuildHandlers } from './handlers.js';
export { runBuild, prepareBuild, chooseBuilder, type BuildDeps, type BuilderChoice } from './run-build.js';
export { BuildProgressTracker, JsonObjectSplitter, parseVertexName, parseDockerfileError, parseErrorLine, type SolveStatus } from './rawjson.js';
export { buildFailedError } from './errors.js';
export { checkProject } from './check.js';
export * from '../commands/build.js';
