/**
 * builder:create reads the new builder from buildx's own files instead of a second `docker buildx inspect`
 * (issue 15). Those files must give exactly what inspect gives, for a builder the real CLI just created, and
 * must say a name is taken exactly when buildx says so.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { builderNameTaken, readNewBuilder } from '../../core/builder/state-files.js';
import { parseBuildxInspect } from '../../core/docker/parsers/buildx-inspect.js';

const run = promisify(execFile);
const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` };
const docker = (args: string[]) => run('/usr/bin/docker', args, { env });
const suffix = randomBytes(4).toString('hex');
const PLAIN = `mal-test-state-${suffix}`;
const PINNED = `mal-test-state-${suffix}-pin`;

afterAll(async () => {
  for (const name of [PLAIN, PINNED]) await docker(['buildx', 'rm', name]).catch(() => undefined);
});

describe("buildx's state files", () => {
  test('a builder created without bootstrap reads back as `docker buildx inspect` shows it', async () => {
    expect(await builderNameTaken(PLAIN, env)).toBe(false);
    await docker(['buildx', 'create', '--name', PLAIN, '--driver', 'docker-container', '--driver-opt', 'network=host']);
    expect(await builderNameTaken(PLAIN, env)).toBe(true);
    const fromFiles = await readNewBuilder(PLAIN, env);
    const inspected = parseBuildxInspect((await docker(['buildx', 'inspect', PLAIN])).stdout);
    expect(fromFiles).toEqual(inspected);
    expect(fromFiles?.nodes[0]).toMatchObject({ status: 'inactive', driverOptions: { network: 'host' } });
  });

  test('a builder with pinned platforms is left to buildx (undefined), never guessed', async () => {
    await docker(['buildx', 'create', '--name', PINNED, '--driver', 'docker-container', '--platform', 'linux/arm64']);
    expect(await readNewBuilder(PINNED, env)).toBeUndefined();
  });

  test('the default builder and unknown names', async () => {
    expect(await builderNameTaken('default', env)).toBe(true);
    expect(await builderNameTaken(`${PLAIN}-none`, env)).toBe(false);
    expect(await readNewBuilder(`${PLAIN}-none`, env)).toBeUndefined();
  });
});
