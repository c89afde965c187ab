/**
 * Shared material for the bad-input tests: one valid request per channel (the starting point of near-valid
 * mutations), hostile values, and a real core pointed at an engine that does not exist, so that nothing a
 * test dispatches can reach the real Docker engine even if a schema let something through.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { createCore, type Core } from '../../../core/app.js';
import type { Channel, ChannelInput } from '../../../core/contract/channels.js';
import * as exec from '../../../core/docker/exec.js';

/** The real runCommand, captured before any spy replaces the export. */
const realRunCommand = exec.runCommand;

export const VALID_RUN_ID = '20261127-041502-3f9a';

/** A request each channel accepts as it is. Typed per channel, so a contract change shows up here first. */
export const VALID_SAMPLES: { [C in Channel]: ChannelInput<C> } = {
  'app:info': {},
  'doctor:report': {},
  'settings:get': {},
  'settings:update': { registry: { port: 5001, name: 'lab-registry', volume: 'lab_data', image: 'registry:2' }, builder: { name: 'labbuilder' }, workspaceDir: '/tmp/lab-workspace' },
  'tasks:list': {},
  'tasks:cancel': { id: 'task-1' },
  'registry:catalog': { registry: 'localhost:5000', limit: 10 },
  'registry:tags': { registry: 'localhost:5000', repository: 'team/app' },
  'registry:inspect': { reference: 'localhost:5000/hello:1', platform: 'linux/arm64' },
  'registry:delete': { reference: 'localhost:5000/hello:1' },
  'registry:verify': { reference: 'localhost:5000/hello:1', platforms: ['linux/arm64'] },
  'registry:up': { name: 'lab-registry', port: 5000, volume: 'lab_data', image: 'registry:2', deleteEnabled: false },
  'registry:status': { name: 'lab-registry' },
  'registry:stop': { name: 'lab-registry' },
  'registry:start': { name: 'lab-registry' },
  'registry:down': { name: 'lab-registry', removeVolume: false, volume: 'lab_data' },
  'registry:volume-usage': { name: 'lab-registry', volume: 'lab_data' },
  'registry:gc': { name: 'lab-registry', dryRun: true, deleteUntagged: false },
  'registry:check': { name: 'lab-registry' },
  'engine:last-sweep': {},
  'builder:list': {},
  'builder:create': {
    name: 'labbuilder',
    driver: 'docker-container',
    driverOpts: { network: 'host' },
    use: false,
    bootstrap: false,
    insecureRegistries: ['192.168.1.20:5000'],
    platforms: ['linux/amd64', 'linux/arm64'],
  },
  'builder:inspect': { name: 'labbuilder' },
  'builder:use': { name: 'labbuilder' },
  'builder:remove': { name: 'labbuilder', keepState: false },
  'builder:append-node': { name: 'labbuilder', endpoint: 'tcp://10.0.0.2:2375', nodeName: 'node2', platforms: ['linux/arm64'] },
  'builder:emulators': {},
  'builder:install-emulators': { platforms: ['linux/arm64', 'linux/arm/v7'] },
  'builder:default-driver': {},
  'runs:start': { reference: 'localhost:5000/hello:1', platforms: ['linux/arm64'], timeoutMs: 5000, concurrency: 2, command: ['uname', '-m'], insecure: false },
  'runs:list': {},
  'runs:get': { id: VALID_RUN_ID },
  'runs:export': { id: VALID_RUN_ID, format: 'markdown' },
  'runs:delete': { id: VALID_RUN_ID },
  'runs:hosts': { reference: 'localhost:5000/hello:1' },
  'build:run': {
    context: '/tmp/lab-project',
    dockerfile: 'Dockerfile',
    platforms: ['linux/amd64', 'linux/arm64'],
    tag: 'localhost:5000/hello:1',
    mode: 'old-school',
    builder: 'labbuilder',
    noCache: true,
    buildArgs: { BASE: 'alpine:3.15' },
    labels: { 'dev.multiarch-lab.test': 'property' },
  },
  'build:check': { context: '/tmp/lab-project', dockerfile: 'Dockerfile' },
  'build:history': { reference: 'localhost:5000/hello:1', limit: 20 },
  'build:readiness': { context: '/tmp/lab-project', dockerfile: 'Dockerfile', platforms: ['linux/amd64', 'linux/arm64'] },
  'tutorial:init': { dir: '/tmp/lab-sample', base: 'alpine:3.15', overwrite: false },
  'tutorial:steps': {},
  'plain-http:list': {},
  'plain-http:add': { registry: 'registry.lan:5000' },
  'plain-http:remove': { registry: '192.168.1.20:5000' },
  'plain-http:check': { registry: 'k3d-myregistry.localhost:12345' },
  'ui-state:get': {},
  'ui-state:set': { key: 'build-draft', value: { base: 'alpine:3.15' } },
};

