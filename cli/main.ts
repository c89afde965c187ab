/**
 * The command line past the answers known without it (static-answers.ts), unbundled: what dist/cli/index.js runs
 * when the bundle is missing or older than the compiled sources (see bundle-stamp.ts), and what the bundle is built
 * from (scripts/bundle-cli.mjs).
 */
import { main } from './program.js';

main(process.argv).catch(async (error: unknown) => {
  // loaded only on this path: the error printer pulls in the core's error serializer
  const { printError } = await import('./output.js');
  process.exitCode = printError(error);
});
