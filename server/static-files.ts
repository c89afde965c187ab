import { createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Files up to this size (every file of the built renderer) are read in one synchronous call and sent whole; larger
 * ones are streamed. A page's first files are asked for while browser mode's server is still loading the core and
 * running the Doctor (issue 15): each awaited file operation then waits for a turn of a busy event loop (a stat, an
 * open, every 64 KB read, a close), and the page's script arrived up to 130 ms after it was asked for. A synchronous
 * stat or read of a local file of a few hundred KB takes well under a millisecond.
 */
export const READ_WHOLE_MAX_BYTES = 4 * 1024 * 1024;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticLookup =
  | { kind: 'file'; file: string; size: number; isIndex: boolean }
  | { kind: 'bad-path' }
  | { kind: 'not-found' }
  | { kind: 'no-build' };

/**
 * Maps a URL path to a file inside `root`, or says why not.
 * Paths with `..`, NUL bytes or encoded separators are refused outright rather than normalised,
 * so no spelling of a path can climb out of the folder. Directories are never listed.
 * Paths without a file extension fall back to index.html (client-side navigation).
 */
export function lookupStatic(root: string, urlPath: string): StaticLookup {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'bad-path' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad-path' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { kind: 'bad-path' };

  const rootResolved = path.resolve(root);
  const target = path.resolve(rootResolved, `.${decoded}`);
  if (target !== rootResolved && !target.startsWith(rootResolved + path.sep)) return { kind: 'bad-path' };

  const index = path.join(rootResolved, 'index.html');
  const fileAt = (file: string) => {
    try {
      const s = statSync(file);
      return s.isFile() ? s.size : undefined;
    } catch {
      return undefined;
    }
  };

  if (target !== rootResolved && !decoded.endsWith('/')) {
    const size = fileAt(target);
    if (size !== undefined) return { kind: 'file', file: target, size, isIndex: target === index };
    if (path.extname(decoded) !== '') return { kind: 'not-found' };
  }
  const indexSize = fileAt(index);
  if (indexSize === undefined) return { kind: 'no-build' };
  return { kind: 'file', file: index, size: indexSize, isIndex: true };
}

export function streamFile(file: string) {
  return createReadStream(file);
}

/** The whole file (one synchronous read; see READ_WHOLE_MAX_BYTES). */
export function readWholeFile(file: string): Buffer {
  return readFileSync(file);
}
