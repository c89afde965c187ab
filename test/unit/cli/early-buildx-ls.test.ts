import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { prestartBuildxLs } from '../../../cli/early-buildx-ls.js';
import { dropPrestarted, takePrestarted } from '../../../core/docker/prestarted.js';
import { LS_TEMPLATE } from '../../../core/docker/parsers/buildx-ls.js';
import { dropEarlyNativeLs, takeEarlyNativeLs } from '../../../core/builder/native-ls.js';

// A fake `docker` (a shell script recording its arguments) on PATH: which command would start, with what.
let dir: string;
let bin: string;
let log: string;
let home: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'early-ls-'));
  await mkdir(path.join(dir, 'bin'));
  home = path.join(dir, 'home');
  await mkdir(path.join(home, '.docker'), { recursive: true });
  bin = path.join(dir, 'bin', 'docker');
  log = path.join(dir, 'log');
  await writeFile(bin, `#!/bin/sh\necho "$DOCKER_HOST $*" >> '${log}'\n`);
  await chmod(bin, 0o755);
});
afterEach(async () => {
  dropPrestarted();
  await writeFile(log, '');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = () => ({ PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, DOCKER_CONFIG: path.join(home, '.docker'), DOCKER_HOST: 'unix:///tmp/x.sock' });
const args = ['buildx', 'ls', '--format', LS_TEMPLATE];

describe.skipIf(process.platform === 'win32')('prestartBuildxLs', () => {
  test('builder ls --json: the first docker on PATH, DOCKER_HOST, DOCKER_CLI_HINTS=false, 30 s', async () => {
    const env = { ...base(), DOCKER_CONTEXT: '' };
    prestartBuildxLs(['builder', 'ls', '--json'], env, 'linux');
    const expected = { PATH: env.PATH, DOCKER_CONFIG: env.DOCKER_CONFIG, DOCKER_HOST: 'unix:///tmp/x.sock', DOCKER_CLI_HINTS: 'false' };
    const taken = takePrestarted(bin, args, { env: expected, timeoutMs: 30_000 });
    expect(taken).toBeDefined();
    expect((await taken)?.code).toBe(0);
    expect((await readFile(log, 'utf8')).trim()).toBe(`unix:///tmp/x.sock ${args.join(' ')}`);
  });

  test.each([
    ['another command', ['builder', 'ls', '--quiet'], {}],
    ['doctor with a flag', ['doctor', '--verbose'], {}],
    ['DOCKER_CONTEXT', ['doctor'], { DOCKER_CONTEXT: 'remote' }],
    ['ssh://', ['doctor'], { DOCKER_HOST: 'ssh://user@host' }],
  ])('%s: nothing starts', async (_name, argv, extra) => {
    prestartBuildxLs(argv, { ...base(), ...extra }, 'linux');
    expect(takePrestarted(bin, args, { env: {}, timeoutMs: 30_000 })).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(await readFile(log, 'utf8').catch(() => '')).toBe('');
  });

  test('buildx 0.13.1 in the probe cache and buildx files the native ls admits: no process, the native ls is asked instead', async () => {
    const data = path.join(dir, 'data');
    await mkdir(path.join(data, 'cache'), { recursive: true });
    await writeFile(path.join(data, 'cache', 'buildx-probe.json'), JSON.stringify({ version: 2, entries: { [bin]: { fingerprint: 'f', buildx: { version: '0.13.1', major: 0, minor: 13, patch: 1 } } } }));
    const buildx = path.join(home, '.docker', 'buildx');
    for (const sub of ['instances', 'defaults', 'activity']) await mkdir(path.join(buildx, sub), { recursive: true });
    await writeFile(path.join(buildx, 'current'), JSON.stringify({ Key: 'unix:///tmp/x.sock', Name: '', Global: false }));
    try {
      const env = { ...base(), MULTIARCH_LAB_DATA_DIR: data };
      prestartBuildxLs(['builder', 'ls', '--json'], env, 'linux');
      await new Promise((r) => setTimeout(r, 200));
      expect(await readFile(log, 'utf8').catch(() => '')).toBe('');
      expect(takePrestarted(bin, args, { env: {}, timeoutMs: 30_000 })).toBeUndefined();
      // asked for exactly the environment the docker CLI would get; no engine on /tmp/x.sock: no answer (buildx then runs)
      const early = takeEarlyNativeLs({ ...env, DOCKER_CLI_HINTS: 'false' });
      expect(early).toBeDefined();
      expect(await early).toBeUndefined();
    } finally {
      dropEarlyNativeLs();
      await rm(buildx, { recursive: true, force: true });
    }
  });

  test('a current context in config.json: nothing starts', async () => {
    await writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'desktop-linux' }));
    try {
      prestartBuildxLs(['doctor', '--json'], base(), 'linux');
      await new Promise((r) => setTimeout(r, 200));
      expect(await readFile(log, 'utf8').catch(() => '')).toBe('');
    } finally {
      await rm(path.join(home, '.docker', 'config.json'));
    }
  });
});