/**
 * Channels whose handlers only read, or write inside the test's own data folder, so a request that passes
 * validation may be dispatched for real. Everything else (creating registries and builders, builds, runs,
 * deletes, HTTP calls to whatever address was generated, writing a sample anywhere on disk) is only checked
 * against its schema.
 */
export const DISPATCH_WHEN_VALID: ReadonlySet<Channel> = new Set<Channel>([
  'app:info',
  'doctor:report',
  'settings:get',
  'settings:update',
  'tasks:list',
  'tasks:cancel',
  'registry:status',
  'registry:volume-usage',
  'builder:list',
  'builder:inspect',
  'builder:emulators',
  'builder:default-driver',
  'runs:list',
  'runs:get',
  'runs:export',
  'runs:delete',
  'build:check',
  'build:history',
  'tutorial:steps',
  'ui-state:get',
  'ui-state:set',
]);

export const HUGE = 'x'.repeat(100_000);

/** Strings that would do harm if they ever reached a shell, a path join or a flag position. */
export const HOSTILE_STRINGS: readonly string[] = [
  '; rm -rf /',
  'a;id',
  'a | cat /etc/passwd',
  'a && reboot',
  'a || true',
  '$(id)',
  '`id`',
  '${IFS}id',
  'a\nid',
  'a\r\nid',
  "a'b",
  'a"b',
  'a > /tmp/owned',
  'a < /etc/shadow',
  '&',
  '../../etc/passwd',
  '..',
  '/../../../../etc/passwd',
  '..\\..\\windows\\system32',
  '%2e%2e%2fetc%2fpasswd',
  'a\0b',
  '\0',
  HUGE,
  '-rf',
  '--privileged',
  '--volume=/:/host',
  '',
  ' ',
  '\t',
  'ünïcødé',
  '😀',
  '\u202egnp.exe',
  '\uFEFFlocalhost:5000/a:1',
  'ＡＢＣ',
  'localhost:5000/hello:1 --push',
  'localhost:5000/hello:1;id',
  'linux/arm64;id',
  'linux/arm64 linux/amd64',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data',
];

export const HOSTILE_NUMBERS: readonly number[] = [-1, 0, -0, 0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Number.MIN_SAFE_INTEGER, 65536, 70000, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

export const HOSTILE_OTHERS: readonly unknown[] = [
  null,
  undefined,
  true,
  false,
  [],
  {},
  ['a'],
  [HUGE],
  { nested: { deeper: ['$(id)'] } },
  JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  { constructor: { prototype: { polluted: true } } },
  new Array(10_000).fill('linux/amd64'),
];

export const HOSTILE_VALUES: readonly unknown[] = [...HOSTILE_STRINGS, ...HOSTILE_NUMBERS, ...HOSTILE_OTHERS];

export interface SpawnRecord {
  file: string;
  args: readonly string[];
}

export interface PropertyCore {
  core: Core;
  dataDir: string;
  /** Every process the core asked the exec module to start, in order. */
  spawns: SpawnRecord[];
  close(): Promise<void>;
}

/**
 * A real core on a temporary data folder whose DOCKER_HOST is a socket that does not exist (an explicit
 * DOCKER_HOST is used or nothing is, so the real engine stays out of reach). Every call to the one module
 * that starts processes is recorded and still runs.
 */
export async function startPropertyCore(): Promise<PropertyCore> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'mal-property-'));
  const dataDir = path.join(root, 'data');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `/usr/bin:${process.env.PATH ?? ''}`,
    DOCKER_HOST: `unix://${path.join(root, 'no-engine.sock')}`,
    MULTIARCH_LAB_DATA_DIR: dataDir,
  };
  delete env.DOCKER_CONTEXT;
  const spawns: SpawnRecord[] = [];
  const spy = vi.spyOn(exec, 'runCommand').mockImplementation((file, args, opts) => {
    spawns.push({ file, args: [...args] });
    return realRunCommand(file, args, opts);
  });
  const core = createCore({ mode: 'cli', dataDir, env });
  return {
    core,
    dataDir,
    spawns,
    close: async () => {
      spy.mockRestore();
      await core.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A channel's error codes that mean "the input was refused" or "the domain said no": anything but a crash. */
export const DOMAIN_CODES: ReadonlySet<string> = new Set([
  'invalid-input',
  'engine-unreachable',
  'buildx-missing',
  'not-found',
  'conflict',
  'port-taken',
  'pull-failed',
  'command-failed',
  'registry-error',
  'unauthorized',
  'cancelled',
  'timeout',
  'unsupported',
]);
