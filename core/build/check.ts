/**
 * `build:check`: finds and reads a project's Dockerfile and lints it, without the engine, so the Build view
 * can show the file and warn about a heredoc indented with spaces before anything is built.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BuildCheckResult } from '../contract/build.js';
import { AppError } from '../contract/errors.js';
import { lintDockerfile } from '../tutorial/lint.js';

/** A Dockerfile is a few kilobytes; more than this is not one worth showing line by line. */
export const CHECK_MAX_BYTES = 512 * 1024;

export async function checkProject(input: { context: string; dockerfile?: string | undefined }): Promise<BuildCheckResult> {
  const context = path.resolve(input.context);
  let info;
  try {
    info = await stat(context);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AppError('not-found', `The folder ${context} does not exist.`, {
        hint: 'Pick a folder that holds a Dockerfile, or create the sample project.',
      });
    }
    throw new AppError('invalid-input', `${context} cannot be read: ${(error as Error).message}`, { hint: 'Check the folder\'s permissions.' });
  }
  if (!info.isDirectory()) throw new AppError('invalid-input', `${context} is a file; the build context must be a folder.`, { hint: 'Pick the folder that holds the Dockerfile.' });

  const dockerfile = input.dockerfile ? path.resolve(context, input.dockerfile) : path.join(context, 'Dockerfile');
  let text: string;
  try {
    const handle = await open(dockerfile, 'r');
    try {
      const s = await handle.stat();
      if (s.isDirectory()) throw new AppError('invalid-input', `${dockerfile} is a folder, not a Dockerfile.`, { hint: 'Point at the Dockerfile itself.' });
      if (s.size > CHECK_MAX_BYTES) {
        throw new AppError('invalid-input', `${dockerfile} is ${s.size} bytes long, too big to be a Dockerfile.`, { hint: 'Point at the Dockerfile itself.' });
      }
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new AppError('not-found', input.dockerfile ? `${dockerfile} does not exist.` : `${context} has no Dockerfile.`, {
        hint: 'Pick a folder that holds a Dockerfile, or create the sample project there.',
      });
    }
    if (code === 'EISDIR') throw new AppError('invalid-input', `${dockerfile} is a folder, not a Dockerfile.`, { hint: 'Point at the Dockerfile itself.' });
    throw new AppError('invalid-input', `${dockerfile} cannot be read: ${(error as Error).message}`, { hint: 'Check the file\'s permissions.' });
  }
  return { context, dockerfile, text, warnings: lintDockerfile(text) };
}
