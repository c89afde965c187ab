/**
 * What cli/index.ts runs before the command line loads, for `builder ls` and `doctor` (issue 15): one module, so the
 * bundle step can make it one file (dist/cli-bundle/early/early.js; Node then reads one file instead of dozens).
 */
export { answerBuilderLs } from './lean-builder-ls.js';
export { answerDoctor } from './lean-doctor.js';
export { prestartBuildxLs } from './early-buildx-ls.js';
