#!/usr/bin/env node
import { main } from './program.js';

main(process.argv).catch(async (error: unknown) => {
  // loaded only on this path: the error printer pulls in the core's error serializer
  const { printError } = await import('./output.js');
  process.exitCode = printError(error);
});
