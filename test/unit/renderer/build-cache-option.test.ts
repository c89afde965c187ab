/**
 * The Build view's registry cache option: its default ref (next to the image), the refs and flags it adds to
 * the command shown, and when it is off with a reason, all worked out by the core's own rule
 * (core/commands/build-cache.ts) from the builder facts the view has (the builder list's driver and nodes).
 */
import { describe, expect, it } from 'vitest';
import type { BuilderInfo, BuilderList } from '../../../core/contract/builder.js';
import { BuildRunInput, type BuildRunInput as BuildRunRequest } from '../../../core/contract/build.js';
import { cacheRefFor, modernEquivalent, oldSchoolBuildEquivalent } from '../../../core/commands/build.js';
import { cacheRefProblem, cacheUnavailableReason, defaultCacheRef, registryCachePlan } from '../../../core/commands/build-cache.js';
import { createIpcClient } from '../../../renderer/src/api/ipc-client.js';
import type { PreloadBridge } from '../../../renderer/src/api/types.js';
import { createAppStore } from '../../../renderer/src/store/index.js';
import { cacheChoice, previewCommands } from '../../../renderer/src/views/build-model.js';
import type { Envelope } from '../../../core/contract/index.js';

const TWO = ['linux/amd64', 'linux/arm64'];
const TAG = 'localhost:5000/hello:1';

function builder(name: string, driver: string, nodes = 1): BuilderInfo {
  return {
    name,
    driver,
    current: false,
    status: 'running',
    nodes: Array.from({ length: nodes }, (_, i) => ({ name: `${name}${i}`, endpoint: `n${i}`, status: 'running', platforms: [], pinnedPlatforms: [], driverOptions: {}, buildkitdFlags: [] })),
    platformNodes: [],
  };
}

const LIST: BuilderList = {
  buildxVersion: 'v0.13.1',
  current: 'default',
  builders: [builder('default', 'docker'), builder('mal-box', 'docker-container'), builder('mal-two', 'docker-container', 2)],
};

describe('the default cache ref: the image’s repository, tag buildcache', () => {
  it.each([
    ['localhost:5000/hello:1', 'localhost:5000/hello:buildcache'],
    ['localhost:5000/team/hello', 'localhost:5000/team/hello:buildcache'],
    ['registry.lan:5000/hello:2.1', 'registry.lan:5000/hello:buildcache'],
    ['hello:1', 'hello:buildcache'],
    // an image tagged buildcache would be replaced by its own cache
    ['localhost:5000/hello:buildcache', 'localhost:5000/hello:buildcache-cache'],
  ])('%s → %s', (image, ref) => {
    expect(defaultCacheRef(image)).toBe(ref);
    expect(cacheRefProblem(ref, image)).toBeNull();
  });

  it('none while the image is not a tag yet', () => {
    expect(defaultCacheRef('')).toBeUndefined();
    expect(defaultCacheRef('Localhost:5000/Hello:1 x')).toBeUndefined();
    expect(defaultCacheRef(`localhost:5000/hello@sha256:${'a'.repeat(64)}`)).toBeUndefined();
  });

  it('a typed ref is checked in the core’s words, and may not be the image itself', () => {
    expect(cacheRefProblem('localhost:5000/Hello:c', TAG)).toBe('a repository name is lowercase');
    expect(cacheRefProblem(`localhost:5000/hello@sha256:${'a'.repeat(64)}`, TAG)).toBe('a cache is kept under a tag, not a digest');
    expect(cacheRefProblem(TAG, TAG)).toBe('the cache would replace the image: keep it under another tag');
    // the core refuses the same at its boundary
    const input: BuildRunRequest = { context: '/p', platforms: TWO, tag: TAG, cacheRef: TAG };
    const parsed = BuildRunInput.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['cacheRef'], message: 'the cache would replace the image: keep it under another tag' });
  });
});

