import { describe, expect, test } from 'vitest';
import { isBuildxMissingMessage, parseBuildxVersion, versionAtLeast } from '../../../../core/docker/parsers/buildx-version.js';
import { fixture } from '../../../helpers/fixtures.js';

describe('parseBuildxVersion', () => {
  test.each([
    ['version-0.13-debian.txt', { version: '0.13.1+ds1', major: 0, minor: 13, patch: 1, revision: '0.13.1+ds1-3' }],
    ['version-0.11-upstream.txt', { version: '0.11.2', major: 0, minor: 11, patch: 2, revision: '9872040b6626fb7d87ef7296fd5b832e8cc2ad17' }],
    ['version-0.12-desktop.txt', { version: '0.12.1-desktop.4', major: 0, minor: 12, patch: 1, revision: '6996841df2f61988c2794d84d33205368f96c317' }],
    ['version-0.12-ubuntu.txt', { version: '0.12.1', major: 0, minor: 12, patch: 1, revision: '0.12.1-0ubuntu1~22.04.1' }],
  ])('%s', (file, expected) => {
    expect(parseBuildxVersion(fixture('buildx', file))).toEqual(expected);
  });

  test('the "not a docker command" answer is no version, and is recognised as buildx missing', () => {
    const stderr = fixture('buildx', 'version-missing.stderr.txt');
    expect(parseBuildxVersion(stderr)).toBeNull();
    expect(isBuildxMissingMessage(stderr)).toBe(true);
    expect(isBuildxMissingMessage('Cannot connect to the Docker daemon')).toBe(false);
  });

  test('versionAtLeast compares numerically', () => {
    const v = { major: 0, minor: 13, patch: 1 };
    expect(versionAtLeast(v, 0, 13)).toBe(true);
    expect(versionAtLeast(v, 0, 9)).toBe(true);
    expect(versionAtLeast(v, 0, 13, 2)).toBe(false);
    expect(versionAtLeast(v, 1, 0)).toBe(false);
  });
});
