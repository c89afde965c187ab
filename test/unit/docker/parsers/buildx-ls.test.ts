import { describe, expect, test } from 'vitest';
import { mergeBuildxLs, parseBuildxLsJson, parseBuildxLsTable, parsePlatformList } from '../../../../core/docker/parsers/buildx-ls.js';
import { fixture } from '../../../helpers/fixtures.js';

const DEFAULT_PLATFORMS_HERE = [
  'linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/amd64/v4', 'linux/arm64', 'linux/riscv64',
  'linux/ppc64', 'linux/ppc64le', 'linux/s390x', 'linux/mips64le', 'linux/mips64', 'linux/loong64',
];

describe('buildx ls table', () => {
  test('0.13 (captured on this machine): default builder, current, one node', () => {
    const r = parseBuildxLsTable(fixture('buildx', 'ls-0.13-debian-default.txt'));
    expect(r).toEqual({
      current: 'default',
      builders: [
        {
          name: 'default', driver: 'docker', current: true, status: 'running',
          nodes: [{ name: 'default', endpoint: 'default', status: 'running', buildkitVersion: 'v0.0.0+unknown', platforms: DEFAULT_PLATFORMS_HERE }],
        },
      ],
    });
  });

  test('0.13 (captured): an inactive docker-container builder with pinned platforms', () => {
    const r = parseBuildxLsTable(fixture('buildx', 'ls-0.13-debian-two-builders.txt'));
    expect(r.current).toBe('default');
    expect(r.builders[0]).toEqual({
      name: 'mal-fixture-16485', driver: 'docker-container', current: false, status: 'inactive',
      nodes: [{ name: 'mal-fixture-164850', endpoint: 'unix:///var/run/docker.sock', status: 'inactive', platforms: ['linux/amd64', 'linux/arm64'], pinnedPlatforms: ['linux/amd64', 'linux/arm64'] }],
    });
    expect(r.builders[1]?.nodes[0]?.platforms).toEqual(DEFAULT_PLATFORMS_HERE);
  });

  test('0.13 (captured): engine down, the builder is in error and stderr says why', () => {
    const r = parseBuildxLsTable(fixture('buildx', 'ls-0.13-engine-down.txt'), fixture('buildx', 'ls-0.13-engine-down.stderr.txt'));
    expect(r.builders).toEqual([
      { name: 'default', driver: '', current: true, status: 'error', error: 'Cannot connect to the Docker daemon at unix:///tmp/nope.sock. Is the docker daemon running?', nodes: [] },
    ]);
  });

  test('0.11: "name *" marks the current builder, nodes indented by two spaces', () => {
    const r = parseBuildxLsTable(fixture('buildx', 'ls-0.11-two-builders.txt'));
    expect(r.current).toBe('mybuilder');
    expect(r.builders.map((b) => [b.name, b.driver, b.current])).toEqual([
      ['mybuilder', 'docker-container', true],
      ['default', 'docker', false],
    ]);
    expect(r.builders[0]?.nodes).toEqual([
      {
        name: 'mybuilder0', endpoint: 'unix:///var/run/docker.sock', status: 'running', buildkitVersion: 'v0.11.6',
        platforms: ['linux/amd64', 'linux/arm64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/386'], pinnedPlatforms: ['linux/amd64', 'linux/arm64'],
      },
    ]);
    expect(r.builders[1]?.nodes[0]?.buildkitVersion).toBe('v0.11.7+d3e6c1360f6e');
  });

  test('0.10 (Docker Desktop): context builders', () => {
    const r = parseBuildxLsTable(fixture('buildx', 'ls-0.10-desktop.txt'));
    expect(r.current).toBe('default');
    expect(r.builders.map((b) => b.name)).toEqual(['desktop-linux', 'default']);
    expect(r.builders[0]?.nodes[0]).toMatchObject({ name: 'desktop-linux', endpoint: 'desktop-linux', status: 'running', buildkitVersion: '20.10.22' });
    expect(r.builders[0]?.nodes[0]?.platforms).toContain('linux/arm/v6');
  });

  test('0.11: errors in the table and reasons on stderr', () => {
    const r = parseBuildxLsTable(fixture('buildx', 'ls-0.11-error.txt'), fixture('buildx', 'ls-0.11-error.stderr.txt'));
    expect(r.current).toBe('remote');
    const broken = r.builders.find((b) => b.name === 'broken');
    expect(broken).toMatchObject({ status: 'error', error: 'failed to find driver "docker-container"', nodes: [] });
    const remote = r.builders.find((b) => b.name === 'remote');
    expect(remote?.nodes[0]).toMatchObject({ name: 'remote0', endpoint: 'tcp://10.0.0.9:1234', status: 'error', error: 'dial tcp 10.0.0.9:1234: connect: no route to host', platforms: [] });
    expect(r.builders.find((b) => b.name === 'default')?.nodes[0]?.platforms).toEqual(['linux/amd64', 'linux/386']);
  });

  test('0.14+: shortened platform lists are flagged as truncated', () => {
    const r = parseBuildxLsTable(fixture('buildx', 'ls-0.14-truncated.txt'));
    expect(r.current).toBe('mybuilder');
    const b = r.builders[0];
    expect(b?.platformsTruncated).toBe(true);
    expect(b?.nodes[0]).toMatchObject({ name: 'mybuilder0', endpoint: 'unix:///var/run/docker.sock', buildkitVersion: 'v0.16.0', platforms: ['linux/amd64', 'linux/arm64', 'linux/arm', 'linux/ppc64le'] });
  });

  test('no header, no builders', () => {
    expect(parseBuildxLsTable('')).toEqual({ builders: [] });
  });
});

