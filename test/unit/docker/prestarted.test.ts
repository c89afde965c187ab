import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCommand } from '../../../core/docker/exec.js';
import { dropPrestarted, prestartCommand, takePrestarted } from '../../../core/docker/prestarted.js';
import { waitUntilGone } from '../../helpers/process.js';

// Real processes (/bin/sh): what is checked is which process ran and whether a process not taken is stopped.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'prestarted-'));
});
afterAll(async () => {
  dropPrestarted();
  await rm(dir, { recursive: true, force: true });
});

const env = { PATH: '/usr/bin:/bin', A: '1' };

async function pidOf(file: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.trim()) return Number(text.trim());
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no pid in ${file}`);
}

const gone = (pid: number) => waitUntilGone(pid, 3000, 10);

describe.skipIf(process.platform === 'win32')('prestarted commands', () => {
  test('the same file, arguments, environment and timeout: the prestarted result, the same as running it then', async () => {
    const log = path.join(dir, 'same.log');
    const args = ['-c', `echo ran >> ${log}; echo "out $A"; echo err >&2; exit 3`];
    prestartCommand('/bin/sh', args, env, 30_000);
    const taken = takePrestarted('/bin/sh', args, { env: { ...env }, timeoutMs: 30_000 });
    expect(taken).toBeDefined();
    const result = await taken;
    expect((await readFile(log, 'utf8')).trim().split('\n')).toHaveLength(1);
    const fresh = await runCommand('/bin/sh', ['-c', `echo "out $A"; echo err >&2; exit 3`], { env, timeoutMs: 30_000 });
    expect(result).toEqual(fresh);
    // once only
    expect(takePrestarted('/bin/sh', args, { env, timeoutMs: 30_000 })).toBeUndefined();
  });

  test.each([
    ['another environment', { env: { ...env, A: '2' }, timeoutMs: 30_000 }, ['-c']],
    ['another timeout', { env, timeoutMs: 15_000 }, ['-c']],
    ['an option more', { env, timeoutMs: 30_000, cwd: '/' }, ['-c']],
    ['other arguments', { env, timeoutMs: 30_000 }, ['-ec']],
    ['an aborted signal', { env, timeoutMs: 30_000, signal: AbortSignal.abort() }, ['-c']],
  ])('%s: not taken, and the prestarted process is stopped', async (_name, opts, flag) => {
    const pidFile = path.join(dir, `${_name.replace(/\W/g, '-')}.pid`);
    prestartCommand('/bin/sh', ['-c', `echo $$ > ${pidFile}; exec sleep 30`], env, 30_000);
    const pid = await pidOf(pidFile);
    expect(takePrestarted('/bin/sh', [...flag, `echo $$ > ${pidFile}; exec sleep 30`], opts)).toBeUndefined();
    expect(await gone(pid)).toBe(true);
  });

  test('dropped when nobody took it: stopped', async () => {
    const pidFile = path.join(dir, 'drop.pid');
    prestartCommand('/bin/sh', ['-c', `echo $$ > ${pidFile}; exec sleep 30`], env, 30_000);
    const pid = await pidOf(pidFile);
    dropPrestarted();
    expect(await gone(pid)).toBe(true);
  });

  test("taken, then the taker's signal aborts: cancelled and stopped, as its own run would be", async () => {
    const pidFile = path.join(dir, 'abort.pid');
    const args = ['-c', `echo $$ > ${pidFile}; exec sleep 30`];
    prestartCommand('/bin/sh', args, env, 30_000);
    const pid = await pidOf(pidFile);
    const controller = new AbortController();
    const taken = takePrestarted('/bin/sh', args, { env, timeoutMs: 30_000, signal: controller.signal });
    expect(taken).toBeDefined();
    controller.abort();
    await expect(taken).rejects.toMatchObject({ code: 'cancelled' });
    expect(await gone(pid)).toBe(true);
  });
});
