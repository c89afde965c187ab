import { describe, expect, test } from 'vitest';
import { fromInspect, fromSummary, parseLsJsonDetails, platformNodes } from '../../../core/builder/model.js';
import { mergeBuildxLs, parseBuildxLsJson, parseBuildxLsTable } from '../../../core/docker/parsers/buildx-ls.js';
import { parseBuildxInspect } from '../../../core/docker/parsers/buildx-inspect.js';
import { fixture } from '../../helpers/fixtures.js';

function listFrom(table: string, json?: string) {
  const jsonText = json === undefined ? undefined : fixture('buildx', json);
  const merged = mergeBuildxLs(parseBuildxLsTable(fixture('buildx', table)), jsonText === undefined ? undefined : parseBuildxLsJson(jsonText));
  const details = jsonText === undefined ? {} : parseLsJsonDetails(jsonText);
  return merged.builders.map((b) => fromSummary(b, details[b.name]));
}

describe('builders from buildx ls', () => {
  test('0.13 (captured here): a builder with an appended node, both nodes listed with their platforms', () => {
    const builders = listFrom('ls-0.13-debian-appended-node.txt', 'ls-0.13-debian-appended-node.json');
    expect(builders.map((b) => [b.name, b.driver, b.current])).toEqual([
      ['mal-test-bld-cap14451', 'docker-container', false],
      ['default', 'docker', true],
      ['mal-test-ctx-cap7716', 'docker', false],
    ]);
    const b = builders[0];
    expect(b?.status).toBe('inactive');
    expect(b?.lastActivity).toBe('2026-11-27T04:33:01Z');
    expect(b?.nodes.map((n) => [n.name, n.endpoint, n.pinnedPlatforms, n.driverOptions])).toEqual([
      ['mal-test-bld-cap144510', 'unix:///var/run/docker.sock', ['linux/amd64'], { network: 'host' }],
      ['mal-test-bld-cap14451-arm', 'mal-test-ctx-cap7716', ['linux/arm64', 'linux/arm/v7'], {}],
    ]);
    expect(b?.platformNodes).toEqual([
      { platform: 'linux/amd64', node: 'mal-test-bld-cap144510', endpoint: 'unix:///var/run/docker.sock', pinned: true },
      { platform: 'linux/arm64', node: 'mal-test-bld-cap14451-arm', endpoint: 'mal-test-ctx-cap7716', pinned: true },
      { platform: 'linux/arm/v7', node: 'mal-test-bld-cap14451-arm', endpoint: 'mal-test-ctx-cap7716', pinned: true },
    ]);
  });

  test('0.11 table without JSON: current marked "name *", pinned platforms first, no driver options known', () => {
    const [mine, def] = listFrom('ls-0.11-two-builders.txt');
    expect(mine).toMatchObject({ name: 'mybuilder', current: true, status: 'running' });
    expect(mine?.nodes[0]?.platforms.slice(0, 2)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(mine?.nodes[0]?.driverOptions).toEqual({});
    expect(def?.current).toBe(false);
  });

  test('0.11: a builder that cannot be loaded and a node in error', () => {
    const merged = parseBuildxLsTable(fixture('buildx', 'ls-0.11-error.txt'), fixture('buildx', 'ls-0.11-error.stderr.txt'));
    const [broken, remote] = merged.builders.map((b) => fromSummary(b));
    expect(broken).toMatchObject({ name: 'broken', status: 'error', error: 'failed to find driver "docker-container"' });
    expect(remote?.nodes[0]).toMatchObject({ name: 'remote0', status: 'error' });
    expect(remote?.platformNodes).toEqual([]);
  });

  test('0.14 table: shortened platform lists are flagged', () => {
    const [mine] = listFrom('ls-0.14-truncated.txt');
    expect(mine?.platformsTruncated).toBe(true);
  });

  test('0.19 JSON (one object per builder): driver options, flags and a node in error', () => {
    const json = fixture('buildx', 'ls-0.19-two-nodes.json');
    const builders = parseBuildxLsJson(json);
    const details = parseLsJsonDetails(json);
    const mine = fromSummary(builders[0]!, details.mybuilder);
    expect(mine.status).toBe('running');
    expect(mine.nodes[0]?.driverOptions).toEqual({ 'env.BUILDKIT_STEP_LOG_MAX_SIZE': '10485760', network: 'host' });
    expect(mine.nodes[0]?.buildkitdFlags).toEqual(['--allow-insecure-entitlement=network.host']);
    expect(mine.nodes[1]).toMatchObject({ name: 'pi5', status: 'error' });
    // The unreachable node builds nothing; every platform goes to the local node.
    expect(new Set(mine.platformNodes.map((p) => p.node))).toEqual(new Set(['mybuilder0']));
  });

  test('JSON details tolerate garbage', () => {
    expect(parseLsJsonDetails('not json')).toEqual({});
    expect(parseLsJsonDetails('')).toEqual({});
  });
});

describe('builders from buildx inspect', () => {
  test('status is running when one node runs, error when the builder failed', () => {
    const b = fromInspect(parseBuildxInspect(fixture('buildx', 'inspect-0.19-two-nodes-config.txt'))!, true);
    expect(b).toMatchObject({ name: 'mybuilder', current: true, status: 'running' });
    const broken = fromInspect({ name: 'x', driver: 'remote', error: 'boom', nodes: [] }, false);
    expect(broken.status).toBe('error');
  });

  test('a pinned platform goes to the node that pinned it even when an earlier node lists it', () => {
    const nodes = [
      { name: 'a', endpoint: 'unix:///var/run/docker.sock', status: 'running', platforms: ['linux/amd64', 'linux/arm64'], pinnedPlatforms: [], driverOptions: {}, buildkitdFlags: [] },
      { name: 'pi', endpoint: 'ssh://pi@10.0.0.2', status: 'running', platforms: ['linux/arm64'], pinnedPlatforms: ['linux/arm64'], driverOptions: {}, buildkitdFlags: [] },
    ];
    expect(platformNodes(nodes)).toEqual([
      { platform: 'linux/arm64', node: 'pi', endpoint: 'ssh://pi@10.0.0.2', pinned: true },
      { platform: 'linux/amd64', node: 'a', endpoint: 'unix:///var/run/docker.sock', pinned: false },
    ]);
  });
});
