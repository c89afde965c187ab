#!/usr/bin/env node
import { staticAnswer } from './static-answers.js';

const answer = staticAnswer(process.argv.slice(2), process.stdout.isTTY === true);
if (answer !== undefined) {
  process.stdout.write(answer);
} else {
  // commander and the command table load only here
  import('./program.js')
    .then(({ main }) => main(process.argv))
    .catch(async (error: unknown) => {
      // loaded only on this path: the error printer pulls in the core's error serializer
      const { printError } = await import('./output.js');
      process.exitCode = printError(error);
    });
}
