/**
 * What cli/index.ts runs for `builder ls` before the command line loads (issue 15): one module, bundled into one file
 * of its own (dist/cli-bundle/early-builder-ls/), so Node reads one small file instead of a dozen.
 */
export { answerBuilderLs as answer } from './lean-builder-ls.js';
export { prestartBuildxLs } from './early-buildx-ls.js';
