/**
 * The registry cache on a builder with several nodes: which builds a modern build becomes (one per node when its
 * platforms go to two or more nodes), which cache refs each reads and writes, the commands shown for them, the
 * metadata buildx writes, and the words the CLI prints about the split. Pure functions only; the real build is
 * in test/integration/builder-two-engines.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { BuilderInfo, BuilderList } from '../../../core/contract/builder.js';
import type { BuildResult } from '../../../core/contract/build.js';
import {
  buildEquivalents,
  nodeBuildArgs,
  nodeBuildEquivalent,
  parseBuildMetadata,
  pushByDigestOutput,
  type BuildCommandOptions,
} from '../../../core/commands/build.js';
import { nodeGroups, registryCachePlan, splitReason } from '../../../core/commands/build-cache.js';
import { MANAGED_LABEL_ARGS } from '../../../core/docker/labels.js';
import { parseImageReference } from '../../../core/registry/reference.js';
import { renderBuildResult } from '../../../cli/commands/build.js';
import { cacheChoice, previewCommands } from '../../../renderer/src/views/build-model.js';

const TWO = ['linux/amd64', 'linux/arm64'];
const REF = 'localhost:5000/hello:buildcache';
const AMD = `${REF}-amd64`;
const ARM = `${REF}-arm64`;
const PINNED = { name: 'b2', driver: 'docker-container', nodes: 2, nodeNames: ['b20', 'b2-arm'], platformNodes: [{ platform: 'linux/amd64', node: 'b20', pinned: true }, { platform: 'linux/arm64', node: 'b2-arm', pinned: true }] };
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('the plan: split per node only when the platforms go to two or more nodes', () => {
  it('two nodes, one platform each: one build per node, each with its own ref, and why', () => {
    const plan = registryCachePlan({ cacheRef: REF, mode: 'modern', platforms: TWO, builder: PINNED, builderName: 'b2' });
    const groups = [
      { node: 'b20', platforms: ['linux/amd64'] },
      { node: 'b2-arm', platforms: ['linux/arm64'] },
    ];
    expect(plan).toEqual({ ref: REF, used: true, refs: [AMD, ARM], reason: splitReason('b2', 2, groups), split: groups, options: { cacheRef: REF, nodeBuilds: groups } });
    expect(plan.reason).toBe(
      "the builder b2 has 2 nodes and the cache is on: one buildx build would keep only the last node's cache, so each node's platforms are built separately with their own cache ref and joined into one manifest list (b20: linux/amd64; b2-arm: linux/arm64)",
    );
  });

  it('a node’s pinned platforms share one build that writes each one’s ref; a platform no node pins gets a build of its own', () => {
    const armv7OnFirst = { ...PINNED, platformNodes: [...PINNED.platformNodes, { platform: 'linux/arm/v7', node: 'b20', pinned: true }] };
    const groups = nodeGroups(armv7OnFirst, ['linux/arm64', 'linux/amd64', 'linux/arm/v7']);
    expect(groups).toEqual([
      { node: 'b2-arm', platforms: ['linux/arm64'] },
      { node: 'b20', platforms: ['linux/amd64', 'linux/arm/v7'] },
    ]);
    const args = nodeBuildArgs({ context: '/p', builder: 'b2', cacheRef: REF }, groups![1]!, 'localhost:5000/hello', '/tmp/m.json');
    const words = args.join(' ');
    expect(words).toContain('--platform linux/amd64,linux/arm/v7');
    expect(words).toContain(`--cache-from type=registry,ref=${AMD},registry.insecure=true --cache-from type=registry,ref=${REF}-armv7,registry.insecure=true`);
    expect(words).toContain(`--cache-to type=registry,ref=${AMD},mode=max,registry.insecure=true --cache-to type=registry,ref=${REF}-armv7,mode=max,registry.insecure=true`);
    // arm/v7 pinned nowhere: buildx may send a build for several platforms elsewhere, so it is built on its own
    expect(nodeGroups(PINNED, ['linux/amd64', 'linux/arm/v7', 'linux/arm64'])).toEqual([
      { node: 'b20', platforms: ['linux/amd64'] },
      { node: 'b20', platforms: ['linux/arm/v7'] },
      { node: 'b2-arm', platforms: ['linux/arm64'] },
    ]);
    // the same platform written another way (arm64/v8) finds its node
    expect(nodeGroups(PINNED, ['linux/arm64/v8', 'linux/amd64'])?.map((g) => g.node)).toEqual(['b2-arm', 'b20']);
  });

  it('every platform pinned on one node: one build, the one ref, the per-platform refs read too, and why', () => {
    const onFirst = [{ platform: 'linux/amd64', node: 'b20', pinned: true }, { platform: 'linux/arm64', node: 'b20', pinned: true }];
    const plan = registryCachePlan({ cacheRef: REF, mode: 'modern', platforms: TWO, builder: { ...PINNED, platformNodes: onFirst }, builderName: 'b2' });
    expect(plan).toMatchObject({ used: true, refs: [REF, AMD, ARM], options: { cacheRef: REF, cacheFrom: [AMD, ARM] } });
    expect(plan.split).toBeUndefined();
    expect(plan.options.nodeBuilds).toBeUndefined();
    expect(plan.reason).toContain('every platform asked for is pinned on node b20 of the builder b2, so one buildx build keeps their cache in');
    // listed on one node but pinned nowhere, or listed nowhere (nodes never started): where buildx sends a build for
    // both is not sure, so each platform is built on its own, with its own ref
    for (const platformNodes of [onFirst.map((pn) => ({ ...pn, pinned: false })), []]) {
      const split = registryCachePlan({ cacheRef: REF, mode: 'modern', platforms: TWO, builder: { ...PINNED, platformNodes }, builderName: 'b2' });
      expect(split).toMatchObject({ refs: [AMD, ARM], split: [{ node: 'b20', platforms: ['linux/amd64'] }, { node: 'b20', platforms: ['linux/arm64'] }] });
      expect(split.reason).toContain('has 2 nodes and the cache is on');
    }
  });

  it('one node, one platform, the old-school way, or nodes not known: exactly as before (no split)', () => {
    const one = { name: 'box', driver: 'docker-container', nodes: 1, nodeNames: ['box0'], platformNodes: [] };
    expect(registryCachePlan({ cacheRef: REF, mode: 'modern', platforms: TWO, builder: one, builderName: 'box' })).toEqual({ ref: REF, used: true, refs: [REF], options: { cacheRef: REF } });
    expect(registryCachePlan({ cacheRef: REF, mode: 'modern', platforms: ['linux/arm64'], builder: PINNED, builderName: 'b2' })).toEqual({ ref: REF, used: true, refs: [REF], options: { cacheRef: REF } });
    expect(registryCachePlan({ cacheRef: REF, mode: 'old-school', platforms: TWO, builder: PINNED, builderName: 'b2' })).toEqual({
      ref: REF,
      used: true,
      refs: [AMD, ARM],
      options: { cacheRef: REF, cachePerPlatform: true },
    });
    const unknown = registryCachePlan({ cacheRef: REF, mode: 'modern', platforms: TWO, builder: { name: 'b2', driver: 'docker-container', nodes: 2 }, builderName: 'b2' });
    expect(unknown.split).toBeUndefined();
    expect(unknown.reason).toContain('has 2 nodes and one buildx build writes one cache ref');
    // the docker driver still cannot keep a cache at all
    expect(registryCachePlan({ cacheRef: REF, mode: 'modern', platforms: TWO, builder: { ...PINNED, driver: 'docker' }, builderName: 'b2' }).used).toBe(false);
  });
});

describe('the commands of a split build', () => {
  const o: BuildCommandOptions = { context: '/p', builder: 'b2', cacheRef: REF, plainHttp: true, cachePlainHttp: true, nodeBuilds: [{ node: 'b20', platforms: ['linux/amd64'] }, { node: 'b2-arm', platforms: ['linux/arm64'] }] };
  const ref = parseImageReference('localhost:5000/hello:1');

  it('what runs: by digest, its own refs, its metadata file, the rawjson progress and the app’s labels', () => {
    expect(nodeBuildArgs(o, o.nodeBuilds![1]!, 'localhost:5000/hello', '/tmp/x/node-1.json')).toEqual([
      'buildx', 'build',
      '--platform', 'linux/arm64',
      '--output', 'type=image,name=localhost:5000/hello,push-by-digest=true,name-canonical=true,push=true,registry.insecure=true',
      '--provenance=false',
      '--metadata-file', '/tmp/x/node-1.json',
      '--progress=rawjson',
      '--builder', 'b2',
      '--cache-from', `type=registry,ref=${ARM},registry.insecure=true`,
      '--cache-to', `type=registry,ref=${ARM},mode=max,registry.insecure=true`,
      ...MANAGED_LABEL_ARGS,
      '/p',
    ]);
    // a registry reached over HTTPS: BuildKit must not fall back to HTTP
    expect(pushByDigestOutput({ ...o, plainHttp: false }, 'registry.example/hello')).toBe('type=image,name=registry.example/hello,push-by-digest=true,name-canonical=true,push=true');
  });

  it('what is shown: each node’s build, then the join; the digests once pushed, a placeholder before', () => {
    const before = buildEquivalents('modern', o, TWO, ref);
    expect(before).toEqual([nodeBuildEquivalent(o, o.nodeBuilds![0]!, 'localhost:5000/hello'), nodeBuildEquivalent(o, o.nodeBuilds![1]!, 'localhost:5000/hello'), ['docker', 'buildx', 'imagetools', 'create', '-t', 'localhost:5000/hello:1', 'localhost:5000/hello@<digest of linux/amd64>', 'localhost:5000/hello@<digest of linux/arm64>']]);
    expect(before[0]!.slice(0, 3)).toEqual(['docker', 'buildx', 'build']);
    expect(before[0]).not.toContain('--progress=rawjson');
    expect(before[0]!.join(' ')).not.toContain('dev.multiarch-lab');
    const after = buildEquivalents('modern', o, TWO, ref, [D1, D2]);
    expect(after.at(-1)).toEqual(['docker', 'buildx', 'imagetools', 'create', '-t', 'localhost:5000/hello:1', `localhost:5000/hello@${D1}`, `localhost:5000/hello@${D2}`]);
    // one group is no split: the one modern command
    expect(buildEquivalents('modern', { ...o, nodeBuilds: [o.nodeBuilds![0]!] }, TWO, ref)).toHaveLength(1);
  });

  it('the metadata buildx writes: the digest and the node that ran the build', () => {
    expect(parseBuildMetadata({ 'containerimage.digest': D1, 'buildx.build.ref': 'b2/b2-arm/8yo5t710n6stv68o30xq94tth' })).toEqual({ digest: D1, node: 'b2-arm' });
    expect(parseBuildMetadata({ 'containerimage.digest': 'sha256:nope', 'buildx.build.ref': 'b2' })).toEqual({});
  });
});

describe('the CLI and the Build view say why the build is split', () => {
  const result = (cache: BuildResult['cache']): BuildResult => ({
    mode: 'modern',
    reference: 'localhost:5000/hello:1',
    registry: 'localhost:5000',
    repository: 'hello',
    tag: '1',
    digest: D1,
    mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
    platforms: TWO,
    images: [],
    builder: 'b2',
    durations: { totalMs: 4000, buildMs: 3000, joinMs: 100 },
    commands: [],
    timeline: [],
    logTail: [],
    logLineCount: 0,
    warnings: [],
    localImages: [],
    pushed: [],
    timing: { platforms: [] },
    ...(cache ? { cache } : {}),
  });

  it('after the build: the way, each node’s platforms, refs and digest, and the reason', () => {
    const reason = splitReason('b2', 2, [{ node: 'b20', platforms: ['linux/amd64'] }, { node: 'b2-arm', platforms: ['linux/arm64'] }]);
    const text = renderBuildResult(
      result({
        ref: REF,
        used: true,
        refs: [AMD, ARM],
        reason,
        split: [
          { node: 'b20', plannedNode: 'b20', confirmed: true, platforms: ['linux/amd64'], refs: [AMD], pushed: `localhost:5000/hello@${D1}` },
          { node: 'b20', plannedNode: 'b2-arm', confirmed: true, platforms: ['linux/arm64'], refs: [ARM], pushed: `localhost:5000/hello@${D2}` },
        ],
      }),
    );
    expect(text).toContain('  way        modern, split per node: one buildx build per node (2), each with its own cache, joined into one list (builder b2)');
    expect(text).toContain(`    linux/amd64 on node b20: ${AMD}, pushed localhost:5000/hello@${D1}`);
    // buildx ran it elsewhere than planned: said
    expect(text).toContain(`    linux/arm64 on node b20 (planned for b2-arm): ${ARM}, pushed localhost:5000/hello@${D2}`);
    expect(text).toContain(`note: split because ${reason}`);
    // not split: the one-build line as before
    expect(renderBuildResult(result({ ref: REF, used: true, refs: [REF] }))).toContain('  way        modern: one buildx build for every platform (builder b2)');
  });

  it('before the build, in the Build view: the split, its reason and its commands; the cache off gives the one build', () => {
    const info = (b: BuilderInfo): BuilderInfo => b;
    const node = (name: string, pinned: string[]) => ({ name, endpoint: name, status: 'running', platforms: pinned, pinnedPlatforms: pinned, driverOptions: {}, buildkitdFlags: [] });
    const list: BuilderList = {
      buildxVersion: 'v0.13.1',
      builders: [
        info({
          name: 'b2',
          driver: 'docker-container',
          current: false,
          status: 'running',
          nodes: [node('b20', ['linux/amd64']), node('b2-arm', ['linux/arm64'])],
          platformNodes: [
            { platform: 'linux/amd64', node: 'b20', endpoint: 'b20', pinned: true },
            { platform: 'linux/arm64', node: 'b2-arm', endpoint: 'b2-arm', pinned: true },
          ],
        }),
      ],
    };
    const base = { on: true, typed: null, tag: 'localhost:5000/hello:1', mode: 'modern' as const, platforms: TWO, builderName: 'b2', builders: list };
    const c = cacheChoice(base);
    expect(c.plan?.split?.map((g) => g.node)).toEqual(['b20', 'b2-arm']);
    expect(c.plan?.reason).toContain("the builder b2 has 2 nodes and the cache is on: one buildx build would keep only the last node's cache");
    const shown = previewCommands({ mode: 'modern', platforms: TWO, tag: 'localhost:5000/hello:1', context: '/p', builder: 'b2', cache: c.plan!.options });
    expect(shown).toHaveLength(3);
    expect(shown[0]!.join(' ')).toContain(`--platform linux/amd64 --output type=image,name=localhost:5000/hello,push-by-digest=true`);
    expect(shown[2]!.slice(0, 4)).toEqual(['docker', 'buildx', 'imagetools', 'create']);
    // the cache off: one build, as before
    const off = cacheChoice({ ...base, on: false });
    expect(off.plan).toBeUndefined();
    expect(previewCommands({ mode: 'modern', platforms: TWO, tag: 'localhost:5000/hello:1', context: '/p', builder: 'b2' })).toHaveLength(1);
  });
});
