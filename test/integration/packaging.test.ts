/**
 * `electron-builder --dir` for Linux, for real, on a stand-in Electron: the Electron zip cannot be
 * downloaded here, and electron-builder accepts an unpacked Electron folder as `electronDist`. The
 * stand-in has what electron-builder touches: an `electron` file holding the fuse wire after its
 * sentinel (flipped by @electron/fuses) and a valid .asar in resources/ (hashed for asar integrity).
 * Then the package is checked as a user's machine would meet it: what app.asar holds, that the
 * packaged code finds its templates and pages, the fuses, and the metadata each installer needs.
 * Needs dist/ (npm test builds it before this phase).
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPackage, extractAll, extractFile, listPackage } from '@electron/asar';
import { getConfig } from 'app-builder-lib/out/util/config/config.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appPaths } from '../../electron/main/app-paths.js';
import { metadataProblems } from '../../scripts/lib/dist-metadata.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's factory states for the first fuses: RunAsNode on, cookie encryption off, NODE_OPTIONS on,
// --inspect on, asar integrity off, only-load-from-asar off, V8 snapshot off, file:// privileges on
const STOCK_WIRE = '10110001';
const FUSE_NAMES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
] as const;

interface PackageJson {
  name: string;
  productName?: string;
  version: string;
  description?: string;
  homepage?: string;
  repository?: unknown;
  author?: { name?: string; email?: string } | string;
  main: string;
  desktopName?: string;
  license?: string;
}

let work: string;
let appOutDir: string;
let asarFile: string;
let entries: string[];
let builderOutput = '';

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += String(c)));
    child.stderr.on('data', (c: Buffer) => (output += String(c)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Every dependency edge of the app at run time: package.json's dependencies and, recursively, theirs,
 * as installed (found the way Node finds them from each package's folder); optional ones that are not
 * installed are left out. `from` is the requiring package's folder relative to the project ('' = the app).
 */
async function runtimeEdges(): Promise<Array<{ from: string; name: string }>> {
  const edges: Array<{ from: string; name: string }> = [];
  const seen = new Set<string>();
  const visit = async (fromDir: string, deps: Record<string, string>, optional: Set<string>) => {
    const from = path.relative(root, fromDir).split(path.sep).join('/');
    for (const name of Object.keys(deps)) {
      let dir = fromDir;
      let located: string | undefined;
      for (;;) {
        const candidate = path.join(dir, 'node_modules', name);
        if (existsSync(path.join(candidate, 'package.json'))) {
          located = candidate;
          break;
        }
        if (dir === root || path.dirname(dir) === dir) break;
        dir = path.dirname(dir);
      }
      if (!located) {
        if (optional.has(name)) continue;
        throw new Error(`${name} (needed by ${from || 'the app'}) is not installed`);
      }
      edges.push({ from, name });
      if (seen.has(located)) continue;
      seen.add(located);
      const pkg = JSON.parse(await readFile(path.join(located, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        optionalDependencies?: Record<string, string>;
      };
      const optionalDeps = pkg.optionalDependencies ?? {};
      await visit(located, { ...pkg.dependencies, ...optionalDeps }, new Set(Object.keys(optionalDeps)));
    }
  };
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  await visit(root, pkg.dependencies, new Set());
  return edges;
}

/** An unpacked "Electron" with what electron-builder and @electron/fuses read; it cannot run. */
async function makeStandInElectron(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'resources'), { recursive: true });
  const binary = Buffer.concat([
    Buffer.from('stand-in for the Electron binary (packaging test)\n'),
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([1, STOCK_WIRE.length]),
    Buffer.from(STOCK_WIRE),
    Buffer.from('\n'),
  ]);
  await writeFile(path.join(dir, 'electron'), binary);
  await chmod(path.join(dir, 'electron'), 0o755);
  const defaultApp = path.join(dir, '..', 'default-app');
  await mkdir(defaultApp, { recursive: true });
  await writeFile(path.join(defaultApp, 'package.json'), '{"name":"default_app","main":"main.js"}\n');
  await writeFile(path.join(defaultApp, 'main.js'), '\n');
  await createPackage(defaultApp, path.join(dir, 'resources', 'default_app.asar'));
}

