/**
 * Where the main process finds its preload script and the renderer, from the folder of the built
 * main module (dist/electron/main). The same layout holds in the source checkout's dist/ and inside
 * a packaged app.asar; test/integration/packaging.test.ts checks it against a real package.
 */
import path from 'node:path';

export interface AppPaths {
  preload: string;
  rendererDir: string;
}

export function appPaths(mainDir: string): AppPaths {
  return {
    preload: path.join(mainDir, '..', 'preload', 'index.cjs'),
    rendererDir: path.join(mainDir, '..', '..', 'renderer'),
  };
}
