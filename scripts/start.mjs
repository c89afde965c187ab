#!/usr/bin/env node
/**
 * `npm start`: builds when the build is missing or older than the sources, then opens the
 * Electron app, or, where no Electron binary is installed, says so and serves browser mode.
 * Every process gets an argument array; nothing goes through a shell.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPARMOR_USERNS_SYSCTL, sandboxFailureFix } from './lib/electron-exit.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
// written after a build started here; dist/.tsbuild is never packaged
const stampFile = path.join(dist, '.tsbuild', 'start.stamp');
const SOURCE_DIRS = ['core', 'electron', 'server', 'cli', 'renderer', 'assets'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.base.json'];
const OUTPUTS = ['electron/main/index.js', 'electron/preload/index.cjs', 'cli/index.js', 'cli-bundle/main.js', 'cli-bundle/early-builder-ls/early-builder-ls.js', 'cli-bundle/early-doctor/early-doctor.js', 'renderer/index.html'];

function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Why a build is needed, or undefined when the last build is current. */
function buildReason() {
  const missing = OUTPUTS.find((file) => !existsSync(path.join(dist, file)));
  if (missing) return `dist/${missing} is missing`;
  if (!existsSync(stampFile)) return 'there is no record of a build started by npm start';
  const builtAt = statSync(stampFile).mtimeMs;
  const sourcesAt = Math.max(
    ...SOURCE_DIRS.map((dir) => newestMtime(path.join(root, dir))),
    ...SOURCE_FILES.map((file) => (existsSync(path.join(root, file)) ? statSync(path.join(root, file)).mtimeMs : 0)),
  );
  return sourcesAt > builtAt ? 'sources changed since the last build' : undefined;
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function buildIfNeeded() {
  const reason = buildReason();
  if (!reason) return;
  console.log(`Building Multiarch Lab (${reason})…`);
  // npm sets npm_execpath when it runs this script; calling its JS file through node avoids
  // needing a shell for npm.cmd on Windows
  const npmCli = process.env.npm_execpath;
  const { code, signal } =
    npmCli && /\.c?js$/.test(npmCli) ? await run(process.execPath, [npmCli, 'run', 'build']) : await run('npm', ['run', 'build']);
  if (code !== 0) {
    console.error(`The build failed (${signal ? `signal ${signal}` : `exit code ${code}`}); fix the errors above and run npm start again.`);
    process.exit(code || 1);
  }
  mkdirSync(path.dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, `${new Date().toISOString()}\n`);
}

/** The Electron binary's path, or the reason there is none. */
function findElectron() {
  try {
    const found = createRequire(import.meta.url)('electron');
    if (typeof found !== 'string') return { reason: 'the electron package did not name a binary' };
    if (!existsSync(found)) return { reason: `${found} does not exist` };
    return { path: found };
  } catch (error) {
    const message = String(error instanceof Error ? error.message : error);
    if (/failed to install correctly/i.test(message)) {
      return { reason: 'the electron package is present but its binary was never downloaded; `npm run electron:download` fetches it from GitHub' };
    }
    if (/cannot find module/i.test(message)) return { reason: 'the electron package is not installed' };
    return { reason: `loading the electron package failed: ${message.split('\n')[0]}` };
  }
}

/**
 * Runs the child until it ends and exits the way it did. Ctrl-C reaches it exactly once:
 * the child runs in a process group of its own, so the terminal's SIGINT (sent to the whole
 * foreground group) reaches only us and npm, and we pass on the first signal only. npm relays
 * the same Ctrl-C to us a second time; Electron treats a second SIGINT as "quit now" and would
 * skip its cleanup (cancelling builds, ending the docker processes they started).
 */
async function runChild(command, args, env, { electron = false } = {}) {
  const ownGroup = process.platform !== 'win32';
  const child = spawn(command, args, { cwd: root, env, detached: ownGroup, stdio: ['inherit', 'inherit', electron ? 'pipe' : 'inherit'] });
  // Electron's stderr is copied through and its tail kept, to recognise a sandbox abort
  let stderrTail = '';
  child.stderr?.on('data', (chunk) => {
    process.stderr.write(chunk);
    stderrTail = (stderrTail + String(chunk)).slice(-16_384);
  });
  let forwarded;
  const onSignal = (signal) => {
    if (forwarded) {
      if (forwarded !== 'noted') console.error(`\nMultiarch Lab is closing (it ends the work it started first)…`);
      forwarded = 'noted';
      return;
    }
    forwarded = signal;
    // on Windows the console hands Ctrl-C to the child itself, and kill() there would end it at once
    if (!ownGroup) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  // if we go away abruptly, a child in its own group would outlive us: end it the graceful way
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null && !forwarded) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  const { code, signal } = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
  });
  process.off('exit', onExit);
  for (const s of signals) process.off(s, onSignal);
  if (electron && signal) {
    const fix = sandboxFailureFix({
      platform: process.platform,
      signal,
      stderr: stderrTail,
      apparmorRestrictsUserns: readApparmorRestriction(),
      sandboxHelper: path.join(path.dirname(command), 'chrome-sandbox'),
    });
    if (fix) {
      console.error(`\n${fix}`);
      process.exit(1);
    }
  }
  if (signal) {
    // end the same way the child did, so callers see the signal
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 0);
}

function readApparmorRestriction() {
  try {
    return readFileSync(APPARMOR_USERNS_SYSCTL, 'utf8').trim() === '1';
  } catch {
    return undefined;
  }
}

const passThrough = process.argv.slice(2);
// tests and people who just built set this to start what is in dist/ as it is
if (!process.env.MULTIARCH_LAB_START_NO_BUILD) await buildIfNeeded();

const electron = findElectron();
if (electron.path) {
  const env = { ...process.env };
  // set by some tools; it would make Electron behave as plain Node and never open a window
  delete env.ELECTRON_RUN_AS_NODE;
  await runChild(electron.path, [root, ...passThrough], env, { electron: true });
} else {
  console.log(`No Electron binary is installed here (${electron.reason}); starting browser mode instead.`);
  await runChild(process.execPath, [path.join(dist, 'cli', 'index.js'), 'serve', ...passThrough], process.env);
}
