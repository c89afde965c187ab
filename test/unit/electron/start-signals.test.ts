/**
 * `npm start`'s handling of Ctrl-C, with a stand-in for Electron that records every signal it
 * gets. The stand-in sits where the electron package looks first (ELECTRON_OVERRIDE_DIST_PATH),
 * so scripts/start.mjs runs unchanged. A terminal's Ctrl-C is a SIGINT to the whole foreground
 * process group, and npm relays it once more to its child: both are reproduced here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const FAKE_ELECTRON = `#!${process.execPath}
const fs = require('node:fs');
const log = process.env.FAKE_LOG;
const note = (line) => fs.appendFileSync(log, line + '\\n');
if (process.env.FAKE_MODE === 'sigtrap') {
  process.stderr.write("[1:1:FATAL:setuid_sandbox_host.cc(158)] The SUID sandbox helper binary was found, but is not configured correctly. Rather than run without sandboxing I'm aborting now. You need to make sure that /opt/x/chrome-sandbox is owned by root and has mode 4755.\\n");
  process.kill(process.pid, 'SIGTRAP');
} else {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      note('signal ' + signal);
      // a graceful quit takes a moment (the core cancels builds and waits for their processes)
      setTimeout(() => { note('cleaned up'); process.exit(0); }, 400);
    });
  }
  note('ready ' + process.argv.slice(2).join(' '));
  setInterval(() => {}, 1000);
}
`;

let dir: string;
let logFile: string;
let started: ChildProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-start-'));
  logFile = path.join(dir, 'signals.log');
  await writeFile(logFile, '');
  const binary = path.join(dir, 'electron');
  await writeFile(binary, FAKE_ELECTRON);
  await chmod(binary, 0o755);
});

afterEach(async () => {
  if (started && started.exitCode === null && started.signalCode === null && started.pid) process.kill(-started.pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Runs `node scripts/start.mjs` as a terminal would: in a process group of its own (the foreground group). */
function startScript(mode = 'normal'): { child: ChildProcess; output: () => string; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dir, MULTIARCH_LAB_START_NO_BUILD: '1', FAKE_LOG: logFile, FAKE_MODE: mode };
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs')], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started = child;
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += String(c)));
  child.stderr?.on('data', (c: Buffer) => (text += String(c)));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, ended };
}

async function waitForLog(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(logFile, 'utf8');
    if (pattern.test(text)) return text;
    if (Date.now() > until) throw new Error(`the stand-in never logged ${String(pattern)}; log so far:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(process.platform !== 'win32')('npm start and signals (stand-in Electron)', () => {
  test('Ctrl-C (group SIGINT, then npm relaying it) reaches Electron once, and it gets to clean up', async () => {
    const { child, ended, output } = startScript();
    await waitForLog(/^ready /m);
    const pid = child.pid as number;
    process.kill(-pid, 'SIGINT'); // the terminal: the whole foreground group
    process.kill(pid, 'SIGINT'); // npm: the same interrupt relayed to its child
    await new Promise((r) => setTimeout(r, 100));
    process.kill(-pid, 'SIGINT'); // an impatient second Ctrl-C while it closes
    const { code } = await ended;
    const log = await readFile(logFile, 'utf8');
    expect(log.match(/^signal \w+/gm), log).toEqual(['signal SIGINT']);
    expect(log).toContain('cleaned up');
    expect(code, output()).toBe(0);
    expect(output()).toContain('is closing');
  });

  test('passes its arguments and the project folder to Electron', async () => {
    const { child, ended } = startScript();
    const log = await waitForLog(/^ready /m);
    expect(log).toContain(`ready ${root}`);
    process.kill(child.pid as number, 'SIGTERM');
    expect((await ended).code).toBe(0);
    expect((await readFile(logFile, 'utf8')).match(/^signal \w+/gm)).toEqual(['signal SIGTERM']);
  });

  test.runIf(process.platform === 'linux')('a sandbox abort (SIGTRAP) is explained with the fix instead of a bare signal', async () => {
    const { ended, output } = startScript('sigtrap');
    const { code, signal } = await ended;
    expect(signal).toBeNull();
    expect(code).toBe(1);
    expect(output()).toContain("sudo chmod 4755 '/opt/x/chrome-sandbox'");
    expect(output()).toContain('Chromium found no sandbox');
  });
});
