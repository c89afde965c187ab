/**
 * Whether the bundled command line (dist/cli-bundle, made by scripts/bundle-cli.mjs) was built from the compiled
 * sources that are in dist/ now. Node loads one bundled file much faster than the ~200 modules it is made of (issue
 * 15), but `tsc -b` alone (npm run typecheck) recompiles dist/ without rebundling, and a stale bundle would run old
 * code. The bundle step writes a stamp of the compile state (the size and time of each project's .tsbuildinfo,
 * which tsc rewrites whenever it emits); the launcher uses the bundle only when the stamp still matches.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The projects whose code the command line bundle holds. */
export const BUNDLED_PROJECTS = ['cli', 'core', 'server'] as const;

export function compileState(distDir: string): string | undefined {
  const parts: string[] = [];
  for (const project of BUNDLED_PROJECTS) {
    try {
      const s = statSync(path.join(distDir, '.tsbuild', `${project}.tsbuildinfo`));
      // whole milliseconds: copies and archives keep no finer time
      parts.push(`${project}:${s.size}:${Math.floor(s.mtimeMs)}`);
    } catch {
      return undefined;
    }
  }
  return parts.join(' ');
}

export const STAMP_FILE = 'compile-state.txt';

/** The bundle's folder when it matches dist/'s compile state; undefined to run the unbundled command line. */
export function freshBundleDir(distDir: string): string | undefined {
  const bundleDir = path.join(distDir, 'cli-bundle');
  try {
    const stamp = readFileSync(path.join(bundleDir, STAMP_FILE), 'utf8').trim();
    const now = compileState(distDir);
    return now !== undefined && stamp === now ? bundleDir : undefined;
  } catch {
    return undefined;
  }
}

/** The bundle's entry when it matches dist/'s compile state; undefined to run the unbundled command line. */
export function freshBundleEntry(distDir: string): string | undefined {
  const dir = freshBundleDir(distDir);
  return dir ? path.join(dir, 'main.js') : undefined;
}
