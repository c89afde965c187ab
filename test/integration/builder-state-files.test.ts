/**
 * builder:create reads the new builder from buildx's own files instead of a second `docker buildx inspect`
 * (issue 15). Those files must give exactly what inspect gives, for a builder the real CLI just created, and
 * must say a name is taken exactly when buildx says so; the current builder read from them must be the one
 * `docker buildx inspect` names, whatever `docker buildx use` chose; and builder:create, which looks at the new
 * node's container while the create runs, must answer what inspect answers, a leftover container included.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { fromInspect } from '../../core/builder/model.js';
import { builderNameTaken, currentBuilderName, readNewBuilder } from '../../core/builder/state-files.js';
import { createCore, type Core } from '../../core/index.js';
import { parseBuildxInspect } from '../../core/docker/parsers/buildx-inspect.js';
import { removeNodeLeftovers } from '../helpers/buildx-cli.js';

const run = promisify(execFile);
const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` };
const docker = (args: string[]) => run('/usr/bin/docker', args, { env });
const suffix = randomBytes(4).toString('hex');
const PLAIN = `mal-test-state-${suffix}`;
const PINNED = `mal-test-state-${suffix}-pin`;
const TEST_LABEL = 'dev.multiarch-lab.test=builder-state-files';

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

describe('the current builder from the files', () => {
  // A docker config of its own: `docker buildx use` here never changes the user's current builder.
  let configDir = '';
  const own = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...env, DOCKER_CONFIG: configDir, ...extra };
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete e[k];
    return e;
  };
  const buildx = (args: string[], extra: NodeJS.ProcessEnv = {}) => run('/usr/bin/docker', ['buildx', ...args], { env: own(extra) });
  /** What `docker buildx inspect` names (undefined when it fails), and what the files said just before it ran. */
  const both = async (extra: NodeJS.ProcessEnv = {}) => {
    const files = await currentBuilderName(own(extra));
    const inspected = await buildx(['inspect'], extra).then(
      (r) => parseBuildxInspect(r.stdout)?.name,
      () => undefined,
    );
    return { files, inspected };
  };
  const A = `mal-test-cur-${suffix}-a`;
  const B = `mal-test-cur-${suffix}-b`;
  const SOCKET = { DOCKER_HOST: 'unix:///var/run/docker.sock', DOCKER_CONTEXT: undefined };
  const OTHER = { DOCKER_HOST: 'unix:///run/mal-test-no-engine.sock', DOCKER_CONTEXT: undefined };

  afterAll(async () => {
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  test('no choice yet, `use`, `use --global`, `use --default`, a removed choice: the name buildx inspect gives', async () => {
    configDir = await mkdtemp(path.join(os.tmpdir(), 'mal-test-cur-'));
    // nothing chosen: the context's own builder
    expect(await both(SOCKET)).toEqual({ files: 'default', inspected: 'default' });
    expect(await both({ DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined })).toEqual({ files: 'default', inspected: 'default' });
    // no engine needed: these builders are never started
    await buildx(['create', '--name', A, '--driver', 'docker-container'], SOCKET);
    await buildx(['create', '--name', B, '--driver', 'docker-container'], SOCKET);

    await buildx(['use', A], SOCKET);
    expect(await both(SOCKET)).toEqual({ files: A, inspected: A });
    // chosen for another endpoint only
    expect(await both(OTHER)).toEqual({ files: 'default', inspected: 'default' });

    await buildx(['use', '--global', B], SOCKET);
    expect(await both(OTHER)).toEqual({ files: B, inspected: B });
    expect(await both(SOCKET)).toEqual({ files: B, inspected: B });

    await buildx(['use', '--default', A], SOCKET);
    // the default for this endpoint survives `current` moving to another endpoint
    expect(await both(OTHER)).toEqual({ files: 'default', inspected: 'default' });
    expect(await both(SOCKET)).toEqual({ files: A, inspected: A });

    await buildx(['use', B], SOCKET);
    await buildx(['rm', B], SOCKET);
    expect(await both(SOCKET)).toEqual({ files: 'default', inspected: 'default' });
  });

  test("a docker context's own builder, and a context that is not there", async () => {
    const context = `mal-test-cur-${suffix}-ctx`;
    await run('/usr/bin/docker', ['context', 'create', context, '--docker', 'host=unix:///var/run/docker.sock'], { env: own() });
    expect(await both({ DOCKER_HOST: undefined, DOCKER_CONTEXT: context })).toEqual({ files: context, inspected: context });
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: context }));
    expect(await both({ DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined })).toEqual({ files: context, inspected: context });
    // DOCKER_HOST wins over the config's context, as in the CLI (`use B` above dropped A as this endpoint's default)
    expect(await both(SOCKET)).toEqual({ files: 'default', inspected: 'default' });
    await buildx(['use', A], SOCKET);
    expect(await both(SOCKET)).toEqual({ files: A, inspected: A });
    expect(await both({ DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined })).toEqual({ files: context, inspected: context });
    // buildx fails: the files do not guess
    expect(await both({ DOCKER_HOST: undefined, DOCKER_CONTEXT: `${context}-none` })).toEqual({ files: undefined, inspected: undefined });
  });

  test('BUILDX_CONFIG moves the files, as it moves buildx; BUILDX_BUILDER is left to buildx', async () => {
    const moved = { ...SOCKET, BUILDX_CONFIG: path.join(configDir, 'elsewhere') };
    const C = `mal-test-cur-${suffix}-c`;
    expect(await both(moved)).toEqual({ files: 'default', inspected: 'default' });
    expect(await builderNameTaken(C, own(moved))).toBe(false);
    await buildx(['create', '--name', C, '--driver', 'docker-container', '--driver-opt', 'network=host'], moved);
    expect(await builderNameTaken(C, own(moved))).toBe(true);
    expect(await builderNameTaken(C, own(SOCKET))).toBe(false);
    expect(await readNewBuilder(C, own(moved))).toEqual(parseBuildxInspect((await buildx(['inspect', C], moved)).stdout));
    await buildx(['use', C], moved);
    expect(await both(moved)).toEqual({ files: C, inspected: C });
    expect(await currentBuilderName(own({ ...moved, BUILDX_BUILDER: A }))).toBeUndefined();
  });
});

