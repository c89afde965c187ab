#!/usr/bin/env node
/**
 * Our own step for the Electron binary, run as this package's postinstall (and by
 * `npm run electron:download`). package.json's allowScripts denies the electron package's own
 * postinstall: that script exits 1 when GitHub (or ELECTRON_MIRROR) cannot be reached, and npm
 * then fails the whole install. Here the same download runs (electron's own install.js, so mirrors,
 * caches, checksums and ELECTRON_SKIP_BINARY_DOWNLOAD all behave as documented by Electron), but a
 * failure only explains itself: the install goes on, and `npm start` serves browser mode instead.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const strict = process.argv.includes('--strict');
// a stuck proxy must not hold `npm install` forever; a normal download takes well under this
const TIMEOUT_MS = 10 * 60 * 1000;

function electronPackageDir() {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

const dir = electronPackageDir();
if (!dir || !existsSync(path.join(dir, 'install.js'))) {
  // e.g. `npm install --omit=dev`: no desktop shell wanted, nothing to fetch
  process.exit(0);
}
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('Electron binary: not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set); `npm start` will serve browser mode.');
  process.exit(0);
}

const { version } = createRequire(import.meta.url)('electron/package.json');
const errorLines = [];
const child = spawn(process.execPath, [path.join(dir, 'install.js')], { cwd: dir, stdio: ['ignore', 'inherit', 'pipe'] });
child.stderr.on('data', (chunk) => {
  for (const line of String(chunk).split('\n')) if (line.trim()) errorLines.push(line.trim());
});
const timer = setTimeout(() => {
  errorLines.unshift(`no answer within ${TIMEOUT_MS / 60000} minutes`);
  child.kill('SIGTERM');
}, TIMEOUT_MS);

const { code, signal, spawnError } = await new Promise((resolve) => {
  child.once('error', (error) => resolve({ code: null, signal: null, spawnError: error }));
  child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
});
clearTimeout(timer);

if (code === 0) {
  console.log(`Electron ${version} binary: installed.`);
  process.exit(0);
}
const why =
  spawnError?.message ??
  // the first line of a stack is the error's message (e.g. "RequestError: getaddrinfo ENOTFOUND github.com")
  errorLines.find((line) => !line.startsWith('at ')) ??
  (signal ? `ended by ${signal}` : `exit code ${code}`);
// asked for on its own (npm run electron:download), a failed download is a failure
if (strict) {
  console.error(`Electron ${version} binary: the download failed (${why}). Try again once GitHub (or your ELECTRON_MIRROR) is reachable.`);
  process.exit(1);
}
console.log(
  [
    `Electron ${version} binary: NOT installed (${why}).`,
    '  The install goes on without it: `npm start` then serves the app in your browser (browser mode).',
    '  For the desktop window, run `npm run electron:download` once GitHub (or your ELECTRON_MIRROR) is reachable.',
  ].join('\n'),
);
process.exit(0);