describe('the core’s rule: which refs a build reads and writes, and when it cannot keep one', () => {
  const ref = 'localhost:5000/hello:buildcache';

  it('the docker driver cannot export a cache: no flags, and the reason', () => {
    const plan = registryCachePlan({ cacheRef: ref, mode: 'modern', platforms: TWO, builder: { name: 'default', driver: 'docker', nodes: 1 }, builderName: 'default' });
    expect(plan).toEqual({ ref, used: false, reason: cacheUnavailableReason({ name: 'default', driver: 'docker' }), options: {} });
    expect(plan.reason).toBe('the builder default uses the docker driver, which cannot write a cache to a registry; build with a docker-container builder (builder create) to keep one');
    expect(cacheUnavailableReason({ name: 'b', driver: 'docker-container' })).toBeNull();
    expect(cacheUnavailableReason({ name: 'b', driver: 'remote' })).toBeNull();
  });

  it('one ref for a modern build on one node; one per platform the old-school way; both on several nodes', () => {
    const box = { name: 'box', driver: 'docker-container', nodes: 1 };
    expect(registryCachePlan({ cacheRef: ref, mode: 'modern', platforms: TWO, builder: box, builderName: 'box' })).toEqual({ ref, used: true, refs: [ref], options: { cacheRef: ref } });
    const perPlatform = ['localhost:5000/hello:buildcache-amd64', 'localhost:5000/hello:buildcache-arm64'];
    expect(TWO.map((p) => cacheRefFor(ref, p))).toEqual(perPlatform);
    expect(registryCachePlan({ cacheRef: ref, mode: 'old-school', platforms: TWO, builder: box, builderName: 'box' })).toEqual({
      ref,
      used: true,
      refs: perPlatform,
      options: { cacheRef: ref, cachePerPlatform: true },
    });
    const two = registryCachePlan({ cacheRef: ref, mode: 'modern', platforms: TWO, builder: { ...box, nodes: 2 }, builderName: 'box' });
    expect(two).toMatchObject({ used: true, refs: [ref, ...perPlatform], options: { cacheRef: ref, cacheFrom: perPlatform } });
    expect(two.reason).toContain('has 2 nodes and one buildx build writes one cache ref');
    // a builder whose facts could not be read: tried as asked, one ref
    expect(registryCachePlan({ cacheRef: ref, mode: 'modern', platforms: TWO, builder: undefined, builderName: 'x' })).toEqual({ ref, used: true, refs: [ref], options: { cacheRef: ref } });
  });
});

describe('the Build view’s cache option over the builder list', () => {
  const base = { on: true, typed: null, tag: TAG, mode: 'modern' as const, platforms: TWO, builders: LIST };

  it('off with the core’s reason for a builder with the docker driver', () => {
    const c = cacheChoice({ ...base, builderName: 'default' });
    expect(c.unavailable).toBe(cacheUnavailableReason({ name: 'default', driver: 'docker' }));
    expect(c.plan).toBeUndefined();
    expect(c.problem).toBeNull();
    expect(c.ref).toBe('localhost:5000/hello:buildcache');
  });

  it('on a docker-container builder: the default ref, and the flags in the command shown', () => {
    const c = cacheChoice({ ...base, builderName: 'mal-box' });
    expect(c).toMatchObject({ ref: 'localhost:5000/hello:buildcache', defaultRef: 'localhost:5000/hello:buildcache', unavailable: null, problem: null, unknownBuilder: false });
    expect(c.plan?.options).toEqual({ cacheRef: 'localhost:5000/hello:buildcache' });
    const shown = previewCommands({ mode: 'modern', platforms: TWO, tag: TAG, context: '/p', builder: 'mal-box', cache: c.plan!.options });
    expect(shown).toEqual([modernEquivalent({ context: '/p', builder: 'mal-box', plainHttp: true, cacheRef: 'localhost:5000/hello:buildcache', cachePlainHttp: true }, TWO, TAG)]);
    const words = shown[0]!.join(' ');
    expect(words).toContain('--cache-from type=registry,ref=localhost:5000/hello:buildcache,registry.insecure=true');
    expect(words).toContain('--cache-to type=registry,ref=localhost:5000/hello:buildcache,mode=max,registry.insecure=true');
  });

  it('the old-school way shows each platform’s own ref; several nodes that pin nothing: one build per platform, each with its ref', () => {
    const old = cacheChoice({ ...base, mode: 'old-school', builderName: 'mal-box' });
    expect(old.plan?.refs).toEqual(['localhost:5000/hello:buildcache-amd64', 'localhost:5000/hello:buildcache-arm64']);
    const shown = previewCommands({ mode: 'old-school', platforms: TWO, tag: TAG, context: '/p', builder: 'mal-box', cache: old.plan!.options });
    expect(shown[0]).toEqual(oldSchoolBuildEquivalent({ context: '/p', builder: 'mal-box', plainHttp: true, cacheRef: 'localhost:5000/hello:buildcache', cachePerPlatform: true, cachePlainHttp: true }, 'linux/amd64', 'localhost:5000/hello:1-amd64'));
    expect(shown[0]!.join(' ')).toContain('--cache-to type=registry,ref=localhost:5000/hello:buildcache-amd64,mode=max');
    const two = cacheChoice({ ...base, builderName: 'mal-two' });
    expect(two.plan?.options.nodeBuilds).toEqual([
      { node: 'mal-two0', platforms: ['linux/amd64'] },
      { node: 'mal-two0', platforms: ['linux/arm64'] },
    ]);
    expect(two.plan?.refs).toEqual(['localhost:5000/hello:buildcache-amd64', 'localhost:5000/hello:buildcache-arm64']);
    expect(two.plan?.reason).toContain('has 2 nodes and the cache is on');
  });

  it('a builder the list does not know yet: the cache is offered, and the core decides when the build starts', () => {
    expect(cacheChoice({ ...base, builderName: 'mybuilder' })).toMatchObject({ unknownBuilder: true, unavailable: null, plan: { used: true } });
    expect(cacheChoice({ ...base, builderName: 'mal-box', builders: null })).toMatchObject({ unknownBuilder: true, unavailable: null });
    expect(cacheChoice({ ...base, builderName: null })).toMatchObject({ unknownBuilder: true, unavailable: null });
  });

  it('a typed ref replaces the default; a wrong one is a problem only while the option is on', () => {
    expect(cacheChoice({ ...base, typed: ' localhost:5000/cache:x ', builderName: 'mal-box' }).plan?.ref).toBe('localhost:5000/cache:x');
    expect(cacheChoice({ ...base, typed: '  ', builderName: 'mal-box' }).plan?.ref).toBe('localhost:5000/hello:buildcache');
    expect(cacheChoice({ ...base, typed: 'localhost:5000/Cache:x', builderName: 'mal-box' })).toMatchObject({ problem: 'a repository name is lowercase', plan: undefined });
    expect(cacheChoice({ ...base, on: false, typed: 'localhost:5000/Cache:x', builderName: 'mal-box' })).toMatchObject({ problem: null, plan: undefined });
    expect(cacheChoice({ ...base, tag: 'localhost:5000/Hello', builderName: 'mal-box' }).problem).toBe('name the image first: the cache is kept next to it');
  });
});

