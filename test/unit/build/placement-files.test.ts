/**
 * The placement before a build from buildx's own files (issue 13): instance files written by the test as
 * `docker buildx create` writes them (buildx 0.13), in a DOCKER_CONFIG of the test's own. Only a one-node
 * docker-container builder on a known engine is placed from the file; every other case falls back, never guesses.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { placementBeforeBuild, placementFrom, placementFromInstance, placementOfContextBuilder } from '../../../core/build/placement.js';
import { fromInspect } from '../../../core/builder/model.js';
import { parseBuildxInspect } from '../../../core/docker/parsers/buildx-inspect.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOCKET = 'unix:///var/run/docker.sock';
const known = { [SOCKET]: 'linux/amd64' };
const THREE = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

interface NodeFile {
  Name: string;
  Endpoint: string;
  Platforms: Array<{ architecture: string; os: string; variant?: string }> | null;
  DriverOpts: Record<string, string> | null;
  Flags: string[] | null;
  Files: Record<string, string> | null;
}

/** An instance file as buildx 0.13 writes it (the first node exactly as seen for `--driver-opt network=host`). */
function instance(name: string, nodes: Array<Partial<NodeFile>> = [{}], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Name: name,
    Driver: 'docker-container',
    Nodes: nodes.map((n, i) => ({
      Name: `${name}${i}`,
      Endpoint: SOCKET,
      Platforms: null,
      DriverOpts: { network: 'host' },
      Flags: ['--allow-insecure-entitlement=network.host'],
      Files: null,
      ...n,
    })),
    Dynamic: false,
    ...extra,
  });
}

describe('placementFromInstance', () => {
  test('one docker-container node on the app’s own engine: every platform on it, its native platform from the engine, no node named', () => {
    const read = placementFromInstance('mybuilder', instance('mybuilder'), known, THREE);
    expect(read.nodes).toBe(1);
    const p = read.placement!;
    expect(p.known).toBe(true);
    expect(p.nodes).toEqual([{ node: 'mybuilder0', endpoint: SOCKET, nativePlatform: 'linux/amd64', platforms: THREE, pinned: [] }]);
    expect(p.placementOf('linux/arm64')).toEqual({ nativePlatform: 'linux/amd64' });
    expect(p.placementOf('linux/amd64')).toEqual({ nativePlatform: 'linux/amd64' });
  });

  test('says what `docker buildx inspect` of the same builder makes readPlacement say', () => {
    // the captured inspect of a one-node, unpinned, host-networked builder named mybuilder (buildx 0.11)
    const text = readFileSync(path.resolve(here, '../../fixtures/buildx/inspect-0.11-running-host-network.txt'), 'utf8');
    const fromCli = placementFrom(fromInspect(parseBuildxInspect(text)!, false), { mybuilder0: 'linux/amd64' }, THREE);
    const fromFile = placementFromInstance('mybuilder', instance('mybuilder'), known, THREE).placement!;
    expect(fromFile.nodes).toEqual(fromCli.nodes);
    expect(fromFile.known).toBe(fromCli.known);
    for (const platform of [...THREE, 'linux/riscv64']) expect(fromFile.placementOf(platform)).toEqual(fromCli.placementOf(platform));
  });

  test('an engine not known without asking: no placement (its `docker version` is needed), still one node', () => {
    const read = placementFromInstance('b', instance('b', [{ Endpoint: 'mal-n2' }]), known, THREE);
    expect(read).toEqual({ nodes: 1 });
  });

  test('a node pinning platforms: no placement from the file, still one node', () => {
    const read = placementFromInstance('b', instance('b', [{ Platforms: [{ architecture: 'arm64', os: 'linux' }] }]), known, THREE);
    expect(read).toEqual({ nodes: 1 });
  });

  test('several nodes, pinned or not: no placement (which node takes what is buildx’s to tell), the count given', () => {
    const twoNodes = instance('b', [{ Platforms: [{ architecture: 'amd64', os: 'linux' }] }, { Endpoint: 'mal-n2', Platforms: [{ architecture: 'arm64', os: 'linux' }] }]);
    expect(placementFromInstance('b', twoNodes, { ...known, 'mal-n2': 'linux/arm64' }, THREE)).toEqual({ nodes: 2 });
    expect(placementFromInstance('b', instance('b', [{}, { Endpoint: 'mal-n2' }]), { ...known, 'mal-n2': 'linux/arm64' }, ['linux/arm64'])).toEqual({ nodes: 2 });
  });

  test('a remote builder: BuildKit runs at its endpoint, not on the engine there, so no placement even for a known endpoint', () => {
    const remote = JSON.stringify({ ...JSON.parse(instance('r')), Driver: 'remote' });
    expect(placementFromInstance('r', remote, known, THREE)).toEqual({ nodes: 1 });
    const tcp = JSON.stringify({ ...JSON.parse(instance('r', [{ Endpoint: 'tcp://buildkitd:1234' }])), Driver: 'remote' });
    expect(placementFromInstance('r', tcp, { 'tcp://buildkitd:1234': 'linux/amd64' }, THREE)).toEqual({ nodes: 1 });
  });

  test('a dynamic builder, another builder’s file, or text that is not an instance file: nothing, not even a count', () => {
    expect(placementFromInstance('b', instance('b', [{}], { Dynamic: true }), known, THREE)).toEqual({});
    expect(placementFromInstance('b', instance('other'), known, THREE)).toEqual({});
    expect(placementFromInstance('b', '{"Name":"b","Driver":"docker-container","Nodes":[', known, THREE)).toEqual({});
    expect(placementFromInstance('b', 'null', known, THREE)).toEqual({});
    expect(placementFromInstance('b', JSON.stringify({ Name: 'b', Driver: 'docker-container', Nodes: [] }), known, THREE)).toEqual({});
    expect(placementFromInstance('b', JSON.stringify({ Name: 'b', Driver: 'docker-container', Nodes: [{ Name: 7, Endpoint: SOCKET }] }), known, THREE)).toEqual({ nodes: 1 });
  });
});

