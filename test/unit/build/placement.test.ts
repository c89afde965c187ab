/**
 * Which node builds each platform and what it runs natively, from a captured `docker buildx inspect` of a
 * two-node builder (test/fixtures/buildx) and node platforms as their engines would report them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { engineArgs, placementFrom } from '../../../core/build/placement.js';
import { fromInspect } from '../../../core/builder/model.js';
import { parseBuildxInspect } from '../../../core/docker/parsers/buildx-inspect.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const inspect = (name: string) => fromInspect(parseBuildxInspect(readFileSync(path.resolve(here, '../../fixtures/buildx', name), 'utf8'))!, false);

describe('placementFrom', () => {
  test('two nodes: each pinned platform goes to its node, which is named, with its engine’s native platform', () => {
    const info = inspect('inspect-0.13-debian-two-nodes.txt');
    const p = placementFrom(info, { 'mal-test-bld-cap144510': 'linux/amd64', 'mal-test-bld-cap14451-arm': 'linux/arm64' }, ['linux/amd64', 'linux/arm64']);
    expect(p.nodes.map((n) => [n.node, n.endpoint, n.nativePlatform, n.platforms])).toEqual([
      ['mal-test-bld-cap144510', 'unix:///var/run/docker.sock', 'linux/amd64', ['linux/amd64']],
      ['mal-test-bld-cap14451-arm', 'mal-test-ctx-cap7716', 'linux/arm64', ['linux/arm64']],
    ]);
    expect(p.placementOf('linux/arm64')).toEqual({ node: 'mal-test-bld-cap14451-arm', nativePlatform: 'linux/arm64' });
    expect(p.placementOf('linux/amd64')).toEqual({ node: 'mal-test-bld-cap144510', nativePlatform: 'linux/amd64' });
  });

  test('a node whose engine did not answer has no native platform: nothing is claimed for it', () => {
    const info = inspect('inspect-0.13-debian-two-nodes.txt');
    const p = placementFrom(info, { 'mal-test-bld-cap144510': 'linux/amd64' }, ['linux/arm64']);
    expect(p.placementOf('linux/arm64')).toEqual({ node: 'mal-test-bld-cap14451-arm' });
  });

  test('one node: no node name in the placement (nothing to tell apart), the native platform still given', () => {
    const info = inspect('inspect-0.13-debian-host-network.txt');
    const node = info.nodes[0]!.name;
    const p = placementFrom(info, { [node]: 'linux/amd64' }, ['linux/amd64', 'linux/arm64']);
    expect(p.placementOf('linux/arm64')).toEqual({ nativePlatform: 'linux/amd64' });
    expect(p.nodes[0]!.platforms).toEqual(['linux/amd64', 'linux/arm64']);
  });

  test('several platforms on a builder whose first node pins none: no node is named (buildx 0.13 sent them all to the first)', () => {
    const info = inspect('inspect-0.13-debian-two-nodes.txt');
    const unpinnedFirst = { ...info, nodes: info.nodes.map((n, i) => (i === 0 ? { ...n, pinnedPlatforms: [] } : n)) };
    const natives = { 'mal-test-bld-cap144510': 'linux/amd64', 'mal-test-bld-cap14451-arm': 'linux/arm64' };
    const several = placementFrom(unpinnedFirst, natives, ['linux/amd64', 'linux/arm64']);
    expect(several.known).toBe(false);
    expect(several.placementOf('linux/arm64')).toEqual({});
    expect(several.nodes.map((n) => n.pinned)).toEqual([[], ['linux/arm64', 'linux/arm/v7']]);
    // one platform at a time went to the pinning node in every case seen
    const one = placementFrom(unpinnedFirst, natives, ['linux/arm64']);
    expect(one.known).toBe(true);
    expect(one.placementOf('linux/arm64')).toEqual({ node: 'mal-test-bld-cap14451-arm', nativePlatform: 'linux/arm64' });
  });

  test('engine arguments: an address with --host, a context name with --context', () => {
    expect(engineArgs('unix:///run/mal-n2.sock')).toEqual(['--host', 'unix:///run/mal-n2.sock']);
    expect(engineArgs('ssh://pi@raspberry')).toEqual(['--host', 'ssh://pi@raspberry']);
    expect(engineArgs('mal-n2')).toEqual(['--context', 'mal-n2']);
  });
});
