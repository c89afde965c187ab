/**
 * Tables of the values people (and attackers) actually type into the fields that end up in docker commands:
 * image references, tags, platforms, resource names, run and task ids, paths. Each one, in every field of every
 * channel that takes that kind of value, is refused with `invalid-input` naming the field, and nothing starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../../core/contract/channels.js';
import { HUGE, VALID_SAMPLES, startPropertyCore, type PropertyCore } from './fixtures.js';

type Kind = 'reference' | 'tag' | 'platform' | 'name' | 'id' | 'path' | 'endpoint' | 'registry';

/** Where each kind of value goes: channel, path to the field (a number is an array index). */
const FIELDS: Array<{ kind: Kind; channel: Channel; path: Array<string | number> }> = [
  { kind: 'reference', channel: 'registry:inspect', path: ['reference'] },
  { kind: 'reference', channel: 'registry:delete', path: ['reference'] },
  { kind: 'reference', channel: 'registry:verify', path: ['reference'] },
  { kind: 'reference', channel: 'runs:start', path: ['reference'] },
  { kind: 'reference', channel: 'runs:hosts', path: ['reference'] },
  { kind: 'reference', channel: 'registry:up', path: ['image'] },
  { kind: 'reference', channel: 'tutorial:init', path: ['base'] },
  { kind: 'reference', channel: 'settings:update', path: ['registry', 'image'] },
  { kind: 'tag', channel: 'build:run', path: ['tag'] },
  { kind: 'platform', channel: 'registry:inspect', path: ['platform'] },
  { kind: 'platform', channel: 'registry:verify', path: ['platforms', 0] },
  { kind: 'platform', channel: 'runs:start', path: ['platforms', 0] },
  { kind: 'platform', channel: 'build:run', path: ['platforms', 0] },
  { kind: 'platform', channel: 'builder:create', path: ['platforms', 0] },
  { kind: 'platform', channel: 'builder:append-node', path: ['platforms', 0] },
  { kind: 'platform', channel: 'builder:install-emulators', path: ['platforms', 0] },
  { kind: 'name', channel: 'registry:up', path: ['name'] },
  { kind: 'name', channel: 'registry:up', path: ['volume'] },
  { kind: 'name', channel: 'registry:status', path: ['name'] },
  { kind: 'name', channel: 'registry:stop', path: ['name'] },
  { kind: 'name', channel: 'registry:start', path: ['name'] },
  { kind: 'name', channel: 'registry:down', path: ['name'] },
  { kind: 'name', channel: 'registry:down', path: ['volume'] },
  { kind: 'name', channel: 'registry:volume-usage', path: ['volume'] },
  { kind: 'name', channel: 'registry:gc', path: ['name'] },
  { kind: 'name', channel: 'builder:create', path: ['name'] },
  { kind: 'name', channel: 'builder:inspect', path: ['name'] },
  { kind: 'name', channel: 'builder:use', path: ['name'] },
  { kind: 'name', channel: 'builder:remove', path: ['name'] },
  { kind: 'name', channel: 'builder:append-node', path: ['name'] },
  { kind: 'name', channel: 'builder:append-node', path: ['nodeName'] },
  { kind: 'name', channel: 'build:run', path: ['builder'] },
  { kind: 'name', channel: 'settings:update', path: ['registry', 'name'] },
  { kind: 'name', channel: 'settings:update', path: ['registry', 'volume'] },
  { kind: 'name', channel: 'settings:update', path: ['builder', 'name'] },
  { kind: 'id', channel: 'runs:get', path: ['id'] },
  { kind: 'id', channel: 'runs:export', path: ['id'] },
  { kind: 'id', channel: 'runs:delete', path: ['id'] },
  { kind: 'id', channel: 'tasks:cancel', path: ['id'] },
  { kind: 'path', channel: 'build:run', path: ['context'] },
  { kind: 'path', channel: 'build:run', path: ['dockerfile'] },
  { kind: 'path', channel: 'build:check', path: ['context'] },
  { kind: 'path', channel: 'tutorial:init', path: ['dir'] },
  { kind: 'path', channel: 'settings:update', path: ['workspaceDir'] },
  { kind: 'endpoint', channel: 'builder:append-node', path: ['endpoint'] },
  { kind: 'registry', channel: 'registry:catalog', path: ['registry'] },
  { kind: 'registry', channel: 'registry:tags', path: ['registry'] },
  { kind: 'registry', channel: 'builder:create', path: ['insecureRegistries', 0] },
];

const SHELL = ['; rm -rf /', '$(id)', '`id`', '| cat /etc/passwd', '&& reboot', '\nid', '> /tmp/owned', "'", '"', ' --privileged'];

