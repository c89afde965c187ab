import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProject, CHECK_MAX_BYTES } from '../../../core/build/check.js';
import { BuildCheckInput } from '../../../core/contract/build.js';
import { AppError } from '../../../core/contract/errors.js';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function project(name: string, files: Record<string, string>): Promise<string> {
  const at = path.join(dir, name);
  await mkdir(at, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(at, file)), { recursive: true });
    await writeFile(path.join(at, file), text);
  }
  return at;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('build:check', () => {
  it('reads the Dockerfile of a folder and warns about a heredoc indented with spaces', async () => {
    const at = await project('spaces', { Dockerfile: 'FROM alpine:3.15\nCOPY <<-"SCRIPT" /hello.sh\n    #!/bin/sh\n    echo hi\nSCRIPT\n' });
    const result = await checkProject({ context: at });
    expect(result.context).toBe(at);
    expect(result.dockerfile).toBe(path.join(at, 'Dockerfile'));
    expect(result.text).toContain('COPY <<-"SCRIPT"');
    expect(result.warnings.map((w) => [w.code, w.line])).toContainEqual(['heredoc-spaces', 3]);
  });

  it('finds a Dockerfile named relative to the folder, and has nothing to say about a clean one', async () => {
    const at = await project('custom', { 'build/App.dockerfile': 'FROM alpine:3.15\nCOPY <<-"SCRIPT" /hello.sh\n\techo hi\n\tSCRIPT\n' });
    const result = await checkProject({ context: at, dockerfile: 'build/App.dockerfile' });
    expect(result.dockerfile).toBe(path.join(at, 'build', 'App.dockerfile'));
    expect(result.warnings).toEqual([]);
  });

  it('says what is missing: the folder, the Dockerfile, or that a file was given as the folder', async () => {
    const missing = await failure(checkProject({ context: path.join(dir, 'nope') }));
    expect([missing.code, missing.message]).toEqual(['not-found', `The folder ${path.join(dir, 'nope')} does not exist.`]);
    expect(missing.hint).toMatch(/sample project/);
    const empty = await project('empty', {});
    const noDockerfile = await failure(checkProject({ context: empty }));
    expect([noDockerfile.code, noDockerfile.message]).toEqual(['not-found', `${empty} has no Dockerfile.`]);
    const file = path.join(await project('file', { 'a.txt': 'x' }), 'a.txt');
    expect((await failure(checkProject({ context: file }))).code).toBe('invalid-input');
    expect((await failure(checkProject({ context: empty, dockerfile: '.' }))).message).toMatch(/is a folder, not a Dockerfile/);
  });

  it('refuses a file too big to be a Dockerfile instead of sending it to the screen', async () => {
    const at = await project('huge', { Dockerfile: `FROM scratch\n${'#'.repeat(CHECK_MAX_BYTES)}\n` });
    const error = await failure(checkProject({ context: at }));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(/too big to be a Dockerfile/);
  });

  it('takes only a folder and an optional Dockerfile path', () => {
    expect(BuildCheckInput.safeParse({ context: '/x' }).success).toBe(true);
    expect(BuildCheckInput.safeParse({}).success).toBe(false);
    expect(BuildCheckInput.safeParse({ context: '/x', extra: 1 }).success).toBe(false);
  });
});
