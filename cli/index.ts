#!/usr/bin/env node
import { printError } from './output.js';
import { main } from './program.js';

main(process.argv).catch((error: unknown) => {
  process.exitCode = printError(error);
});
