import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { formatError, printError } from '../../../cli/output.js';
import { renderDoctorReport } from '../../../cli/render/doctor-report.js';
import { AppError } from '../../../core/contract/errors.js';
import { readBinfmtState } from '../../../core/doctor/host-probes.js';
import { buildReport } from '../../../core/doctor/report.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

describe('the doctor report as text', () => {
  test('a ready machine: engine, builders with the current one starred, platform table, checks', async () => {
    const report = buildReport({
      generatedAt: '2026-01-01T00:00:00.000Z',
      host: { os: 'linux', arch: 'x64' },
      attempts: [
        { source: 'Linux system socket', kind: 'socket', endpoint: 'unix:///var/run/docker.sock', ok: true, selected: true },
        { source: 'Colima socket', kind: 'socket', endpoint: 'unix:///home/ada/.colima/default/docker.sock', ok: false, reason: 'no socket at /home/ada/.colima/default/docker.sock' },
      ],
      engine: { endpoint: 'unix:///var/run/docker.sock', source: 'Linux system socket', version: '26.1.5', apiVersion: '1.45', os: 'linux', arch: 'x86_64', containerdImageStore: true, osType: 'linux', local: true },
      buildx: {
        available: true,
        version: '0.13.1',
        cliPath: '/usr/bin/docker',
        current: 'default',
        builders: [
          { name: 'default', driver: 'docker', current: true, nodes: [{ name: 'default', status: 'running', platforms: ['linux/amd64', 'linux/arm64'] }] },
          { name: 'mybuilder', driver: 'docker-container', current: false, nodes: [{ name: 'mybuilder0', status: 'inactive', platforms: ['linux/amd64', 'linux/arm64'], pinnedPlatforms: ['linux/arm64'] }] },
        ],
      },
      binfmt: await readBinfmtState(path.join(fixtures, 'binfmt', 'debian-qemu-user-static')),
    });
    const text = renderDoctorReport(report);
    expect(text.split('\n')[0]).toBe('Multiarch Lab doctor: ready for multi-arch work');
    expect(text).toContain('Docker Engine 26.1.5 (API 1.45)');
    expect(text).toMatch(/^ {4}\* default +docker +running +linux\/amd64, linux\/arm64$/m);
    expect(text).toMatch(/^ {6}mybuilder .*inactive +linux\/amd64, linux\/arm64\*$/m);
    expect(text).toMatch(/^ {2}linux\/amd64 +native +the engine's own CPU \(x86_64\)$/m);
    expect(text).toMatch(/^ {2}linux\/arm64 +emulated +qemu-aarch64 via binfmt_misc/m);
    expect(text).toMatch(/^ {2}using +unix:\/\/\/var\/run\/docker\.sock/m);
    expect(text).toMatch(/^ {2}no +unix:\/\/\/home\/ada\/\.colima\/default\/docker\.sock +Colima socket: no socket at/m);
    expect(text).toContain('[ok] Emulation (QEMU): Emulated: linux/arm64');
  });

  test('a missing piece shows its fix and copyable commands', () => {
    const report = buildReport({
      generatedAt: '2026-01-01T00:00:00.000Z',
      host: { os: 'linux', arch: 'x64' },
      attempts: [{ source: 'Linux system socket', kind: 'socket', endpoint: 'unix:///var/run/docker.sock', ok: false, reason: 'connection refused' }],
      engine: null,
      buildx: { available: false, cliPath: '/usr/bin/docker', builders: [] },
      binfmt: null,
    });
    const text = renderDoctorReport(report);
    expect(text.split('\n')[0]).toBe('Multiarch Lab doctor: needs action: 2 missing pieces');
    expect(text).toContain('  [missing] Docker Engine: No Docker engine answered.');
    expect(text).toContain('      $ sudo systemctl start docker');
    expect(text).toContain('      $ sudo apt-get install -y docker-buildx');
  });
});

describe('CLI errors', () => {
  test('error and hint lines', () => {
    expect(formatError({ code: 'engine-unreachable', message: 'No engine.', hint: 'Start Docker.' })).toBe('error: No engine.\nhint: Start Docker.\n');
  });

  test('--json prints the serialized error; unknown errors do not leak stacks', () => {
    let err = '';
    const streams = { stdout: () => undefined, stderr: (t: string) => (err += t) };
    expect(printError(new AppError('timeout', 'Too slow.', { hint: 'Wait.' }), { json: true }, streams)).toBe(1);
    expect(JSON.parse(err)).toEqual({ code: 'timeout', message: 'Too slow.', hint: 'Wait.' });
    err = '';
    printError(new TypeError('x is undefined'), {}, streams);
    expect(err).toMatch(/^error: x is undefined\nhint: This is a bug in Multiarch Lab/);
  });
});
