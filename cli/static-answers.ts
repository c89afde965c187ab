/**
 * Answers known without commander (issue 15): loading commander and the command table was most of what
 * `multiarch-lab --help` cost beyond Node's own start. Each answer is byte for byte what commander prints for
 * the same arguments (test/unit/cli/program.test.ts); anything else goes to the full program.
 */
import { appVersion } from '../core/version.js';
import { TOP_LEVEL_HELP } from './help-text.js';

/** stdout for these arguments (exit code 0), or undefined when commander must decide. */
export function staticAnswer(args: readonly string[], stdoutIsTerminal: boolean): string | undefined {
  if (args.length !== 1) return undefined;
  const [arg] = args;
  if (arg === '-V' || arg === '--version') return `${appVersion()}\n`;
  // on a terminal commander wraps the help to its width; the stored text is the one for anything else (80 columns)
  if (!stdoutIsTerminal && (arg === '--help' || arg === '-h' || arg === 'help')) return TOP_LEVEL_HELP;
  return undefined;
}
