#!/usr/bin/env node
/**
 * `npm run dist` (after the build): checks the metadata every installer target needs, then runs
 * electron-builder with build/electron-builder.yml and any arguments given (`npm run dist -- --linux`).
 * When electron-builder stops at a download (the Electron zip, or a target's tool from GitHub), this says
 * what it was fetching and how to get past it, instead of leaving a bare getaddrinfo error.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { metadataProblems } from './lib/dist-metadata.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configFile = 'build/electron-builder.yml';
const require = createRequire(import.meta.url);

const { getConfig } = require('app-builder-lib/out/util/config/config.js');
const config = await getConfig(root, configFile, null);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const problems = metadataProblems(pkg, config, root);
if (problems.length > 0) {
  console.error(`npm run dist: the installers cannot be built without:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('npm run dist: metadata for deb, AppImage, dmg and nsis is complete.');

const cli = path.join(path.dirname(require.resolve('electron-builder/package.json')), 'cli.js');
const child = spawn(process.execPath, [cli, '--config', configFile, ...process.argv.slice(2)], { cwd: root, stdio: ['inherit', 'pipe', 'pipe'] });
let output = '';
for (const [stream, target] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  stream.on('data', (chunk) => {
    target.write(chunk);
    output = (output + String(chunk)).slice(-65_536);
  });
}
const code = await new Promise((resolve) => child.once('close', (exitCode) => resolve(exitCode ?? 1)));
const offline = /(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET)\s+(\S+)/.exec(output);
if (code !== 0 && offline) {
  const building = [...output.matchAll(/building\s+target=(\S+)/g)].at(-1)?.[1];
  const packaging = /packaging\s+platform=(\S+)/.exec(output)?.[1];
  const appOutDir = /appOutDir=(\S+)/.exec(output)?.[1];
  const what = building ? `the tool the ${building} target runs` : `the Electron zip for ${packaging ?? 'this platform'}`;
  console.error(
    [
      '',
      `npm run dist stopped at a download: electron-builder needed ${what} from ${offline[2]}, which this machine cannot reach (${offline[1]}).`,
      building
        ? `The metadata checks and the unpacked app${appOutDir ? ` (${appOutDir})` : ''} are done; the ${building} installer is not.`
        : 'Nothing was packaged. With an Electron zip or an unpacked Electron folder at hand: npm run dist -- -c.electronDist=PATH',
      'To finish, run it where GitHub (or ELECTRON_MIRROR / ELECTRON_BUILDER_BINARIES_MIRROR) is reachable.',
    ].join('\n'),
  );
}
process.exit(code);
