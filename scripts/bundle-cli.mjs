// Bundles the compiled command line (dist/cli/main.js and what it imports, lazily loaded commands as chunks) into
// dist/cli-bundle, and stamps it with dist/'s compile state (cli/bundle-stamp.ts). Run after `tsc -b`; part of
// `npm run build`. Packages with native or optional parts stay outside the bundle and load from node_modules.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const out = path.join(dist, 'cli-bundle');
const { compileState, STAMP_FILE } = await import(path.join(dist, 'cli', 'bundle-stamp.js'));

const state = compileState(dist);
if (!state) {
  console.error('bundle-cli: dist/ is not compiled (no .tsbuildinfo): run tsc -b first.');
  process.exit(1);
}
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  // the browser-mode server too: cli/commands/serve.ts loads it by a path esbuild cannot follow, and as an entry of
  // the same build it shares the core's chunks with the commands
  entryPoints: { main: path.join(dist, 'cli', 'main.js'), server: path.join(dist, 'server', 'server.js') },
  define: { __MAL_BUNDLED__: 'true' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // dockerode (with ssh2, cpu-features, grpc) is loaded with createRequire only when a command needs it; ws has
  // optional native helpers it looks for at run time
  external: ['dockerode', 'ssh2', 'cpu-features', 'ws', 'electron'],
  // the CommonJS packages inside the bundle (commander) call require()
  banner: { js: "import { createRequire as __malCreateRequire } from 'node:module'; const require = __malCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
// what cli/index.ts runs before the rest loads, one build per command (cli/early-builder-ls.ts, cli/early-doctor.ts):
// each one file of its own, sharing no chunk with the command line or each other; what it loads only on demand
// (zod for a settings file, say) stays in chunks beside it
for (const name of ['early-builder-ls', 'early-doctor']) {
  await build({
    entryPoints: { [name]: path.join(dist, 'cli', `${name}.js`) },
    outdir: path.join(out, name),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}
await writeFile(path.join(out, STAMP_FILE), `${state}\n`);
console.log(`bundle-cli: dist/cli-bundle written (${state})`);
