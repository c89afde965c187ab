/** The `multiarch-lab` command as a user runs it, against the real engine. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DoctorReport } from '../../core/contract/doctor.js';
import { runCommand } from '../../core/docker/exec.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const entry = path.join(root, 'cli', 'index.ts');
/** The command line as `npm run build` leaves it (npm test builds before this project runs). */
const builtEntry = path.join(root, 'dist', 'cli', 'index.js');

let dataDir: string;
let env: NodeJS.ProcessEnv;
let engineVersion: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-cli-it-'));
  env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: dataDir };
  delete env.DOCKER_HOST;
  engineVersion = (await runCommand('/usr/bin/docker', ['version', '--format', '{{.Server.Version}}'], { env })).stdout.trim();
  expect(engineVersion).toMatch(/^\d+\.\d+/);
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return runCommand(tsx, [entry, ...args], { env: { ...env, ...extraEnv }, cwd: root, timeoutMs: 90_000 });
}

describe('multiarch-lab doctor', () => {
  test('--json reports the real engine and exits 0', async () => {
    const r = await cli(['doctor', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.engine?.version).toBe(engineVersion);
    expect(report.engine?.containerdImageStore).toBe(true);
    expect(report.buildx.available).toBe(true);
    expect(report.platforms.find((p) => p.platform === 'linux/arm64')?.support).toBe('emulated');
  });

  test('the readable report names the engine, the platforms and the checks', async () => {
    const r = await cli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Multiarch Lab doctor: ready for multi-arch work/);
    expect(r.stdout).toContain(`Docker Engine ${engineVersion}`);
    expect(r.stdout).toMatch(/^ {2}linux\/amd64 +native /m);
    expect(r.stdout).toMatch(/^ {2}linux\/arm64 +emulated +qemu-/m);
    expect(r.stdout).toMatch(/^ {2}\[ok\] docker buildx: buildx \d+\.\d+/m);
  });

  test('a dead DOCKER_HOST: exit 1, stderr names the endpoint and why', async () => {
    const dead = path.join(os.tmpdir(), `mal-nonexistent-${randomBytes(4).toString('hex')}.sock`);
    const r = await cli(['doctor'], { DOCKER_HOST: `unix://${dead}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: No Docker engine answered at DOCKER_HOST=unix://${dead}: no socket at ${dead}\\.`));
    expect(r.stderr).toMatch(/^hint: Start Docker at /m);
    expect(r.stdout).toMatch(/needs action/);
  });

  test('a dead DOCKER_HOST with --json: the report on stdout, the serialized error on stderr', async () => {
    const dead = path.join(os.tmpdir(), `mal-nonexistent-${randomBytes(4).toString('hex')}.sock`);
    const r = await cli(['doctor', '--json'], { DOCKER_HOST: `unix://${dead}` });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.engine).toBeNull();
    expect(report.attempts[0]).toMatchObject({ source: 'DOCKER_HOST', ok: false, reason: `no socket at ${dead}` });
    const error = JSON.parse(r.stderr) as { code: string; message: string };
    expect(error.code).toBe('engine-unreachable');
    expect(error.message).toContain(dead);
  });

  test('an unknown command is refused with a non-zero exit', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('multiarch-lab serve', () => {
  test('prints its address, answers only with the token, and stops cleanly on SIGTERM', async () => {
    // Spawned directly (not through runCommand) so the test can send the signal a user's Ctrl+C or service manager would,
    // and as the built command line with node itself: through tsx the signal goes to tsx, which hands it on and
    // SIGKILLs the real process (exit 143) when that does not say it got it within 30 ms, e.g. while it loads a module.
    const child = spawn(process.execPath, [builtEntry, 'serve', '--port', '0'], { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no address printed; stderr: ${stderr}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^Multiarch Lab is serving on (\S+)$/m.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on('exit', () => reject(new Error(`serve exited early; stderr: ${stderr}`)));
      });
      const address = new URL(url);
      expect(address.hostname).toBe('127.0.0.1');
      expect(address.searchParams.get('token')).toBeTruthy();
      const withoutToken = await fetch(`${address.origin}/`, { redirect: 'manual' });
      expect(withoutToken.status).toBe(401);
      const withToken = await fetch(url, { redirect: 'manual' });
      expect(withToken.status).not.toBe(401);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