beforeAll(async () => {
  for (const built of ['dist/electron/main/index.js', 'dist/electron/preload/index.cjs', 'dist/renderer/index.html', 'dist/cli/index.js']) {
    if (!existsSync(path.join(root, built))) throw new Error(`${built} is missing: run "npm run build" before this test (npm test does)`);
  }
  work = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-packaging-'));
  const electronDist = path.join(work, 'electron-dist');
  await makeStandInElectron(electronDist);
  const out = path.join(work, 'out');
  const builderCli = path.join(root, 'node_modules', 'electron-builder', 'cli.js');
  const result = await run(
    process.execPath,
    [builderCli, '--config', 'build/electron-builder.yml', '--linux', '--x64', '--dir', '--publish', 'never', `-c.electronDist=${electronDist}`, `-c.directories.output=${out}`],
    240_000,
  );
  builderOutput = result.output;
  if (result.code !== 0) throw new Error(`electron-builder --dir failed (exit ${result.code}):\n${builderOutput}`);
  appOutDir = path.join(out, 'linux-unpacked');
  asarFile = path.join(appOutDir, 'resources', 'app.asar');
  entries = listPackage(asarFile, { isPack: false }).map((entry) => entry.split(path.sep).join('/'));
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packaged Linux app (electron-builder --dir on a stand-in Electron)', () => {
  test('is the app under its executable name, its code in resources/app.asar', () => {
    expect(existsSync(path.join(appOutDir, 'multiarch-lab')), builderOutput).toBe(true);
    expect(existsSync(asarFile)).toBe(true);
    expect(builderOutput).not.toMatch(/author is missed|Please specify project homepage/);
  });

  test('app.asar holds package.json, every built front and the assets', () => {
    for (const file of [
      '/package.json',
      '/dist/electron/main/index.js',
      '/dist/electron/preload/index.cjs',
      '/dist/cli/index.js',
      '/dist/server/server.js',
      '/dist/core/app.js',
      '/dist/renderer/index.html',
      '/assets/icon.png',
      '/assets/tutorial/Dockerfile.template',
      '/assets/tutorial/README.md.template',
      '/node_modules/dockerode/package.json',
      '/node_modules/zod/package.json',
      '/node_modules/ws/package.json',
    ]) {
      expect(entries, file).toContain(file);
    }
  });

  test('every package the app needs at run time resolves inside the package, the way Node looks it up there', async () => {
    const unresolved: string[] = [];
    for (const { from, name } of await runtimeEdges()) {
      // from the requiring package's folder up to the root, as Node's lookup goes
      let dir = from;
      let found = false;
      for (;;) {
        if (entries.includes(`${dir === '' ? '' : `/${dir}`}/node_modules/${name}/package.json`)) {
          found = true;
          break;
        }
        if (dir === '') break;
        dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '';
      }
      if (!found) unresolved.push(`${name} (needed by ${from || 'the app'})`);
    }
    expect(unresolved).toEqual([]);
  });

  test('and no sources, source maps, type or build-info files, tests, or packages only the build uses', () => {
    const offending = entries.filter(
      (entry) =>
        /\.(ts|mts|cts|map|tsx)$/.test(entry) ||
        /^\/(core|electron|server|cli|renderer|test|bench|scripts|build)\//.test(entry) ||
        /^\/dist\/\.(types|tsbuild)\b/.test(entry) ||
        /\/(test|tests|__tests__)\//.test(entry) ||
        /^\/node_modules\/(react|react-dom|zustand|lucide-react|electron|electron-builder|typescript|vite|vitest|@playwright)\//.test(entry),
    );
    expect(offending.slice(0, 20)).toEqual([]);
  });

  test('the packaged main finds its preload script and pages, and every file the page loads is inside', () => {
    // the main module computes these from its own folder, which in the package is /dist/electron/main
    const paths = appPaths('/dist/electron/main');
    expect(entries).toContain(paths.preload);
    expect(entries).toContain(`${paths.rendererDir}/index.html`);
    const html = extractFile(asarFile, 'dist/renderer/index.html').toString('utf8');
    const referenced = [...html.matchAll(/(?:src|href)="\.?\/?([^"]+)"/g)].map((m) => m[1]).filter((ref) => !/^[a-z]+:/.test(ref ?? ''));
    expect(referenced.length).toBeGreaterThan(0);
    for (const ref of referenced) expect(entries, `index.html loads ${ref}`).toContain(`${paths.rendererDir}/${ref}`);
  });

  test('the packaged core loads with what the package holds and finds the tutorial templates (its own lookup, run on the extracted package)', async () => {
    const extracted = path.join(work, 'extracted');
    extractAll(asarFile, extracted);
    const sample = path.join(extracted, 'dist', 'core', 'tutorial', 'sample.js');
    const app = path.join(extracted, 'dist', 'core', 'app.js');
    // loading the core pulls in every runtime package (dockerode and its own dependencies) from the package
    const script = `const m = await import(${JSON.stringify(`file://${sample}`)}); const core = await import(${JSON.stringify(`file://${app}`)}); console.log(typeof core.createCore); console.log(m.tutorialAssetsDir({}));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '' } });
    expect(stdout.trim().split('\n')).toEqual(['function', path.join(extracted, 'assets', 'tutorial')]);
  });

  test('the fuses are burnt into the packaged binary as the config says', async () => {
    const binary = await readFile(path.join(appOutDir, 'multiarch-lab'));
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
    const wire = binary.subarray(at + 2, at + 2 + STOCK_WIRE.length).toString('latin1');
    const config = await getConfig(root, 'build/electron-builder.yml', null);
    const wanted = config.electronFuses as Record<string, boolean | undefined>;
    FUSE_NAMES.forEach((name, i) => {
      const expected = wanted[name] === undefined ? STOCK_WIRE[i] : wanted[name] ? '1' : '0';
      expect(`${name}=${wire[i]}`).toBe(`${name}=${expected}`);
    });
    expect(wire).not.toBe(STOCK_WIRE);
  });

  test('carries the metadata the deb, AppImage, dmg and nsis targets refuse to build without', async () => {
    const source = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as PackageJson;
    const packaged = JSON.parse(extractFile(asarFile, 'package.json').toString('utf8')) as PackageJson;
    const config = await getConfig(root, 'build/electron-builder.yml', null);
    // deb (fpm): a project URL (homepage or repository) and a maintainer (linux.maintainer or the author's email)
    expect(source.homepage ?? source.repository, 'deb: "Please specify project homepage"').toBeTruthy();
    const authorEmail = typeof source.author === 'object' ? source.author.email : undefined;
    expect(config.linux?.maintainer ?? config.deb?.maintainer ?? authorEmail, 'deb: a maintainer').toBeTruthy();
    expect(source.description, 'deb/AppImage: a description').toBeTruthy();
    // every target: a name, version and author for the installer and its metadata
    for (const pkg of [source, packaged]) {
      expect(pkg.productName).toBe('Multiarch Lab');
      expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(typeof pkg.author === 'object' ? pkg.author.name : pkg.author).toBeTruthy();
      expect(pkg.main).toBe('dist/electron/main/index.js');
      // Electron reads desktopName from the packaged package.json as the Wayland app id / WM_CLASS
      expect(pkg.desktopName).toBe('multiarch-lab.desktop');
    }
    expect(source.license).toBe('MIT');
    // the same check npm run dist makes before it starts electron-builder
    expect(metadataProblems(source as unknown as Record<string, unknown>, config as unknown as Record<string, unknown>, root)).toEqual([]);
    // AppImage: a desktop entry with a category; dmg and nsis: an app id and their icons
    expect(config.linux?.category).toBeTruthy();
    expect(config.linux?.syncDesktopName).toBe(true);
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    expect(existsSync(path.join(root, String(config.mac?.icon)))).toBe(true);
    expect(existsSync(path.join(root, String(config.win?.icon)))).toBe(true);
  });
});
