/**
 * The Doctor against the real engine of this machine: what it reports must match what the docker CLI says,
 * and what it calls "emulated" must really run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import type { EngineStatusEvent } from '../../core/contract/events.js';
import type { DoctorReport } from '../../core/contract/doctor.js';
import { EngineAccess } from '../../core/docker/engine.js';
import { runCommand } from '../../core/docker/exec.js';
import { parseBuildxVersion } from '../../core/docker/parsers/buildx-version.js';
import { EventBus } from '../../core/events.js';

const DOCKER = '/usr/bin/docker';
const TEST_LABEL = 'dev.multiarch-lab.test=doctor';
const BUSYBOX = 'multiarch-lab-test/busybox:1';

let dataDir: string;
let core: Core;
let report: DoctorReport;
// /usr/local/bin/docker (no buildx) may come first on PATH here; the app must still find buildx.
const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` };

async function docker(args: string[]): Promise<string> {
  const r = await runCommand(DOCKER, args, { env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-doctor-it-'));
  core = createCore({ mode: 'cli', dataDir, env });
  report = await core.call('doctor:report', {});
});

afterAll(async () => {
  await core?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('doctor:report on the real engine', () => {
  test('engine version and API version are what `docker version` says', async () => {
    expect(report.engine).not.toBeNull();
    expect(report.engine?.version).toBe(await docker(['version', '--format', '{{.Server.Version}}']));
    expect(report.engine?.apiVersion).toBe(await docker(['version', '--format', '{{.Server.APIVersion}}']));
    expect(report.engine?.os).toBe('linux');
    expect(report.engine?.arch).toBe(await docker(['info', '--format', '{{.Architecture}}']));
  });

  test('the endpoint that answered is the one recorded as selected', () => {
    const selected = report.attempts.filter((a) => a.selected);
    expect(selected).toHaveLength(1);
    expect(selected[0]?.ok).toBe(true);
    expect(selected[0]?.endpoint).toBe(report.engine?.endpoint);
  });

  test('containerd image store is on', async () => {
    expect(report.engine?.containerdImageStore).toBe(true);
    expect(await docker(['info', '--format', '{{json .DriverStatus}}'])).toContain('io.containerd.snapshotter.v1');
    expect(report.checks.find((c) => c.id === 'containerd-store')?.status).toBe('ok');
  });

  test('buildx is available in the version the CLI prints, with the current builder', async () => {
    const expected = parseBuildxVersion(await docker(['buildx', 'version']));
    expect(report.buildx.available).toBe(true);
    expect(report.buildx.version).toBe(expected?.version);
    expect(report.buildx.cliPath).toBeTruthy();
    const current = report.buildx.builders.find((b) => b.current);
    expect(current?.name).toBe(report.buildx.current);
    const inspected = await docker(['buildx', 'inspect']);
    expect(inspected).toMatch(new RegExp(`^Name:\\s+${current?.name}$`, 'm'));
  });

  test('linux/amd64 is native and linux/arm64 emulated, and that is true', async () => {
    const byPlatform = Object.fromEntries(report.platforms.map((p) => [p.platform, p]));
    expect(byPlatform['linux/amd64']?.support).toBe('native');
    expect(byPlatform['linux/arm64']?.support).toBe('emulated');
    expect(byPlatform['linux/arm64']?.via).toMatch(/binfmt_misc/);
    expect(report.emulationSource).toBe('binfmt_misc');
    expect(report.ready).toBe(true);

    for (const [platform, machine] of [['linux/arm64', 'aarch64'], ['linux/arm/v7', 'armv7l']] as const) {
      expect(byPlatform[platform]?.support).toBe('emulated');
      const name = `mal-doctor-${randomBytes(4).toString('hex')}`;
      const out = await core.engine.cli().run(['run', '--rm', '--pull', 'never', '--name', name, '--label', TEST_LABEL, '--platform', platform, BUSYBOX, 'uname', '-m'], { timeoutMs: 60_000 });
      expect(out.stdout.trim()).toBe(machine);
    }
  });

  test('the CLI bound to the engine talks to the same engine as dockerode', async () => {
    const viaCli = await core.engine.cli().run(['version', '--format', '{{.Server.Version}}']);
    const viaApi = (await (await core.engine.docker()).version()).Version;
    expect(viaCli.stdout.trim()).toBe(viaApi);
  });
});

describe('EngineAccess', () => {
  test('a dead DOCKER_HOST: engine-unreachable naming the endpoint and why, and an engine:status event', async () => {
    const dead = path.join(os.tmpdir(), `mal-nonexistent-${randomBytes(4).toString('hex')}.sock`);
    const events = new EventBus();
    const seen: EngineStatusEvent[] = [];
    events.on('engine:status', (e) => seen.push(e));
    const engine = new EngineAccess({ env: { ...env, DOCKER_HOST: `unix://${dead}` }, events });
    try {
      const error = await engine.connect().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'engine-unreachable', hint: expect.stringMatching(/^Start Docker/) });
      const message = (error as Error).message;
      expect(message).toContain(`DOCKER_HOST=unix://${dead}: no socket at ${dead}`);
      expect(message).toContain('unix:///var/run/docker.sock (Linux system socket): answers; DOCKER_HOST is set');
      expect((error as { details: { attempts: unknown[] } }).details.attempts.length).toBeGreaterThan(1);
      expect(seen).toEqual([{ reachable: false, message: expect.stringContaining(dead) }]);
    } finally {
      await engine.close();
    }
  });

  test('a docker context made by the real CLI is found, and the CLI is pointed at that context', async () => {
    const configDir = await mkdtemp(path.join(os.tmpdir(), 'mal-docker-config-'));
    const contextName = `mal-ctx-${randomBytes(3).toString('hex')}`;
    const ctxEnv: NodeJS.ProcessEnv = { ...env, DOCKER_CONFIG: configDir };
    delete ctxEnv.DOCKER_HOST;
    delete ctxEnv.DOCKER_CONTEXT;
    const engine = new EngineAccess({ env: ctxEnv, events: new EventBus() });
    try {
      // Files only (under a temporary DOCKER_CONFIG): nothing is created in the engine.
      for (const args of [['context', 'create', contextName, '--docker', 'host=unix:///var/run/docker.sock'], ['context', 'use', contextName]]) {
        const r = await runCommand(DOCKER, args, { env: ctxEnv, timeoutMs: 30_000 });
        expect(r.code, r.stderr).toBe(0);
      }
      const found = await engine.discover();
      expect(found.connection).toMatchObject({ source: `docker context "${contextName}"`, kind: 'context', endpoint: 'unix:///var/run/docker.sock' });
      expect(found.attempts[0]).toMatchObject({ source: `docker context "${contextName}"`, ok: true, selected: true });
      expect(found.connection?.cliEnv).toEqual({ DOCKER_CONTEXT: contextName, DOCKER_HOST: undefined });
      const shown = await engine.cli().run(['context', 'show']);
      expect(shown.stdout.trim()).toBe(contextName);
    } finally {
      await engine.close();
      await rm(configDir, { recursive: true, force: true });
    }
  });

  test('reachability events fire on change only', async () => {
    const events = new EventBus();
    const seen: EngineStatusEvent[] = [];
    events.on('engine:status', (e) => seen.push(e));
    const engine = new EngineAccess({ env, events });
    try {
      const first = await engine.connect();
      await engine.discover();
      engine.invalidate();
      const again = await engine.connect();
      expect(again.endpoint).toBe(first.endpoint);
      expect(seen).toEqual([{ reachable: true, endpoint: first.endpoint }]);
    } finally {
      await engine.close();
    }
  });
});
