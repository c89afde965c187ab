#!/usr/bin/env node
/**
 * `multiarch-lab`: the answers known without commander first (static-answers.ts); otherwise the bundled command
 * line when it is current, else the compiled modules (same code, slower to load; see bundle-stamp.ts).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBundleEntry } from './bundle-stamp.js';
import { staticAnswer } from './static-answers.js';

const answer = staticAnswer(process.argv.slice(2), process.stdout.isTTY === true);
if (answer !== undefined) {
  process.stdout.write(answer);
} else {
  // before the rest loads: `builder ls` and `doctor` wait mostly for `docker buildx ls` (issue 15); loaded only for them
  const args = process.argv.slice(2);
  if (args[0] === 'doctor' || (args[0] === 'builder' && args[1] === 'ls')) (await import('./early-buildx-ls.js')).prestartBuildxLs(args, process.env);
  const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const bundled = process.env.MULTIARCH_LAB_CLI_UNBUNDLED === '1' ? undefined : freshBundleEntry(distDir);
  await import(bundled ? pathToFileURL(bundled).href : './main.js');
}
