/**
 * Maps app:// requests to files of the built renderer. Pure path logic, kept apart from the
 * protocol registration so the traversal guard is unit-tested without Electron.
 */
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './security.js';

const INDEX = 'index.html';

/**
 * The file a request may read, or undefined when it must be refused: another host, a path that
 * climbs out of the renderer folder (also when percent-encoded), or a NUL byte.
 * Paths without an extension fall back to index.html so a reload on a client-side route works.
 */
export function resolveAppRequest(rendererDir: string, requestUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return undefined;

  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;

  const root = path.resolve(rendererDir);
  const relative = pathname.replace(/^\/+/, '');
  if (relative === '' || path.posix.extname(relative) === '') return path.join(root, INDEX);

  const resolved = path.resolve(root, relative);
  if (!resolved.startsWith(root + path.sep)) return undefined;
  return resolved;
}

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** With nosniff on every response, a wrong type would block the file, so unknown types are plain bytes. */
export function mimeTypeFor(file: string): string {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
