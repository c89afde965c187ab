import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { mimeTypeFor, resolveAppRequest } from '../../../electron/main/app-protocol.js';

const root = path.resolve('/opt/multiarch-lab/dist/renderer');

describe('app:// requests', () => {
  test.each([
    ['app://multiarch-lab/', 'index.html'],
    ['app://multiarch-lab/index.html', 'index.html'],
    ['app://multiarch-lab/assets/index-3f2a.js', 'assets/index-3f2a.js'],
    ['app://multiarch-lab/assets/index.css?v=1#x', 'assets/index.css'],
    ['app://multiarch-lab/doctor', 'index.html'],
  ])('%s reads %s from the renderer folder', (url, file) => {
    expect(resolveAppRequest(root, url)).toBe(path.join(root, file));
  });

  test.each([
    'app://multiarch-lab/..%2F..%2F..%2Fetc%2Fpasswd.txt',
    'app://multiarch-lab/assets/..%2F..%2Fpackage.json',
    'app://multiarch-lab/..%5C..%5Csecrets.json',
    'app://multiarch-lab/a%00.js',
    'app://multiarch-lab/%E0%A4%A.js',
    'app://elsewhere/index.html',
    'file:///etc/passwd',
    'https://multiarch-lab/index.html',
    'nonsense',
  ])('refuses %s', (url) => {
    expect(resolveAppRequest(root, url)).toBeUndefined();
  });

  test('dot segments cannot climb above the renderer folder', () => {
    // the URL parser folds "%2e%2e" into ".." and stops at the root, so this stays inside
    expect(resolveAppRequest(root, 'app://multiarch-lab/%2e%2e/%2e%2e/secrets.json')).toBe(path.join(root, 'secrets.json'));
  });

  test('types files so nosniff does not block them', () => {
    expect(mimeTypeFor('/x/index.html')).toMatch(/^text\/html/);
    expect(mimeTypeFor('/x/a.js')).toMatch(/^text\/javascript/);
    expect(mimeTypeFor('/x/a.css')).toMatch(/^text\/css/);
    expect(mimeTypeFor('/x/logo.SVG')).toBe('image/svg+xml');
    expect(mimeTypeFor('/x/blob.bin')).toBe('application/octet-stream');
  });
});
