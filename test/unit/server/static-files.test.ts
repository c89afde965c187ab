import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupStatic } from '../../../server/static-files.js';

let root: string;
let site: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-static-'));
  site = path.join(root, 'site');
  await mkdir(path.join(site, 'assets'), { recursive: true });
  await writeFile(path.join(site, 'index.html'), '<html></html>');
  await writeFile(path.join(site, 'assets', 'app.js'), 'x');
  await writeFile(path.join(root, 'secret.txt'), 'secret');
  // a sibling folder whose name starts like the site's: a naive prefix check would let it through
  await mkdir(path.join(root, 'site-private'));
  await writeFile(path.join(root, 'site-private', 'key.txt'), 'key');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('lookupStatic', () => {
  it('finds files and falls back to index.html for routes', () => {
    expect(lookupStatic(site, '/assets/app.js')).toMatchObject({ kind: 'file', file: path.join(site, 'assets', 'app.js'), isIndex: false });
    expect(lookupStatic(site, '/')).toMatchObject({ kind: 'file', file: path.join(site, 'index.html'), isIndex: true });
    expect(lookupStatic(site, '/settings')).toMatchObject({ kind: 'file', isIndex: true });
    expect(lookupStatic(site, '/assets')).toMatchObject({ kind: 'file', isIndex: true });
    expect(lookupStatic(site, '/assets/nope.js')).toEqual({ kind: 'not-found' });
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/x%00.js', '/%E0%A4%A', '/../site-private/key.txt', '/./index.html'])(
    'refuses %s',
    (p) => {
      expect(lookupStatic(site, p)).toEqual({ kind: 'bad-path' });
    },
  );

  it('says when there is nothing built', () => {
    expect(lookupStatic(path.join(root, 'empty'), '/')).toEqual({ kind: 'no-build' });
  });
});
