/**
 * `builder ls` and `doctor` start `docker buildx ls` before the CLI loads (cli/early-buildx-ls.ts, issue 15). The
 * core takes that process when its own run would be identical, so one `buildx ls` runs per command; when the core
 * does not take it (here: the engine is down), it is stopped, not left running, and the command ends at once.
 * A docker wrapper (MULTIARCH_LAB_DOCKER_CLI) records every process the CLI starts. These runs set BUILDX_BUILDER
 * (which ls ignores), which keeps them out of the case answered with no process (core/builder/native-ls.ts); the
 * last test is that case: no `buildx ls` process at all, early or late. They also set MULTIARCH_LAB_LEAN=0: the
 * commands answered before the command line loads (cli/lean-*.ts) start no early process; this is the path they
 * hand over to.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isAlive, waitUntilGone } from '../helpers/process.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = path.join(ROOT, 'dist', 'cli', 'index.js');
const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, NO_COLOR: '1', BUILDX_BUILDER: 'default', MULTIARCH_LAB_LEAN: '0' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-prestart-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function wrapper(name: string, lsBody: string): Promise<{ bin: string; log: string }> {
  const bin = path.join(dir, name);
  const log = path.join(dir, `${name}.log`);
  await writeFile(log, '');
  await writeFile(bin, `#!/bin/sh\nif [ "$1" = buildx ] && [ "$2" = ls ]; then echo "$$ $*" >> '${log}'; ${lsBody}; fi\nexec /usr/bin/docker "$@"\n`);
  await chmod(bin, 0o755);
  return { bin, log };
}

const lsLines = async (log: string) => (await readFile(log, 'utf8')).split('\n').filter(Boolean);

describe('docker buildx ls started before the CLI loads', () => {
  test.each([['builder', 'ls', '--json'], ['doctor', '--json']])('%s %s: one `buildx ls` process, taken by the core', async (...args) => {
    const { bin, log } = await wrapper(`one-${args[0]}`, ':');
    const r = await run(process.execPath, [ENTRY, ...args], { env: { ...env, MULTIARCH_LAB_DOCKER_CLI: bin }, maxBuffer: 16 * 1024 * 1024 });
    const lines = await lsLines(log);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('buildx ls --format');
    const out = JSON.parse(r.stdout) as { builders?: { name: string }[]; buildx?: { builders?: { name: string }[] } };
    expect(JSON.stringify(out)).toContain('"default"');
  }, 60_000);

  test('the engine is down: the early process is stopped, not waited for, and none is left', async () => {
    const { bin, log } = await wrapper('down', 'exec sleep 30');
    const started = Date.now();
    const r = await run(process.execPath, [ENTRY, 'builder', 'ls', '--json'], { env: { ...env, MULTIARCH_LAB_DOCKER_CLI: bin, DOCKER_HOST: `unix://${path.join(dir, 'nope.sock')}` } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code ?? 1, stderr: e.stderr ?? '' }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('engine-unreachable');
    expect(Date.now() - started).toBeLessThan(15_000);
    const lines = await lsLines(log);
    expect(lines).toHaveLength(1);
    const pid = Number(lines[0]?.split(' ')[0]);
    await waitUntilGone(pid, 2000);
    expect(isAlive(pid)).toBe(false);
  }, 60_000);

  test.each([['builder', 'ls', '--json'], ['doctor', '--json']])('%s %s where buildx\'s files and the engine answer: no `buildx ls` process, the same output', async (...args) => {
    const { bin, log } = await wrapper(`native-${args[0]}`, ':');
    // a DOCKER_CONFIG of the test's own (the machine's builders change under other sessions): the default builder
    // alone, after one buildx ls has written buildx's files; and a data folder whose probe cache knows the wrapper
    const config = path.join(dir, `config-${args[0]}`);
    const nativeEnv: NodeJS.ProcessEnv = { ...env, MULTIARCH_LAB_DOCKER_CLI: bin, DOCKER_CONFIG: config, MULTIARCH_LAB_DATA_DIR: path.join(dir, `data-${args[0]}`) };
    delete nativeEnv.BUILDX_BUILDER;
    delete nativeEnv.DOCKER_HOST;
    delete nativeEnv.DOCKER_CONTEXT;
    await run('/usr/bin/docker', ['buildx', 'ls'], { env: nativeEnv });
    const viaBuildx = await run(process.execPath, [ENTRY, ...args], { env: { ...nativeEnv, BUILDX_BUILDER: 'default' }, maxBuffer: 16 * 1024 * 1024 });
    expect(await lsLines(log)).toHaveLength(1);
    await writeFile(log, '');
    const viaNative = await run(process.execPath, [ENTRY, ...args], { env: nativeEnv, maxBuffer: 16 * 1024 * 1024 });
    expect(await lsLines(log)).toEqual([]);
    const comparable = (text: string) => {
      const o = JSON.parse(text) as Record<string, unknown>;
      delete o.generatedAt;
      return o;
    };
    expect(comparable(viaNative.stdout)).toEqual(comparable(viaBuildx.stdout));
  }, 60_000);

  test('an engine that takes the connection and never answers: builder ls fails after one wait, as before', async () => {
    const { bin } = await wrapper('hang', ':');
    const socket = path.join(dir, 'hang.sock');
    const server = net.createServer((s) => s.on('data', () => undefined));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      // buildx's files in the native case for that engine, so the native path is the one tried
      const config = path.join(dir, 'config-hang');
      for (const sub of ['instances', 'defaults', 'activity']) await mkdir(path.join(config, 'buildx', sub), { recursive: true });
      await writeFile(path.join(config, 'buildx', 'current'), JSON.stringify({ Key: `unix://${socket}`, Name: '', Global: false }));
      const hangEnv: NodeJS.ProcessEnv = { ...env, MULTIARCH_LAB_DOCKER_CLI: bin, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${socket}`, MULTIARCH_LAB_DATA_DIR: path.join(dir, 'data-hang') };
      delete hangEnv.BUILDX_BUILDER;
      const started = Date.now();
      const r = await run(process.execPath, [ENTRY, 'builder', 'ls', '--json'], { env: hangEnv }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code?: number; stderr?: string }) => ({ code: e.code ?? 1, stderr: e.stderr ?? '' }),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('engine-unreachable');
      // one discovery wait (2.5 s), not two
      expect(Date.now() - started).toBeLessThan(4500);
    } finally {
      server.close();
    }
  }, 60_000);
});
