import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { buildFailedError } from '../../../core/build/errors.js';
import { BuildProgressTracker } from '../../../core/build/rawjson.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function failureOf(name: string, platforms: string[]) {
  const tracker = new BuildProgressTracker({ platforms });
  for (const line of readFileSync(path.resolve(here, '../../fixtures/rawjson', name), 'utf8').split('\n')) tracker.pushLine(line);
  tracker.finish('failed');
  const errorMessage = tracker.errorMessage();
  const dockerfileError = tracker.dockerfileError();
  const failedStep = tracker.failedStep();
  return buildFailedError({
    ...(errorMessage ? { errorMessage } : {}),
    ...(dockerfileError ? { dockerfileError } : {}),
    ...(failedStep ? { failedStep } : {}),
    command: ['docker', 'buildx', 'build', '.'],
    exitCode: 1,
  });
}

describe('errors of failed builds (from captured output)', () => {
  test('a failing RUN names the platform, the Dockerfile line and its text', () => {
    const e = failureOf('failing-run-3-platforms.txt', ['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    expect(e.code).toBe('command-failed');
    expect(e.message).toMatch(/^The build failed for linux\/amd64 at Dockerfile line 17 \(RUN echo "checking the machine.*\): failed to solve: process/);
    expect(e.hint).toMatch(/Fix line 17/);
    expect(e.details).toMatchObject({ dockerfileError: { line: 17 }, platform: 'linux/amd64' });
  });

  test('the 1-labs syntax line offline: a pull failure naming docker/dockerfile and what to do', () => {
    const e = failureOf('labs-syntax-offline.txt', ['linux/amd64']);
    expect(e.code).toBe('pull-failed');
    expect(e.message).toMatch(/could not pull the Dockerfile frontend image docker\/dockerfile:1-labs that the "# syntax=" line \(line 1\) asks for/);
    expect(e.hint).toMatch(/remove the line/);
  });

  test('an unknown instruction points at its line', () => {
    const e = failureOf('parse-error.txt', ['linux/amd64']);
    expect(e.code).toBe('command-failed');
    expect(e.message).toMatch(/at Dockerfile line 3 \(FOO bar\): .*unknown instruction: FOO/);
  });

  test('a base image that is not there, a missing builder, the classic store refusing several platforms', () => {
    expect(buildFailedError({ errorMessage: 'failed to solve: failed to resolve source metadata for localhost:5000/nope:1: localhost:5000/nope:1: not found', command: [], exitCode: 1 })).toMatchObject({
      code: 'pull-failed',
      message: expect.stringMatching(/could not find the image localhost:5000\/nope:1/),
    });
    expect(buildFailedError({ errorMessage: 'no builder "mybuilder" found', command: [], exitCode: 1 })).toMatchObject({ code: 'not-found', hint: expect.stringMatching(/builder create/) });
    expect(buildFailedError({ errorMessage: 'Multi-platform build is not supported for the docker driver.', command: [], exitCode: 1 }).code).toBe('unsupported');
  });
});
