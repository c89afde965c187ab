/**
 * How to call this app's command line on this machine, as the first words of a printed command: the
 * `multiarch-lab` command when it is on PATH (npm link, a global install), else node with the absolute path
 * of the CLI this checkout built, else npx from the checkout. A command the app prints must run as printed.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = 'multiarch-lab';

/** The first executable `name` on PATH, or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((e) => e.toLowerCase()) : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      try {
        accessSync(file, platform === 'win32' ? constants.F_OK : constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** The checkout (or installed package) this module belongs to: the folder whose package.json is ours. */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === BIN) return dir;
    } catch {
      // go up
    }
    dir = path.dirname(dir);
  }
  return null;
}

export interface CliInvocation {
  /** The words a printed command starts with, e.g. ['multiarch-lab'] or ['node', '/abs/dist/cli/index.js']. */
  prefix: string[];
  /** Which form was found, and why. */
  how: 'path' | 'node' | 'npx';
}

export function cliInvocation(env: NodeJS.ProcessEnv = process.env, root: string | null = packageRoot()): CliInvocation {
  if (findOnPath(BIN, env)) return { prefix: [BIN], how: 'path' };
  const cli = root ? path.join(root, 'dist', 'cli', 'index.js') : null;
  if (cli && existsSync(cli) && !cli.includes(`.asar${path.sep}`)) {
    // a node on PATH is what a terminal runs; else the node running us (not Electron's binary)
    const node = findOnPath('node', env) ? 'node' : process.versions.electron ? 'node' : process.execPath;
    return { prefix: [node, cli], how: 'node' };
  }
  return { prefix: ['npx', BIN], how: 'npx' };
}
