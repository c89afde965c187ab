import { describe, expect, test } from 'vitest';
import { parseBuildxInspect, parseDriverOptions } from '../../../../core/docker/parsers/buildx-inspect.js';
import { fixture } from '../../../helpers/fixtures.js';

const HERE_DEFAULT_PLATFORMS = [
  'linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/amd64/v4', 'linux/arm64', 'linux/riscv64',
  'linux/ppc64', 'linux/ppc64le', 'linux/s390x', 'linux/mips64le', 'linux/mips64', 'linux/loong64',
];

describe('buildx inspect, every captured and written format', () => {
  test.each([
    ['inspect-0.10-remote-error.txt', 'remote', 'remote', 1],
    ['inspect-0.11-running-host-network.txt', 'mybuilder', 'docker-container', 1],
    ['inspect-0.13-debian-default.txt', 'default', 'docker', 1],
    ['inspect-0.13-debian-host-network.txt', 'mal-test-bld-cap14451', 'docker-container', 1],
    ['inspect-0.13-debian-two-nodes.txt', 'mal-test-bld-cap14451', 'docker-container', 2],
    ['inspect-0.13-debian-context-builder.txt', 'mal-test-ctx-cap7716', 'docker', 1],
    ['inspect-0.19-two-nodes-config.txt', 'mybuilder', 'docker-container', 2],
  ])('%s: name, driver and node count', (file, name, driver, nodes) => {
    const r = parseBuildxInspect(fixture('buildx', file));
    expect(r?.name).toBe(name);
    expect(r?.driver).toBe(driver);
    expect(r?.nodes).toHaveLength(nodes);
    // Label and file lines never leak into the node list as nodes of their own.
    for (const n of r?.nodes ?? []) expect(n.name).not.toMatch(/org\.mobyproject|^>/);
  });

  test('0.13 (captured here): the default builder on the containerd store', () => {
    const r = parseBuildxInspect(fixture('buildx', 'inspect-0.13-debian-default.txt'));
    expect(r?.lastActivity).toBe('2026-11-27 04:34:15 +0000 UTC');
    const node = r?.nodes[0];
    expect(node).toMatchObject({ name: 'default', endpoint: 'default', status: 'running', buildkitVersion: 'v0.0.0+unknown', pinnedPlatforms: [], driverOptions: {} });
    expect(node?.platforms).toEqual(HERE_DEFAULT_PLATFORMS);
    expect(node?.labels['org.mobyproject.buildkit.worker.snapshotter']).toBe('overlayfs');
    expect(node?.labels['org.mobyproject.buildkit.worker.moby.host-gateway-ip']).toBe('172.17.0.1');
  });

  test('0.13 (captured here): a never-started host-network builder shows its driver option and pinned platforms', () => {
    const node = parseBuildxInspect(fixture('buildx', 'inspect-0.13-debian-host-network.txt'))?.nodes[0];
    expect(node).toEqual({
      name: 'mal-test-bld-cap144510',
      endpoint: 'unix:///var/run/docker.sock',
      status: 'inactive',
      driverOptions: { network: 'host' },
      buildkitdFlags: ['--allow-insecure-entitlement=network.host'],
      platforms: ['linux/amd64', 'linux/arm64'],
      pinnedPlatforms: ['linux/amd64', 'linux/arm64'],
      labels: {},
      files: {},
    });
  });

  test('0.13 (captured here): an appended node on a docker context took arm64 away from the first node', () => {
    const r = parseBuildxInspect(fixture('buildx', 'inspect-0.13-debian-two-nodes.txt'));
    expect(r?.nodes.map((n) => [n.name, n.endpoint, n.pinnedPlatforms])).toEqual([
      ['mal-test-bld-cap144510', 'unix:///var/run/docker.sock', ['linux/amd64']],
      ['mal-test-bld-cap14451-arm', 'mal-test-ctx-cap7716', ['linux/arm64', 'linux/arm/v7']],
    ]);
    expect(r?.nodes[1]?.driverOptions).toEqual({});
  });

  test('0.11: the old key names "Flags" and "Buildkit"; GC rules are skipped', () => {
    const node = parseBuildxInspect(fixture('buildx', 'inspect-0.11-running-host-network.txt'))?.nodes[0];
    expect(node?.buildkitVersion).toBe('v0.12.2');
    expect(node?.buildkitdFlags).toEqual(['--allow-insecure-entitlement=network.host']);
    expect(node?.driverOptions).toEqual({ network: 'host' });
    expect(node?.platforms).toContain('linux/arm/v6');
    expect(node?.platforms).toHaveLength(13);
    expect(Object.keys(node?.labels ?? {})).toHaveLength(6);
    expect(node?.labels).not.toHaveProperty('All');
  });

  test('0.10: a node that cannot be reached carries its error and no status of its own', () => {
    const node = parseBuildxInspect(fixture('buildx', 'inspect-0.10-remote-error.txt'))?.nodes[0];
    expect(node).toMatchObject({ name: 'remote0', endpoint: 'tcp://10.0.0.9:1234', status: 'error', error: 'dial tcp 10.0.0.9:1234: connect: no route to host' });
  });

  test('0.19: renamed keys, two driver options, a config file, and a second node in error', () => {
    const r = parseBuildxInspect(fixture('buildx', 'inspect-0.19-two-nodes-config.txt'));
    const [local, pi] = r?.nodes ?? [];
    expect(local?.driverOptions).toEqual({ 'env.BUILDKIT_STEP_LOG_MAX_SIZE': '10485760', network: 'host' });
    expect(local?.buildkitVersion).toBe('v0.18.2');
    expect(local?.pinnedPlatforms).toEqual(['linux/amd64']);
    expect(local?.platforms).toEqual(['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/amd64/v4', 'linux/386']);
    expect(local?.files['buildkitd.toml']).toBe('[registry."192.168.1.20:5000"]\n  http = true\n  insecure = true\n');
    expect(pi).toMatchObject({ name: 'pi5', endpoint: 'ssh://pi@192.168.1.30', status: 'error' });
    expect(pi?.error).toMatch(/No route to host/);
  });

  test('a builder that cannot be loaded at all', () => {
    const r = parseBuildxInspect('Name:   broken\nDriver: docker-container\nError:  failed to find driver "docker-container"\n');
    expect(r).toEqual({ name: 'broken', driver: 'docker-container', error: 'failed to find driver "docker-container"', nodes: [] });
  });

  test('text that is not inspect output gives null', () => {
    expect(parseBuildxInspect('ERROR: no builder "x" found\n')).toBeNull();
    expect(parseBuildxInspect('')).toBeNull();
  });
});

describe('driver options', () => {
  test.each([
    ['network="host"', { network: 'host' }],
    ['image="moby/buildkit:v0.12.5" network="host"', { image: 'moby/buildkit:v0.12.5', network: 'host' }],
    ['env.HTTP_PROXY="http://10.0.0.1:3128" memory="2g"', { 'env.HTTP_PROXY': 'http://10.0.0.1:3128', memory: '2g' }],
    ['label="a \\"quoted\\" word"', { label: 'a "quoted" word' }],
    ['network=host', { network: 'host' }],
    ['', {}],
  ])('%s', (text, expected) => {
    expect(parseDriverOptions(text)).toEqual(expected);
  });
});
