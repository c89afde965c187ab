/**
 * The command line runs from one bundle when it is current (issue 15: Node loads it faster than the ~200 modules it
 * is made of), and from the compiled modules when `tsc -b` has recompiled dist/ since the bundle was made. Both must
 * say the same; and the launcher must never run a bundle older than the code in dist/.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshBundleEntry } from '../../cli/bundle-stamp.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(ROOT, 'dist');
const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, NO_COLOR: '1' };

const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}, entry = path.join(DIST, 'cli', 'index.js')) => {
  try {
    const r = await run(process.execPath, [entry, ...args], { env: { ...env, ...extra }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
};

let copy: string;

beforeAll(async () => {
  copy = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-bundle-'));
  // a copy of what the launcher looks at, times kept to the nanosecond (cp -a), so the stamp still matches
  await mkdir(path.join(copy, 'dist'));
  for (const part of ['cli', 'core', 'server', 'cli-bundle', '.tsbuild']) await run('/bin/cp', ['-a', path.join(DIST, part), path.join(copy, 'dist', part)]);
  await cp(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
  await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
}, 60_000);

afterAll(async () => {
  await rm(copy, { recursive: true, force: true });
});

describe('the bundled command line', () => {
  test('npm run build left a current bundle, and the launcher picks it', () => {
    expect(freshBundleEntry(DIST)).toBe(path.join(DIST, 'cli-bundle', 'main.js'));
  });

  test('says the same as the compiled modules: help, version, a bad command, builder ls', async () => {
    for (const args of [['--help'], ['--version'], ['builder', '--help'], ['no-such-command'], ['builder', 'ls', '--json']]) {
      const [bundled, modules] = await Promise.all([cli(args), cli(args, { MULTIARCH_LAB_CLI_UNBUNDLED: '1' })]);
      expect({ args, ...bundled }).toEqual({ args, ...modules });
    }
  }, 60_000);

  test('a bundle older than the compiled code is not run: after tsc rewrites a .tsbuildinfo, the modules answer', async () => {
    const entry = path.join(copy, 'dist', 'cli', 'index.js');
    // stand in for the bundle with a marker, to see which one the launcher runs
    await writeFile(path.join(copy, 'dist', 'cli-bundle', 'main.js'), "process.stdout.write('from the bundle\\n');\n");
    expect((await cli(['doctor', '--help'], {}, entry)).stdout).toBe('from the bundle\n');
    const later = new Date(Date.now() + 10_000);
    await utimes(path.join(copy, 'dist', '.tsbuild', 'core.tsbuildinfo'), later, later);
    const after = await cli(['doctor', '--help'], {}, entry);
    expect(after.stdout).toContain('Usage: multiarch-lab doctor');
  }, 60_000);
});
