import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { nativeLsVerified, normalPlatform, planBuildxLs } from '../../../core/builder/native-ls-plan.js';

const KEY = 'unix:///var/run/docker.sock';
let config: string;
let env: NodeJS.ProcessEnv;

async function put(rel: string, text: string): Promise<void> {
  const file = path.join(config, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

const instance = (name: string, node: Record<string, unknown> = {}) =>
  JSON.stringify({ Name: name, Driver: 'docker-container', Nodes: [{ Name: `${name}0`, Endpoint: KEY, Platforms: null, DriverOpts: { image: 'moby/buildkit:buildx-stable-1' }, Flags: null, Files: null, ...node }], Dynamic: false });

function reason(): string {
  const r = planBuildxLs(env, 'linux');
  return 'reason' in r ? r.reason : 'planned';
}

beforeEach(async () => {
  config = await mkdtemp(path.join(os.tmpdir(), 'mal-nls-plan-'));
  env = { HOME: config, DOCKER_CONFIG: config };
  for (const sub of ['instances', 'defaults', 'activity']) await mkdir(path.join(config, 'buildx', sub), { recursive: true });
  await put('buildx/current', JSON.stringify({ Key: KEY, Name: '', Global: false }));
});

afterEach(async () => {
  await rm(config, { recursive: true, force: true });
});

describe('which buildx ls runs are answered natively', () => {
  test('the default builder alone, and docker-container instances sorted by name before it', async () => {
    let r = planBuildxLs(env, 'linux');
    expect('plan' in r && r.plan.builders.map((b) => b.name)).toEqual(['default']);
    await put('buildx/instances/zeta', instance('zeta'));
    await put('buildx/instances/alpha', instance('alpha', { Platforms: [{ architecture: 'arm64', os: 'linux' }, { architecture: 'arm', os: 'linux', variant: 'v7' }] }));
    await put('buildx/activity/alpha', '2026-12-01T11:21:49Z');
    r = planBuildxLs(env, 'linux');
    if (!('plan' in r)) throw new Error(r.reason);
    expect(r.plan.socketPath).toBe('/var/run/docker.sock');
    expect(r.plan.current).toBe('default');
    expect(r.plan.builders.map((b) => [b.name, b.lastActivity])).toEqual([
      ['alpha', '2026-12-01T11:21:49Z'],
      ['zeta', '0001-01-01T00:00:00Z'],
      ['default', '0001-01-01T00:00:00Z'],
    ]);
    expect(r.plan.builders[0]?.nodes[0]?.pinned).toEqual(['linux/arm64', 'linux/arm/v7']);
  });

  test('the current builder as buildx reads it, when ls would leave the current file as it is', async () => {
    await put('buildx/instances/mine', instance('mine'));
    await put('buildx/current', JSON.stringify({ Key: KEY, Name: 'mine', Global: false }));
    expect('plan' in planBuildxLs(env, 'linux') && (planBuildxLs(env, 'linux') as { plan: { current: string } }).plan.current).toBe('mine');
    // chosen for another engine: buildx would reset the file
    await put('buildx/current', JSON.stringify({ Key: 'unix:///other.sock', Name: 'mine', Global: false }));
    expect(reason()).toMatch(/reset the current file/);
    // chosen for every engine
    await put('buildx/current', JSON.stringify({ Key: 'unix:///other.sock', Name: 'mine', Global: true }));
    expect((planBuildxLs(env, 'linux') as { plan: { current: string } }).plan.current).toBe('mine');
    // a --default choice buildx would apply (and write)
    await put('buildx/current', JSON.stringify({ Key: KEY, Name: '', Global: false }));
    const { createHash } = await import('node:crypto');
    await put(`buildx/defaults/${createHash('sha256').update(KEY).digest('hex').slice(0, 20)}`, 'mine');
    expect(reason()).toMatch(/--default/);
  });

  test('anything outside the verified set is left to buildx', async () => {
    const cases: Array<[string, () => Promise<void> | void, RegExp]> = [
      ['another driver', () => put('buildx/instances/r', JSON.stringify({ Name: 'r', Driver: 'remote', Nodes: [{ Name: 'r0', Endpoint: 'tcp://127.0.0.1:9' }] })), /driver remote/],
      ['a node on another engine', () => put('buildx/instances/o', instance('o', { Endpoint: 'ssh://me@host' })), /is on ssh/],
      ['a driver option 0.13.1 refuses', () => put('buildx/instances/m', instance('m', { DriverOpts: { memory: '1g' } })), /driver option memory/],
      ['a field we do not know', () => put('buildx/instances/f', instance('f', { Proxy: 'x' })), /has Proxy/],
      ['a platform buildx would normalise', () => put('buildx/instances/p', instance('p', { Platforms: [{ architecture: 'aarch64', os: 'linux' }] })), /normalise/],
      ['an activity time in another form', async () => {
        await put('buildx/instances/t', instance('t'));
        await put('buildx/activity/t', '2026-12-01T11:21:49.5+01:00');
      }, /activity of t/],
      ['a docker context', () => put('contexts/meta/abc/meta.json', '{"Name":"other"}'), /contexts exist/],
      ['no current file yet', () => rm(path.join(config, 'buildx', 'current')), /no current file/],
      ['BUILDX_BUILDER', () => void (env.BUILDX_BUILDER = 'x'), /BUILDX_BUILDER/],
      ['DOCKER_CONTEXT', () => void (env.DOCKER_CONTEXT = 'x'), /DOCKER_CONTEXT/],
      ['a tcp engine', () => void (env.DOCKER_HOST = 'tcp://127.0.0.1:2375'), /DOCKER_HOST tcp/],
      ['a context chosen in config.json', () => put('config.json', '{"currentContext":"desktop-linux"}'), /context is chosen/],
    ];
    for (const [what, setup, expected] of cases) {
      const saved = { ...env };
      await setup();
      expect(reason(), what).toMatch(expected);
      env = saved;
      await rm(path.join(config, 'buildx', 'instances'), { recursive: true, force: true });
      await rm(path.join(config, 'contexts'), { recursive: true, force: true });
      await rm(path.join(config, 'config.json'), { force: true });
      await mkdir(path.join(config, 'buildx', 'instances'));
      await put('buildx/current', JSON.stringify({ Key: KEY, Name: '', Global: false }));
      await put('buildx/activity/t', '2026-12-01T11:21:49Z');
      expect(reason(), `after ${what}`).toBe('planned');
    }
    expect('reason' in planBuildxLs(env, 'darwin')).toBe(true);
  });
});

describe('platforms and versions', () => {
  test('only platforms containerd would leave as they are are formatted', () => {
    expect(normalPlatform('linux', 'amd64', '')).toBe('linux/amd64');
    expect(normalPlatform('linux', 'amd64', 'v3')).toBe('linux/amd64/v3');
    expect(normalPlatform('linux', 'arm', 'v7')).toBe('linux/arm/v7');
    expect(normalPlatform('linux', 'arm64', '')).toBe('linux/arm64');
    for (const [o, a, v] of [
      ['linux', 'x86_64', ''],
      ['linux', 'aarch64', ''],
      ['linux', 'arm64', 'v8'],
      ['linux', 'arm', ''],
      ['linux', 'amd64', 'v1'],
      ['', 'amd64', ''],
      ['Linux', 'amd64', ''],
    ] as const) {
      expect(normalPlatform(o, a, v), `${o}/${a}/${v}`).toBeUndefined();
    }
  });

  test('only buildx 0.13.1 is verified', () => {
    expect(nativeLsVerified({ major: 0, minor: 13, patch: 1 })).toBe(true);
    expect(nativeLsVerified({ major: 0, minor: 13, patch: 0 })).toBe(false);
    expect(nativeLsVerified({ major: 0, minor: 14, patch: 1 })).toBe(false);
    expect(nativeLsVerified(null)).toBe(false);
  });
});
