import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../../../core/contract/errors.js';
import { formatCommand, runCommand, type RunOptions } from '../../../core/docker/exec.js';
import { isAlive, waitUntilGone } from '../../helpers/process.js';

describe('formatCommand', () => {
  test.each([
    [['docker', 'buildx', 'ls'], 'docker buildx ls'],
    [['docker', 'version', '--format', '{{.Server.Version}}'], "docker version --format '{{.Server.Version}}'"],
    [['docker', 'run', '--platform', 'linux/arm/v7', 'localhost:5000/app:1.0', 'uname', '-m'], 'docker run --platform linux/arm/v7 localhost:5000/app:1.0 uname -m'],
    [['echo', "it's"], "echo 'it'\\''s'"],
    [['echo', ''], "echo ''"],
    [['echo', 'a b', '$HOME', '`x`', 'semi;colon', 'glob*', 'new\nline'], "echo 'a b' '$HOME' '`x`' 'semi;colon' 'glob*' 'new\nline'"],
    [['docker', 'buildx', 'create', '--driver-opt', 'network=host', '--name', 'mybuilder'], 'docker buildx create --driver-opt network=host --name mybuilder'],
  ])('%j', (args, expected) => {
    expect(formatCommand(args)).toBe(expected);
  });

  test('a POSIX shell reads the quoted text back as the same arguments', async () => {
    const args = ['x', "it's", 'a b', '$HOME', '', '"q"', 'back\\slash', 'tab\there', '*'];
    // /bin/sh is the program under test here: it parses what formatCommand printed.
    const r = await runCommand('/bin/sh', ['-c', `for a in ${formatCommand(args.slice(1))}; do printf '%s\\0' "$a"; done`]);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(args.slice(1));
  });
});

describe('runCommand', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mal-exec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const node = process.execPath;

  test('collects stdout, stderr and the exit code; non-zero is not an error', async () => {
    const r = await runCommand(node, ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)']);
    expect(r).toEqual({ code: 3, stdout: 'out', stderr: 'err' });
  });

  test('arguments reach the program untouched (no shell in between)', async () => {
    const tricky = ['$(touch pwned)', '; rm -rf /', "'quoted'", 'a b'];
    const r = await runCommand(node, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...tricky]);
    expect(JSON.parse(r.stdout)).toEqual(tricky);
  });

  test('streams lines as they come, including a last line without newline', async () => {
    const lines: string[] = [];
    const errLines: string[] = [];
    await runCommand(node, ['-e', 'process.stdout.write("one\\r\\ntwo\\nthr"); setTimeout(() => { process.stdout.write("ee"); process.stderr.write("e1\\n") }, 20)'], {
      onStdoutLine: (l) => lines.push(l),
      onStderrLine: (l) => errLines.push(l),
    });
    expect(lines).toEqual(['one', 'two', 'three']);
    expect(errLines).toEqual(['e1']);
  });

  test('writes input to stdin', async () => {
    const r = await runCommand(node, ['-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(s.toUpperCase()))'], { input: 'hello' });
    expect(r.stdout).toBe('HELLO');
  });

  test('passes the environment given', async () => {
    const r = await runCommand(node, ['-e', 'process.stdout.write(process.env.MAL_TEST ?? "unset")'], { env: { ...process.env, MAL_TEST: 'yes' } });
    expect(r.stdout).toBe('yes');
  });

  test('a missing program is a not-found AppError', async () => {
    await expect(runCommand(path.join(dir, 'no-such-program'), [])).rejects.toMatchObject({ code: 'not-found' });
  });

  /**
   * Runs a child that starts a grandchild (which would outlive a plain child.kill()) and cancels once both run;
   * returns what the run rejected with and the grandchild's pid.
   */
  async function cancelWithGrandchild(pidName: string, opts: RunOptions = {}): Promise<{ error: unknown; grandchild: number }> {
    const pidFile = path.join(dir, pidName);
    const script = `
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(g.pid));
      console.log('started');
      setInterval(() => {}, 1000);
    `;
    const controller = new AbortController();
    const error = await runCommand(node, ['-e', script], {
      ...opts,
      signal: controller.signal,
      onStdoutLine: (l) => {
        if (l === 'started') controller.abort();
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, grandchild: Number(await readFile(pidFile, 'utf8')) };
  }

  test('cancelling kills the whole process tree and rejects with cancelled', async () => {
    const { error, grandchild } = await cancelWithGrandchild('grandchild.pid');
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('cancelled');
    await waitUntilGone(grandchild);
    expect(isAlive(grandchild)).toBe(false);
  });

  // /proc/PID/stat after the command name: state, ppid, process group, session
  const SESSION_OF_SELF = `process.stdout.write(require('node:fs').readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[3])`;
  const ownSessionId = () => readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[3];

  test.runIf(process.platform === 'linux')('a command gets a session of its own, unless ownSession is false', async () => {
    expect((await runCommand(node, ['-e', SESSION_OF_SELF])).stdout).not.toBe(ownSessionId());
    expect((await runCommand(node, ['-e', SESSION_OF_SELF], { ownSession: false })).stdout).toBe(ownSessionId());
  });

  test.runIf(process.platform === 'linux')('cancelling kills the whole tree also for a command left in our session', async () => {
    const { error, grandchild } = await cancelWithGrandchild('grandchild-same-session.pid', { ownSession: false });
    expect(error).toMatchObject({ code: 'cancelled' });
    await waitUntilGone(grandchild);
    expect(isAlive(grandchild)).toBe(false);
  });

  test('an already aborted signal does not start the program', async () => {
    const controller = new AbortController();
    controller.abort();
    const marker = path.join(dir, 'should-not-exist');
    await expect(runCommand(node, ['-e', `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`], { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    await expect(readFile(marker, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('a timeout kills the program and says how long it waited', async () => {
    const started = Date.now();
    await expect(runCommand(node, ['-e', 'setInterval(() => {}, 1000)'], { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(/did not finish within 0\.3 s/),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});


