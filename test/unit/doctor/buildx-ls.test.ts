import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DockerCli } from '../../../core/docker/docker-cli.js';
import { runBuildxLs } from '../../../core/doctor/buildx-ls.js';
import { planBuildxLs } from '../../../core/builder/native-ls-plan.js';

/**
 * Stand-in docker binaries (small scripts) that answer `buildx version` with a given version, or as a CLI
 * without the plugin, and print which binary ran with which arguments for anything else.
 */
let dir: string;
const bins: Record<string, string> = {};

async function fakeDocker(name: string, buildx: string | null): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, 'docker');
  await writeFile(
    file,
    `#!/bin/sh
if [ "$1" = "buildx" ] && [ "$2" = "version" ]; then
  ${buildx ? `/bin/sleep 0.2; echo "github.com/docker/buildx v${buildx} abc123"; exit 0` : `echo "docker: 'buildx' is not a docker command." >&2; exit 1`}
fi
echo "${name}: $*"
`,
  );
  await chmod(file, 0o755);
  return folder;
}

/** A docker whose buildx (0.14 unless told) answers LS_TEMPLATE with one builder and one node, and logs every call. */
async function templateDocker(name = 'templ', version = '0.14.0'): Promise<string> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  const builder = JSON.stringify({ Name: 'b1', Driver: 'docker-container', Nodes: [{ Name: 'b10', Endpoint: 'unix:///var/run/docker.sock', Status: 'running', Platforms: ['linux/amd64', 'linux/arm64'] }] });
  const row = (cells: unknown[]) => [builder, ...cells.map((c) => JSON.stringify(c))].join('\t');
  const out = [row([true, 'b1', 'docker-container', '', '', '', '']), row([true, 'b10', 'unix:///var/run/docker.sock', 'running', 'v0.13.2', 'linux/amd64, linux/arm64*', ''])].join('\n');
  await writeFile(path.join(folder, 'out.txt'), `${out}\n`);
  const file = path.join(folder, 'docker');
  await writeFile(
    file,
    `#!/bin/sh
echo "$*" >> "${folder}/calls.log"
if [ "$1" = "buildx" ] && [ "$2" = "version" ]; then echo "github.com/docker/buildx v${version} abc123"; exit 0; fi
if [ "$1" = "buildx" ] && [ "$2" = "ls" ] && [ "$3" = "--format" ] && [ "$4" != "json" ]; then /bin/cat "${folder}/out.txt"; exit 0; fi
echo "templ: $*"
`,
  );
  await chmod(file, 0o755);
  return folder;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mal-buildx-ls-'));
  bins.templ = await templateDocker();
  bins.templ131 = await templateDocker('templ131', '0.13.1');
  bins.plain = await fakeDocker('plain', null);
  bins.old = await fakeDocker('old', '0.12.1');
  bins.modern = await fakeDocker('modern', '0.14.0');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cliOn = (...folders: string[]) => new DockerCli({ env: { PATH: folders.join(':') }, platform: 'linux' });

describe('runBuildxLs: the ls started beside the buildx probe, kept only when the probe agrees', () => {
  test('the first docker on PATH has buildx 0.13 or newer: the table and the JSON from that binary', async () => {
    const r = await runBuildxLs(cliOn(bins.modern!, bins.old!), 10_000);
    expect(r.resolved.buildx?.version).toBe('0.14.0');
    expect(r.table?.stdout.trim()).toBe('modern: buildx ls');
    expect(r.json?.stdout.trim()).toBe('modern: buildx ls --format json');
  });

  test('buildx before 0.13: the table only, as if the JSON had never been asked for', async () => {
    const r = await runBuildxLs(cliOn(bins.old!), 10_000);
    expect(r.table?.stdout.trim()).toBe('old: buildx ls');
    expect(r.json).toBeUndefined();
  });

  test('the first docker on PATH lacks buildx: its early runs are dropped and the binary with buildx answers', async () => {
    const r = await runBuildxLs(cliOn(bins.plain!, bins.modern!), 10_000);
    expect(r.resolved.path).toBe(path.join(bins.modern!, 'docker'));
    expect(r.table?.stdout.trim()).toBe('modern: buildx ls');
    expect(r.json?.stdout.trim()).toBe('modern: buildx ls --format json');
  });

  test('buildx 0.13+: one `ls` with the template gives the table (current, pinned) and the JSON, no second ls', async () => {
    const r = await runBuildxLs(cliOn(bins.templ!), 10_000);
    expect(r.parsedTable?.current).toBe('b1');
    expect(r.parsedTable?.builders[0]?.nodes[0]).toMatchObject({ name: 'b10', status: 'running', buildkitVersion: 'v0.13.2', pinnedPlatforms: ['linux/arm64'] });
    expect(JSON.parse(r.json?.stdout.split('\n')[0] ?? '{}')).toMatchObject({ Name: 'b1', Driver: 'docker-container' });
    const calls = (await readFile(path.join(bins.templ!, 'calls.log'), 'utf8')).trim().split('\n');
    expect(calls.filter((c) => c.startsWith('buildx ls'))).toHaveLength(1);
  });

  test('buildx 0.13.1 and buildx files the native ls answers, but the engine is not there: buildx is run, its answer kept', async () => {
    // buildx's files as the native path admits them (core/builder/native-ls-plan.ts), for an engine socket nobody serves
    const config = path.join(dir, 'native-config');
    const socket = path.join(dir, 'no-engine.sock');
    for (const sub of ['instances', 'defaults', 'activity']) await mkdir(path.join(config, 'buildx', sub), { recursive: true });
    await writeFile(path.join(config, 'buildx', 'current'), JSON.stringify({ Key: `unix://${socket}`, Name: '', Global: false }));
    const cli = new DockerCli({ env: { PATH: bins.templ131!, HOME: dir, DOCKER_CONFIG: config, DOCKER_HOST: `unix://${socket}` }, platform: 'linux' });
    expect(planBuildxLs(await cli.commandEnv(), 'linux')).toHaveProperty('plan');
    const r = await runBuildxLs(cli, 10_000);
    expect(r.resolved.buildx?.version).toBe('0.13.1');
    expect(r.parsedTable?.current).toBe('b1');
    const calls = (await readFile(path.join(bins.templ131!, 'calls.log'), 'utf8')).trim().split('\n');
    expect(calls.filter((c) => c.startsWith('buildx ls'))).toHaveLength(1);
  });

  test('a cancel while the probe runs ends the call as cancelled', async () => {
    const controller = new AbortController();
    const running = runBuildxLs(cliOn(bins.modern!), 10_000, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
  });

  test('a cancel before the binary is even guessed: cancelled, and no rejection left unhandled (it ends a server)', async () => {
    const unhandled: unknown[] = [];
    const note = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', note);
    try {
      const controller = new AbortController();
      const running = runBuildxLs(cliOn(bins.modern!), 10_000, controller.signal);
      controller.abort(); // while it looks for the likely binary on disk
      await expect(running).rejects.toMatchObject({ code: 'cancelled' });
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', note);
    }
  });
});
