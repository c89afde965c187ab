#!/usr/bin/env node
/**
 * `multiarch-lab`: the answers known without commander first (static-answers.ts); otherwise the bundled command
 * line when it is current, else the compiled modules (same code, slower to load; see bundle-stamp.ts).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBundleDir } from './bundle-stamp.js';
import { staticAnswer } from './static-answers.js';

/** cli/early-builder-ls.ts and cli/early-doctor.ts: what runs before the command line loads, for one command. */
interface Early {
  answer(args: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean>;
  prestartBuildxLs(args: readonly string[], env: NodeJS.ProcessEnv): void;
}

/** The bundled file when the bundle is current (and loads), else the compiled module. */
async function loadEarly(name: 'early-builder-ls' | 'early-doctor', bundleDir: string | undefined): Promise<Early> {
  const compiled = () => (name === 'early-doctor' ? import('./early-doctor.js') : import('./early-builder-ls.js'));
  if (!bundleDir) return compiled();
  return (import(pathToFileURL(path.join(bundleDir, name, `${name}.js`)).href) as Promise<Early>).catch(compiled);
}

const answer = staticAnswer(process.argv.slice(2), process.stdout.isTTY === true);
if (answer !== undefined) {
  process.stdout.write(answer);
} else {
  const args = process.argv.slice(2);
  const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const bundleDir = process.env.MULTIARCH_LAB_CLI_UNBUNDLED === '1' ? undefined : freshBundleDir(distDir);
  // `builder ls` (from buildx's files and the engine, where that gives the same answer) and `doctor` are answered
  // without loading the rest (cli/lean-builder-ls.ts, cli/lean-doctor.ts); both wait mostly for `buildx ls`
  const doctor = args[0] === 'doctor';
  const builderLs = args[0] === 'builder' && args[1] === 'ls';
  // their `buildx ls` starts first, from the small bundle, so BuildKit's answer (~50 ms) overlaps the rest: loading
  // the Doctor, finding the engine, checking buildx's files (the slots it leaves its answer in are on globalThis:
  // see core/docker/prestarted.ts)
  if (doctor || builderLs) (await loadEarly('early-builder-ls', bundleDir)).prestartBuildxLs(args, process.env);
  const early = doctor || builderLs ? await loadEarly(doctor ? 'early-doctor' : 'early-builder-ls', bundleDir) : undefined;
  const answered = early ? await early.answer(args, process.env) : false;
  // handed over: the command line's core takes what was started early, or stops it
  if (!answered) await import(bundleDir ? pathToFileURL(path.join(bundleDir, 'main.js')).href : './main.js');
}
