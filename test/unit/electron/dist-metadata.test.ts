import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { metadataProblems } from '../../../scripts/lib/dist-metadata.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const config = {
  appId: 'dev.multiarch-lab.app',
  productName: 'Multiarch Lab',
  linux: { category: 'Development', maintainer: 'Multiarch Lab contributors', syncDesktopName: true, icon: 'build/icons' },
  mac: { icon: 'build/icons/1024x1024.png' },
  win: { icon: 'build/icons/icon.ico' },
};
const pkg = {
  name: 'multiarch-lab',
  version: '0.1.0',
  description: 'x',
  homepage: 'https://example.invalid/',
  author: { name: 'Multiarch Lab contributors' },
  desktopName: 'multiarch-lab.desktop',
};

describe('metadataProblems (the check npm run dist makes before electron-builder)', () => {
  test('complete metadata passes', () => {
    expect(metadataProblems(pkg, config, root)).toEqual([]);
  });

  test('the package.json this project had before (no homepage, no author) is stopped for the deb target, as electron-builder would', () => {
    const { homepage: _h, author: _a, ...old } = pkg;
    const problems = metadataProblems(old, config, root);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^deb: .*homepage/), expect.stringMatching(/author/)]));
  });

  test('no maintainer anywhere, a missing icon, or desktopName without syncDesktopName each name their target', () => {
    const problems = metadataProblems(pkg, { ...config, linux: { ...config.linux, maintainer: undefined, syncDesktopName: false }, win: { icon: 'build/icons/missing.ico' } }, root);
    expect(problems).toEqual([
      expect.stringMatching(/^deb: a maintainer/),
      expect.stringMatching(/^AppImage, deb: desktopName/),
      'nsis: win.icon',
    ]);
  });
});
