/**
 * `builder ls` and the Doctor read `docker buildx ls` with one process (LS_TEMPLATE) instead of the table and the
 * JSON (issue 15). The one process must give exactly what the two gave: same builders, current builder, node
 * statuses, platforms, pinned platforms, failure reasons and driver details. Checked here on the real buildx, in a
 * DOCKER_CONFIG of the test's own (so a user's builders are never touched), with the kinds of builder that make the
 * table and the JSON differ: inactive and running docker-container builders, pinned platforms, two nodes, the
 * current one switched, and a builder whose node cannot be reached (an error row).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseLsJsonDetails } from '../../core/builder/model.js';
import { LS_TEMPLATE, mergeBuildxLs, parseBuildxLsJson, parseBuildxLsTable, parseBuildxLsTemplate } from '../../core/docker/parsers/buildx-ls.js';

const run = promisify(execFile);
const suffix = randomBytes(4).toString('hex');
const INACTIVE = `mal-lstpl-${suffix}-idle`;
const RUNNING = `mal-lstpl-${suffix}-run`;
const REMOTE = `mal-lstpl-${suffix}-remote`;
const BROKEN = `mal-lstpl-${suffix}-broken`;
let configDir: string;
let env: NodeJS.ProcessEnv;

const docker = async (args: string[]) => {
  try {
    const r = await run('/usr/bin/docker', args, { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
};
const mustDocker = async (args: string[]) => {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r;
};

/** The two-process answer (table with its stderr, and the JSON) against the one-process answer. */
async function both() {
  const [table, json, one] = await Promise.all([docker(['buildx', 'ls']), docker(['buildx', 'ls', '--format', 'json']), docker(['buildx', 'ls', '--format', LS_TEMPLATE])]);
  expect(one.code).toBe(0);
  const parsed = parseBuildxLsTemplate(one.stdout);
  expect(parsed, `template output could not be read:\n${one.stdout}`).toBeDefined();
  const before = mergeBuildxLs(parseBuildxLsTable(table.stdout, table.stderr), parseBuildxLsJson(json.stdout));
  const after = mergeBuildxLs(parsed!.table, parseBuildxLsJson(parsed!.jsonText));
  return { before, after, detailsBefore: parseLsJsonDetails(json.stdout), detailsAfter: parseLsJsonDetails(parsed!.jsonText) };
}

beforeAll(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'mal-lstpl-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, DOCKER_CONFIG: configDir };
  delete env.BUILDX_BUILDER;
  await mustDocker(['buildx', 'create', '--name', INACTIVE, '--driver', 'docker-container', '--platform', 'linux/arm64,linux/amd64', '--driver-opt', 'network=host']);
  await mustDocker(['buildx', 'create', '--name', RUNNING, '--driver', 'docker-container', '--driver-opt', 'network=host', '--bootstrap']);
  // a second node, pinned to arm64 and not started, on the same engine by another path (buildx refuses the same endpoint twice)
  await mustDocker(['buildx', 'create', '--name', RUNNING, '--append', '--node', `${RUNNING}-b`, '--platform', 'linux/arm64', '--driver-opt', 'network=host', 'unix:///run/docker.sock']);
  // a remote node nobody listens on (inactive), and a docker context whose engine does not answer: buildx cannot
  // load that builder (an error row, with its reason on stderr in the table)
  await mustDocker(['buildx', 'create', '--name', REMOTE, '--driver', 'remote', 'tcp://127.0.0.1:9']);
  await mustDocker(['context', 'create', BROKEN, '--docker', 'host=tcp://127.0.0.1:9']);
}, 180_000);

afterAll(async () => {
  for (const name of [INACTIVE, RUNNING, REMOTE]) await docker(['buildx', 'rm', '--force', name]);
  await docker(['context', 'rm', '--force', BROKEN]);
  await rm(configDir, { recursive: true, force: true });
}, 120_000);

describe('buildx ls in one process', () => {
  test('gives the same builders, nodes, platforms, pinned platforms, errors and current builder as the table and the JSON', async () => {
    const { before, after, detailsBefore, detailsAfter } = await both();
    expect(after).toEqual(before);
    expect(detailsAfter).toEqual(detailsBefore);
    // what the comparison covered, so it cannot pass on an empty list
    const names = after.builders.map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining(['default', INACTIVE, RUNNING, REMOTE, BROKEN]));
    expect(after.current).toBe('default');
    const idle = after.builders.find((b) => b.name === INACTIVE);
    expect(idle?.nodes[0]?.pinnedPlatforms).toEqual(['linux/arm64', 'linux/amd64']);
    const running = after.builders.find((b) => b.name === RUNNING);
    expect(running?.nodes.map((n) => n.name)).toEqual([`${RUNNING}0`, `${RUNNING}-b`]);
    expect(running?.nodes[0]?.status).toBe('running');
    expect(after.builders.find((b) => b.name === REMOTE)?.nodes[0]?.status).toBe('inactive');
    const broken = after.builders.find((b) => b.name === BROKEN);
    expect(broken?.status).toBe('error');
    expect(broken?.error).toMatch(/Cannot connect to the Docker daemon at tcp:\/\/127\.0\.0\.1:9/);
  }, 120_000);

  test('still the same after `docker buildx use` makes another builder current', async () => {
    await mustDocker(['buildx', 'use', INACTIVE]);
    const { before, after } = await both();
    expect(after).toEqual(before);
    expect(after.current).toBe(INACTIVE);
    expect(after.builders.find((b) => b.name === INACTIVE)?.current).toBe(true);
  }, 120_000);
});
