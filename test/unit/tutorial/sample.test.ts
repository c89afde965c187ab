import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AppError } from '../../../core/contract/errors.js';
import { lintDockerfile } from '../../../core/tutorial/lint.js';
import { readExistingSample, renderTemplate, sampleDockerfile, scaffoldSample, SAMPLE_GREETING } from '../../../core/tutorial/sample.js';
import { LABS_SYNTAX_LINE } from '../../../core/tutorial/syntax.js';
import { dockerfileFindings, parseInstructions, parseStages } from '../../../core/build/readiness.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'multiarch-lab-sample-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the sample Dockerfile', () => {
  test('FROM the base, a COPY <<-"SCRIPT" heredoc with TAB-indented lines, chmod, CMD', async () => {
    const text = await sampleDockerfile({ base: 'alpine:3.15' });
    const lines = text.split('\n');
    expect(lines.filter((l) => /^[A-Z]+ /.test(l))).toEqual(['FROM alpine:3.15', 'COPY <<-"SCRIPT" /hello.sh', 'RUN chmod +x /hello.sh', 'CMD ["/hello.sh"]']);
    const start = lines.indexOf('COPY <<-"SCRIPT" /hello.sh');
    const end = lines.indexOf('\tSCRIPT');
    const body = lines.slice(start + 1, end);
    expect(body.every((l) => l.startsWith('\t') && !l.startsWith('\t '))).toBe(true);
    expect(body.map((l) => l.replace(/^\t+/, ''))).toEqual(['#!/bin/sh', `echo "${SAMPLE_GREETING}"`, 'uname -m']);
    expect(text.startsWith('#')).toBe(true);
    expect(text).not.toContain('syntax=');
    expect(lintDockerfile(text)).toEqual([]);
  });

  test('the syntax line goes first, and only when asked', async () => {
    const text = await sampleDockerfile({ base: 'localhost:5000/alpine:3.15', labsSyntax: true });
    expect(text.split('\n')[0]).toBe(LABS_SYNTAX_LINE);
    expect(text).toContain('FROM localhost:5000/alpine:3.15\n');
  });

  test('a base with a line break could inject instructions: refused', () => {
    expect(() => renderTemplate('FROM {{base}}', { base: 'alpine\nRUN evil' })).toThrow(AppError);
  });
});

describe('scaffoldSample', () => {
  test('writes Dockerfile and README.md into a new folder', async () => {
    const target = path.join(dir, 'deep', 'hello');
    const r = await scaffoldSample(target, { base: 'alpine:3.15' });
    expect(r.files).toEqual([path.join(target, 'Dockerfile'), path.join(target, 'README.md')]);
    expect(await readFile(r.dockerfile, 'utf8')).toBe(await sampleDockerfile({ base: 'alpine:3.15' }));
    expect(await readFile(path.join(target, 'README.md'), 'utf8')).toContain('`alpine:3.15`');
    expect(r.warnings).toEqual([]);
  });

  test('refuses to overwrite, leaving the user\'s files as they were; replaces them when asked', async () => {
    await writeFile(path.join(dir, 'Dockerfile'), 'FROM mine\n');
    const error = await scaffoldSample(dir, { base: 'alpine:3.15' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('conflict');
    expect((error as AppError).message).toMatch(/already holds Dockerfile; the sample was not written/);
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM mine\n');
    await expect(readFile(path.join(dir, 'README.md'), 'utf8')).rejects.toThrow();

    await scaffoldSample(dir, { base: 'alpine:3.15', overwrite: true });
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toContain('FROM alpine:3.15');
  });

  test('a file where the folder should be', async () => {
    await mkdir(path.join(dir, 'x'));
    await writeFile(path.join(dir, 'file'), '');
    await expect(scaffoldSample(path.join(dir, 'file'), { base: 'alpine:3.15' })).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('the fast-way sample', () => {
  test('a $BUILDPLATFORM stage does the work, the target stage only copies it; no lint warning, no readiness finding', async () => {
    const text = await sampleDockerfile({ base: 'alpine:3.15', sample: 'fast' });
    const stages = parseStages(parseInstructions(text));
    expect(stages.map((s) => [s.name, s.image, s.onBuildPlatform])).toEqual([
      ['prepare', 'alpine:3.15', true],
      [undefined, 'alpine:3.15', false],
    ]);
    // the target stage runs no program: nothing in it goes through an emulator
    expect(stages[1]!.instructions.map((i) => i.keyword)).toEqual(['COPY', 'CMD']);
    expect(stages[1]!.instructions[0]!.args).toBe('--from=prepare /out/ /');
    expect(stages[0]!.instructions.some((i) => i.keyword === 'RUN' && i.args.includes('$TARGETPLATFORM'))).toBe(true);
    expect(lintDockerfile(text)).toEqual([]);
    expect(dockerfileFindings(text, ['linux/amd64', 'linux/arm64', 'linux/arm/v7'], 'linux/amd64')).toEqual([]);
  });

  test('scaffoldSample writes the fast Dockerfile and its own README', async () => {
    const r = await scaffoldSample(dir, { base: 'localhost:5000/alpine:3.15', sample: 'fast' });
    expect(await readFile(r.dockerfile, 'utf8')).toBe(await sampleDockerfile({ base: 'localhost:5000/alpine:3.15', sample: 'fast' }));
    const readme = await readFile(path.join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('FROM --platform=$BUILDPLATFORM localhost:5000/alpine:3.15');
  });

  test('files already in a folder are recognised as the sample they are (fast or plain), and an edited one as neither', async () => {
    await scaffoldSample(dir, { base: 'localhost:5000/alpine:3.15', sample: 'fast', labsSyntax: true });
    expect(await readExistingSample(dir)).toEqual({ base: 'localhost:5000/alpine:3.15', labsSyntax: true, sample: 'fast' });
    await scaffoldSample(dir, { base: 'alpine:3.15', overwrite: true });
    expect(await readExistingSample(dir)).toEqual({ base: 'alpine:3.15', labsSyntax: false, sample: 'plain' });
    await writeFile(path.join(dir, 'Dockerfile'), `${await readFile(path.join(dir, 'Dockerfile'), 'utf8')}RUN true\n`);
    expect(await readExistingSample(dir)).toBeNull();
  });
});
