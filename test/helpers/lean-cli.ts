/**
 * For the tests of the commands answered before the command line loads (cli/lean-*.ts): the environment of a run of
 * their own (its DOCKER_CONFIG and data folder, none of the variables that change the path taken), the command line
 * run with it, and a copy of dist/ without the command line's entry modules (what answers there answered alone).
 */
import { execFile } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_ENTRY = path.join(ROOT, 'dist', 'cli', 'index.js');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function leanEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, DOCKER_CONFIG: path.join(dir, 'docker-config'), MULTIARCH_LAB_DATA_DIR: path.join(dir, 'data'), NO_COLOR: '1' };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'BUILDX_BUILDER', 'BUILDX_CONFIG', 'MULTIARCH_LAB_DOCKER_CLI', 'MULTIARCH_LAB_LEAN', 'MULTIARCH_LAB_CLI_UNBUNDLED']) delete env[k];
  return env;
}

/** `node ENTRY args…` with `env` plus `extra`; its exit code and output, whatever the code. */
export async function runCli(entry: string, args: string[], env: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return run(process.execPath, [entry, ...args], { env: { ...env, ...extra }, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
}

/** dist/ copied into `dir` without cli/main.js and cli-bundle/main.js; returns the copy's cli/index.js. */
export async function distWithoutCommandLine(dir: string): Promise<string> {
  const copy = path.join(dir, 'dist');
  await cp(path.join(ROOT, 'dist'), copy, { recursive: true, preserveTimestamps: true });
  await rm(path.join(copy, 'cli-bundle', 'main.js'));
  await rm(path.join(copy, 'cli', 'main.js'));
  return path.join(copy, 'cli', 'index.js');
}
