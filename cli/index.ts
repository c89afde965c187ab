#!/usr/bin/env node
/**
 * `multiarch-lab`: the answers known without commander first (static-answers.ts); otherwise the bundled command
 * line when it is current, else the compiled modules (same code, slower to load; see bundle-stamp.ts).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBundleDir } from './bundle-stamp.js';
import { staticAnswer } from './static-answers.js';
import type * as EarlyPathsModule from './early-paths.js';

type EarlyPaths = typeof EarlyPathsModule;

const answer = staticAnswer(process.argv.slice(2), process.stdout.isTTY === true);
if (answer !== undefined) {
  process.stdout.write(answer);
} else {
  const args = process.argv.slice(2);
  const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const bundleDir = process.env.MULTIARCH_LAB_CLI_UNBUNDLED === '1' ? undefined : freshBundleDir(distDir);
  // before the rest loads: `builder ls` and `doctor` wait mostly for `docker buildx ls` (issue 15); loaded only for them
  const early =
    args[0] === 'doctor' || (args[0] === 'builder' && args[1] === 'ls')
      ? ((await (bundleDir ? import(pathToFileURL(path.join(bundleDir, 'early', 'early.js')).href).catch(() => import('./early-paths.js')) : import('./early-paths.js'))) as EarlyPaths)
      : undefined;
  // `builder ls` (from buildx's files and the engine, where that gives the same answer) and `doctor`, without
  // loading the rest: cli/lean-builder-ls.ts, cli/lean-doctor.ts
  const answered =
    early !== undefined && (args[0] === 'doctor' ? await early.answerDoctor(args, process.env) : await early.answerBuilderLs(args, process.env));
  if (!answered) {
    early?.prestartBuildxLs(args, process.env);
    await import(bundleDir ? pathToFileURL(path.join(bundleDir, 'main.js')).href : './main.js');
  }
}