/** Per kind, values that must be refused. Paths are paths (".." is legitimate there), so they get NUL and size. */
const BAD: Record<Kind, string[]> = {
  reference: [
    ...SHELL.map((s) => `localhost:5000/hello:1${s}`),
    ...SHELL.map((s) => `${s}localhost:5000/hello:1`),
    'localhost:5000/../../etc/passwd',
    '../../etc/passwd',
    'localhost:5000/hello/../secret:1',
    'localhost:5000/hello:1\0',
    'localhost:5000/Hello:1',
    `localhost:5000/hello:${'t'.repeat(129)}`,
    `localhost:5000/${'a'.repeat(600)}:1`,
    HUGE,
    'localhost:5000/hello:1@sha256:short',
    'localhost:5000/hellö:1',
    '-v/:/host',
    '--help',
    '',
    ' ',
  ],
  tag: [
    ...SHELL.map((s) => `localhost:5000/hello:1${s}`),
    'localhost:5000/hello:../../x',
    'localhost:5000/hello:.hidden',
    'localhost:5000/hello:-flag',
    `localhost:5000/hello:${'t'.repeat(129)}`,
    `localhost:5000/hello@sha256:${'a'.repeat(64)}`,
    'localhost:5000/hello:1\0',
    HUGE,
  ],
  platform: [
    ...SHELL.map((s) => `linux/arm64${s}`),
    'linux/arm64,linux/amd64',
    'linux',
    'linux/',
    '/arm64',
    '../../etc/passwd',
    'linux/../../etc',
    'Linux/ARM64',
    'linux/arm/v7/extra',
    '--platform=linux/amd64',
    'linux/arm64\0',
    `linux/${'a'.repeat(100)}`,
    HUGE,
    '',
  ],
  name: [
    ...SHELL.map((s) => `lab${s}`),
    '-rf',
    '--privileged',
    '.hidden',
    '_under',
    '../../etc/passwd',
    'a/b',
    'a b',
    'naïve',
    '😀',
    'a\0',
    'a'.repeat(129),
    HUGE,
    '',
  ],
  id: [...SHELL.map((s) => `20261127${s}`), '../../etc/passwd', '..', 'a/b', 'a.json', 'a\0', 'a'.repeat(65), HUGE, ''],
  path: ['/tmp/project\0/etc/passwd', '\0', 'x'.repeat(4097), HUGE],
  endpoint: [
    ...SHELL.map((s) => `tcp://10.0.0.2:2375${s}`),
    '-H tcp://evil',
    '--config=/tmp/x',
    'tcp://10.0.0.2',
    'http://10.0.0.2:2375',
    'ssh://user@host:22/path;id',
    'unix://relative/socket',
    'tcp://10.0.0.2:2375\0',
    HUGE,
    '',
  ],
  registry: [
    ...SHELL.map((s) => `localhost:5000${s}`),
    'localhost:5000/path',
    'http://localhost:5000',
    'user:pass@localhost:5000',
    '-localhost',
    '../../etc',
    'localhost:5000\0',
    HUGE,
    '',
  ],
};

function withValue(sample: unknown, path: Array<string | number>, value: unknown): unknown {
  const out = structuredClone(sample) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = out;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = value;
  return out;
}

let pc: PropertyCore;

beforeAll(async () => {
  pc = await startPropertyCore();
});

afterAll(async () => {
  await pc?.close();
});

describe('every field that reaches a docker command refuses what it must', () => {
  it('has bad values for every kind of field, and every such field is in the table', () => {
    for (const kind of Object.keys(BAD) as Kind[]) expect(FIELDS.some((f) => f.kind === kind), kind).toBe(true);
    expect(new Set(FIELDS.map((f) => f.channel)).size).toBeGreaterThan(25);
  });

  it.each(FIELDS.map((f) => [`${f.channel} ${f.path.join('.')}`, f] as const))('%s', async (_label, field) => {
    // the sample passes as it is (channels.test.ts checks that), so each refusal is the bad value's doing
    const sample = VALID_SAMPLES[field.channel];
    const fieldPath = field.path.map(String);
    for (const bad of BAD[field.kind]) {
      const spawnsBefore = pc.spawns.length;
      const envelope = await pc.core.dispatch(field.channel, withValue(sample, field.path, bad));
      const shown = JSON.stringify(bad.length > 60 ? `${bad.slice(0, 60)}… (${bad.length} chars)` : bad);
      expect(envelope.ok, `${field.channel} accepted ${fieldPath.join('.')} = ${shown}`).toBe(false);
      if (envelope.ok) continue;
      expect(envelope.error.code, `${shown}: ${envelope.error.message}`).toBe('invalid-input');
      const paths = (envelope.error.details as Array<{ path: string[] }>).map((d) => d.path.join('.'));
      // the refusal points at the field (or, for a union, at the field's own entry)
      expect(paths.some((p) => p === fieldPath.join('.') || p.startsWith(`${fieldPath.join('.')}.`) || fieldPath.join('.').startsWith(p)), `${shown} refused at ${paths.join(', ')}`).toBe(true);
      expect(pc.spawns.length, `${shown} started a process`).toBe(spawnsBefore);
    }
  });
});

describe('ids and names can never walk out of their folder', () => {
  it('a traversal run id is refused before the history folder is touched', async () => {
    for (const channel of ['runs:get', 'runs:export', 'runs:delete'] as const) {
      for (const id of ['../settings', '../../../../etc/passwd', '..%2fsettings', 'a/../../b']) {
        const input = channel === 'runs:export' ? { id, format: 'json' } : { id };
        const envelope = await pc.core.dispatch(channel, input);
        expect(!envelope.ok && envelope.error.code, `${channel} ${id}`).toBe('invalid-input');
      }
    }
    // a well-formed id that does not exist is the domain's answer, not a crash
    const missing = await pc.core.dispatch('runs:get', { id: '20990101-000000-ffff' });
    expect(!missing.ok && missing.error.code).toBe('not-found');
    expect(await pc.core.dispatch('runs:delete', { id: '20990101-000000-ffff' })).toEqual({ ok: true, result: { deleted: false } });
  });
});