describe('builder:create answers what `docker buildx inspect` answers', () => {
  // buildx state of its own (BUILDX_CONFIG), so neither the user's builders nor their current one are touched
  let buildxConfig = '';
  let dataDir = '';
  let core: Core | undefined;
  const PLAIN_CORE = `mal-test-state-${suffix}-core`;
  const LEFTOVER = `mal-test-state-${suffix}-left`;
  const coreEnv = (): NodeJS.ProcessEnv => ({ ...env, BUILDX_CONFIG: buildxConfig });
  const buildxOwn = (args: string[]) => run('/usr/bin/docker', ['buildx', ...args], { env: coreEnv() });
  const inspected = async (name: string) => {
    const current = parseBuildxInspect((await buildxOwn(['inspect'])).stdout)?.name;
    const raw = parseBuildxInspect((await buildxOwn(['inspect', name])).stdout);
    if (!raw) throw new Error(`docker buildx inspect ${name} printed nothing readable`);
    return { builder: fromInspect(raw, current === name), current };
  };

  afterAll(async () => {
    for (const name of [PLAIN_CORE, LEFTOVER]) await buildxOwn(['rm', name]).catch(() => undefined);
    await removeNodeLeftovers(`${LEFTOVER}0`);
    await core?.close();
    for (const dir of [buildxConfig, dataDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a new builder, and one whose BuildKit container is somehow there already', async () => {
    buildxConfig = await mkdtemp(path.join(os.tmpdir(), 'mal-test-state-buildx-'));
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-test-state-data-'));
    core = createCore({ mode: 'cli', dataDir, env: { ...coreEnv(), MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_RESOURCE_LABELS: TEST_LABEL } });

    const plain = await core.call('builder:create', { name: PLAIN_CORE, bootstrap: false, use: false });
    expect({ builder: plain.builder, current: plain.current }).toEqual(await inspected(PLAIN_CORE));
    expect(plain.builder).toMatchObject({ status: 'inactive', current: false });

    // a stopped container named the way buildx names the node's: buildx describes it, so the app must too
    const c = await docker(['create', '--name', `buildx_buildkit_${LEFTOVER}0`, '--label', TEST_LABEL, 'multiarch-lab-test/busybox:1', 'sleep', '600']);
    expect(c.stderr).toBe('');
    const left = await core.call('builder:create', { name: LEFTOVER, bootstrap: false, use: false });
    expect({ builder: left.builder, current: left.current }).toEqual(await inspected(LEFTOVER));
    expect(left.builder.status).not.toBe('inactive');
  });
});
