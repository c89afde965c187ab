/**
 * What cli/index.ts runs for `doctor` before the command line loads (issue 15): one module, bundled into one file of
 * its own (dist/cli-bundle/early-doctor/), with the Doctor's modules and nothing of the other commands.
 */
export { answerDoctor as answer } from './lean-doctor.js';
export { prestartBuildxLs } from './early-buildx-ls.js';