describe('placementOfContextBuilder', () => {
  test('the builder of a docker context on the app’s engine: one node named after the context, as `buildx inspect default` makes readPlacement say', () => {
    const text = readFileSync(path.resolve(here, '../../fixtures/buildx/inspect-0.13-debian-default.txt'), 'utf8');
    const fromCli = placementFrom(fromInspect(parseBuildxInspect(text)!, false), { default: 'linux/amd64' }, THREE);
    const fromName = placementOfContextBuilder('default', { default: 'linux/amd64' }, THREE)!;
    expect(fromName.nodes).toEqual([{ node: 'default', endpoint: 'default', nativePlatform: 'linux/amd64', platforms: THREE, pinned: [] }]);
    expect(fromName.nodes).toEqual(fromCli.nodes);
    for (const platform of THREE) expect(fromName.placementOf(platform)).toEqual(fromCli.placementOf(platform));
  });

  test('a context whose engine is not known without asking: no placement', () => {
    expect(placementOfContextBuilder('mal-ctx', known, THREE)).toBeUndefined();
    expect(placementOfContextBuilder('default', known, THREE)).toBeUndefined();
  });
});

describe('placementBeforeBuild (files in a DOCKER_CONFIG of the test’s own)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mal-placement-files-'));
    env = { DOCKER_CONFIG: dir };
    await mkdir(path.join(dir, 'buildx', 'instances'), { recursive: true });
    const write = (name: string, text: string) => writeFile(path.join(dir, 'buildx', 'instances', name), text);
    await write('one', instance('one'));
    await write('elsewhere', instance('elsewhere', [{ Endpoint: 'mal-n2' }]));
    await write('two', instance('two', [{}, { Endpoint: 'mal-n2' }]));
    await write('broken', '{');
    // a docker context is a builder too (the docker driver: one node), with no instance file
    const meta = path.join(dir, 'contexts', 'meta', createHash('sha256').update('mal-ctx').digest('hex'));
    await mkdir(meta, { recursive: true });
    await writeFile(path.join(meta, 'meta.json'), JSON.stringify({ Name: 'mal-ctx', Endpoints: { docker: { Host: 'unix:///run/mal-n2.sock' } } }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('one node on a known engine: the placement, from the file', async () => {
    const early = await placementBeforeBuild(env, 'one', THREE, known);
    expect(early.oneNode).toBeUndefined();
    expect(early.placement?.placementOf('linux/arm/v7')).toEqual({ nativePlatform: 'linux/amd64' });
  });

  test('the builder of the docker context the app uses: the placement, from the context’s name alone', async () => {
    const early = await placementBeforeBuild(env, 'mal-ctx', THREE, { ...known, 'mal-ctx': 'linux/arm64' });
    expect(early.placement?.nodes.map((n) => [n.node, n.endpoint, n.nativePlatform])).toEqual([['mal-ctx', 'mal-ctx', 'linux/arm64']]);
    expect((await placementBeforeBuild(env, 'default', THREE, { default: 'linux/amd64' })).placement?.placementOf('linux/arm64')).toEqual({ nativePlatform: 'linux/amd64' });
  });

  test('one node the files cannot place (another engine; a docker context not the app’s): one node, read after the build', async () => {
    expect(await placementBeforeBuild(env, 'elsewhere', THREE, known)).toEqual({ oneNode: true });
    expect(await placementBeforeBuild(env, 'mal-ctx', THREE, known)).toEqual({ oneNode: true });
    expect(await placementBeforeBuild(env, 'default', THREE, known)).toEqual({ oneNode: true });
  });

  test('several nodes, an unreadable file, a name the files do not know: nothing (read beside the build)', async () => {
    expect(await placementBeforeBuild(env, 'two', THREE, known)).toEqual({});
    expect(await placementBeforeBuild(env, 'broken', THREE, known)).toEqual({});
    expect(await placementBeforeBuild(env, 'nowhere', THREE, known)).toEqual({});
  });
});
