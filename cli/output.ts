/**
 * CLI-wide output rules, in one place: results on stdout; errors on stderr as `error:` and `hint:` lines,
 * or as the serialized error in JSON when the command was asked for JSON; exit code 1 on any error.
 */
import { serializeError, type SerializedError } from '../core/contract/errors.js';

export interface OutputOptions {
  json?: boolean;
}

export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processStreams: Streams = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Prints an error the way every command does and returns the exit code to use. */
export function printError(error: unknown, opts: OutputOptions = {}, streams: Streams = processStreams): number {
  const serialized = serializeError(error);
  if (opts.json) {
    streams.stderr(`${JSON.stringify(serialized, null, 2)}\n`);
  } else {
    streams.stderr(formatError(serialized));
  }
  return 1;
}

export function formatError(error: SerializedError): string {
  let text = `error: ${error.message}\n`;
  if (error.hint) text += `hint: ${error.hint}\n`;
  return text;
}

export function printJson(value: unknown, streams: Streams = processStreams): void {
  streams.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Runs a command body and turns its outcome into the process exit code. The exit code is set rather than
 * calling process.exit(), so buffered output is written before the process ends.
 */
export async function runAction(opts: OutputOptions, body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? 0;
  } catch (error) {
    process.exitCode = printError(error, opts);
  }
}