describe('platform cells', () => {
  test.each([
    ['linux/amd64, linux/arm64', { platforms: ['linux/amd64', 'linux/arm64'], pinned: [], truncated: false }],
    ['linux/amd64*, linux/arm64*', { platforms: ['linux/amd64', 'linux/arm64'], pinned: ['linux/amd64', 'linux/arm64'], truncated: false }],
    ['linux/amd64* (+3), (2 more)', { platforms: ['linux/amd64'], pinned: ['linux/amd64'], truncated: true }],
    ['', { platforms: [], pinned: [], truncated: false }],
  ])('%j', (cell, expected) => {
    expect(parsePlatformList(cell)).toEqual(expected);
  });
});

describe('buildx ls --format json', () => {
  test('0.13 (captured): builders printed once per table row are listed once', () => {
    const builders = parseBuildxLsJson(fixture('buildx', 'ls-0.13-debian-two-builders.json'));
    expect(builders.map((b) => b.name)).toEqual(['mal-fixture-16485', 'default']);
    expect(builders[1]).toEqual({
      name: 'default', driver: 'docker', current: false, status: 'running',
      nodes: [{ name: 'default', endpoint: 'default', status: 'running', buildkitVersion: 'v0.0.0+unknown', platforms: DEFAULT_PLATFORMS_HERE }],
    });
  });

  test('a builder that could not be loaded carries its error', () => {
    const line = '{"Name":"default","Driver":"","Dynamic":false,"Nodes":[{"Name":"","Endpoint":""}],"Err":"Cannot connect to the Docker daemon at unix:///tmp/nope.sock. Is the docker daemon running?"}';
    expect(parseBuildxLsJson(line)).toEqual([{ name: 'default', driver: '', current: false, status: 'error', error: expect.stringMatching(/Cannot connect/), nodes: [] }]);
  });

  test('merge: JSON platforms, table current and pins', () => {
    const table = parseBuildxLsTable(fixture('buildx', 'ls-0.14-truncated.txt'));
    const json = parseBuildxLsJson(
      '{"Name":"mybuilder","Driver":"docker-container","Nodes":[{"Name":"mybuilder0","Endpoint":"unix:///var/run/docker.sock","Status":"running","Version":"v0.16.0","Platforms":["linux/amd64","linux/amd64/v2","linux/arm64","linux/arm/v7","linux/arm/v6","linux/ppc64le","linux/s390x"]}]}\n' +
        '{"Name":"default","Driver":"docker","Nodes":[{"Name":"default","Endpoint":"default","Status":"running","Platforms":["linux/amd64","linux/386"]}]}',
    );
    const merged = mergeBuildxLs(table, json);
    expect(merged.current).toBe('mybuilder');
    expect(merged.builders.map((b) => [b.name, b.current, b.platformsTruncated ?? false])).toEqual([
      ['mybuilder', true, false],
      ['default', false, false],
    ]);
    expect(merged.builders[0]?.nodes[0]?.platforms).toContain('linux/arm/v7');
  });
});
