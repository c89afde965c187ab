import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

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
export async function lookupStatic(root: string, urlPath: string): Promise<StaticLookup> {
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
  const fileAt = async (file: string) => {
    try {
      const s = await stat(file);
      return s.isFile() ? s.size : undefined;
    } catch {
      return undefined;
    }
  };

  if (target !== rootResolved && !decoded.endsWith('/')) {
    const size = await fileAt(target);
    if (size !== undefined) return { kind: 'file', file: target, size, isIndex: target === index };
    if (path.extname(decoded) !== '') return { kind: 'not-found' };
  }
  const indexSize = await fileAt(index);
  if (indexSize === undefined) return { kind: 'no-build' };
  return { kind: 'file', file: index, size: indexSize, isIndex: true };
}

export function streamFile(file: string) {
  return createReadStream(file);
}