describe('the cache choice is remembered and sent with the build', () => {
  it('the draft keeps it (the core’s copy survives a restart), and the build asks the core for the ref', async () => {
    const calls: Array<{ channel: string; input: unknown; answer: (e: Envelope) => void }> = [];
    const bridge: PreloadBridge = {
      invoke: (_id, channel, input) => new Promise<Envelope>((answer) => calls.push({ channel, input, answer })),
      cancel: () => undefined,
      on: () => () => undefined,
    };
    const store = createAppStore(createIpcClient(bridge), 'build');
    store.getState().setBuildDraft({ source: 'folder', folder: '/p', platforms: TWO, registryCache: true, cacheRef: 'localhost:5000/hello:c' });
    await new Promise((r) => setTimeout(r, 450));
    const saved = calls.filter((c) => c.channel === 'ui-state:set').at(-1)?.input as { key: string; value: Record<string, unknown> };
    expect(saved.key).toBe('build-draft');
    expect(saved.value).toMatchObject({ registryCache: true, cacheRef: 'localhost:5000/hello:c' });

    const build = store.getState().startBuild({ tag: TAG, cacheRef: 'localhost:5000/hello:c' });
    await new Promise((r) => setTimeout(r, 0));
    calls.find((c) => c.channel === 'build:check')!.answer({ ok: true, result: { context: '/p', dockerfile: '/p/Dockerfile', warnings: [] } });
    await new Promise((r) => setTimeout(r, 0));
    const run = calls.find((c) => c.channel === 'build:run')!;
    expect(run.input).toMatchObject({ tag: TAG, cacheRef: 'localhost:5000/hello:c', platforms: TWO });
    run.answer({ ok: false, error: { code: 'command-failed', message: 'stop here' } });
    await build;

    // a restart (browser mode: a new origin, nothing in localStorage) finds the choice in the core's copy
    const again = createAppStore(createIpcClient(bridge), 'build');
    expect(again.getState().build.draft).toMatchObject({ registryCache: false, cacheRef: null });
    const restored = again.getState().restoreRemembered();
    await new Promise((r) => setTimeout(r, 0));
    calls.filter((c) => c.channel === 'ui-state:get').at(-1)!.answer({ ok: true, result: { 'build-draft': saved.value } });
    await restored;
    expect(again.getState().build.draft).toMatchObject({ registryCache: true, cacheRef: 'localhost:5000/hello:c' });
  });
});
