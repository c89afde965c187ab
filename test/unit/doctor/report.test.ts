import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { BuildxInfo, EndpointAttempt, EngineInfo } from '../../../core/contract/doctor.js';
import { parseBinfmtHandler, type BinfmtState } from '../../../core/docker/parsers/binfmt.js';
import { readBinfmtState } from '../../../core/doctor/host-probes.js';
import { classifyPlatforms, nativePlatforms } from '../../../core/doctor/platforms.js';
import { normalizeArch } from '../../../core/platform.js';
import { buildReport, HOST_NETWORK_BUILDER_COMMAND, type DoctorFacts } from '../../../core/doctor/report.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

const systemSocketOk: EndpointAttempt = { source: 'Linux system socket', kind: 'socket', endpoint: 'unix:///var/run/docker.sock', ok: true, selected: true };

const engine26: EngineInfo = {
  endpoint: 'unix:///var/run/docker.sock',
  source: 'Linux system socket',
  version: '26.1.5',
  apiVersion: '1.45',
  os: 'linux',
  arch: 'x86_64',
  containerdImageStore: true,
  osType: 'linux',
  local: true,
};

const buildxDefault: BuildxInfo = {
  available: true,
  version: '0.13.1',
  cliPath: '/usr/bin/docker',
  current: 'default',
  builders: [{ name: 'default', driver: 'docker', current: true, status: 'running', nodes: [{ name: 'default', status: 'running', platforms: ['linux/amd64', 'linux/arm64'] }] }],
};

async function debianBinfmt(): Promise<BinfmtState> {
  return readBinfmtState(path.join(fixtures, 'binfmt', 'debian-qemu-user-static'));
}

function facts(over: Partial<DoctorFacts>): DoctorFacts {
  return {
    generatedAt: '2026-01-01T00:00:00.000Z',
    host: { os: 'linux', arch: 'x64', user: 'ada' },
    attempts: [systemSocketOk],
    engine: engine26,
    buildx: buildxDefault,
    binfmt: null,
    ...over,
  };
}

const check = (report: ReturnType<typeof buildReport>, id: string) => report.checks.find((c) => c.id === id);
const support = (report: ReturnType<typeof buildReport>) => Object.fromEntries(report.platforms.map((p) => [p.platform, p.support]));

describe('a machine like the test engine (local x86_64 Linux, containerd store, qemu-user-static)', () => {
  test('is ready: amd64 and 386 native, arm64 and arm/v7 emulated by their qemu handlers', async () => {
    const report = buildReport(facts({ binfmt: await debianBinfmt() }));
    expect(report.ready).toBe(true);
    expect(report.emulationSource).toBe('binfmt_misc');
    expect(support(report)).toEqual({
      'linux/amd64': 'native',
      'linux/386': 'native',
      'linux/arm64': 'emulated',
      'linux/arm/v7': 'emulated',
      'linux/arm/v6': 'emulated',
      'linux/riscv64': 'emulated',
      'linux/ppc64le': 'emulated',
      'linux/s390x': 'emulated',
    });
    expect(report.platforms.find((p) => p.platform === 'linux/arm64')?.via).toBe('qemu-aarch64 via binfmt_misc (/usr/libexec/qemu-binfmt/aarch64-binfmt-P)');
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['engine', 'ok'],
      ['buildx', 'ok'],
      ['containerd-store', 'ok'],
      ['emulation', 'ok'],
    ]);
  });
});

describe('no engine', () => {
  test('a dead DOCKER_HOST while the system socket answers: says to start it or unset DOCKER_HOST', () => {
    const attempts: EndpointAttempt[] = [
      { source: 'DOCKER_HOST', kind: 'env', endpoint: 'unix:///tmp/dead.sock', ok: false, reason: 'no socket at /tmp/dead.sock' },
      { source: 'Linux system socket', kind: 'socket', endpoint: 'unix:///var/run/docker.sock', ok: true, note: 'answers, but DOCKER_HOST is set' },
    ];
    const report = buildReport(facts({ attempts, engine: null, buildx: { available: true, version: '0.13.1', cliPath: '/usr/bin/docker', builders: [] } }));
    expect(report.ready).toBe(false);
    expect(report.platforms).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual(['engine', 'buildx']);
    const engine = check(report, 'engine');
    expect(engine).toMatchObject({ status: 'missing' });
    expect(engine?.summary).toBe('No Docker engine answered at DOCKER_HOST=unix:///tmp/dead.sock: no socket at /tmp/dead.sock.');
    expect(engine?.fix).toMatch(/unset DOCKER_HOST to use the engine that answers at unix:\/\/\/var\/run\/docker\.sock/);
  });

  test('permission denied: add the user to the docker group', () => {
    const attempts: EndpointAttempt[] = [
      { source: 'Linux system socket', kind: 'socket', endpoint: 'unix:///var/run/docker.sock', ok: false, reason: 'permission denied on /var/run/docker.sock: add your user to the docker group' },
    ];
    const report = buildReport(facts({ attempts, engine: null }));
    expect(check(report, 'engine')?.fix).toMatch(/docker group/);
    expect(check(report, 'engine')?.fixCommands).toEqual([['sudo', 'usermod', '-aG', 'docker', 'ada']]);
  });

  test.each([
    ['linux', /sudo systemctl start docker/, [['sudo', 'systemctl', 'start', 'docker']]],
    ['darwin', /Start Docker Desktop/, [['open', '-a', 'Docker']]],
    ['win32', /Start Docker Desktop/, undefined],
  ])('nothing anywhere on %s: how to start Docker there', (os, fix, commands) => {
    const attempts: EndpointAttempt[] = [{ source: 'Linux system socket', kind: 'socket', endpoint: 'unix:///var/run/docker.sock', ok: false, reason: 'no socket at /var/run/docker.sock' }];
    const report = buildReport(facts({ host: { os, arch: 'x64' }, attempts, engine: null }));
    expect(check(report, 'engine')?.fix).toMatch(fix);
    expect(check(report, 'engine')?.fixCommands).toEqual(commands);
  });
});

describe('buildx', () => {
  test('missing buildx: install docker-buildx', () => {
    const report = buildReport(facts({ buildx: { available: false, cliPath: '/usr/local/bin/docker', builders: [], error: 'the buildx plugin is not installed for this docker CLI' } }));
    expect(report.ready).toBe(false);
    expect(check(report, 'buildx')).toMatchObject({
      status: 'missing',
      summary: expect.stringMatching(/not available for \/usr\/local\/bin\/docker: the buildx plugin is not installed/),
      fix: expect.stringMatching(/apt-get install docker-buildx/),
      fixCommands: [['sudo', 'apt-get', 'install', '-y', 'docker-buildx']],
    });
  });

  test('no docker CLI at all', () => {
    const report = buildReport(facts({ buildx: { available: false, builders: [] } }));
    expect(check(report, 'buildx')).toMatchObject({ status: 'missing', summary: expect.stringMatching(/docker command-line tool was not found/) });
  });

  test('an old buildx is a warning, not a blocker', () => {
    const report = buildReport(facts({ buildx: { ...buildxDefault, version: '0.8.2' }, binfmt: null }));
    expect(check(report, 'buildx')?.status).toBe('warning');
  });
});

describe('image store', () => {
  const classic: EngineInfo = { ...engine26, containerdImageStore: false, storageDriver: 'overlay2' };

  test('classic store with the docker driver current: explain, suggest the host-networked builder', async () => {
    const report = buildReport(facts({ engine: classic, binfmt: await debianBinfmt() }));
    const c = check(report, 'containerd-store');
    expect(c?.status).toBe('warning');
    expect(c?.summary).toMatch(/classic image store \(storage driver overlay2\).*refuses multi-platform builds/);
    expect(c?.fix).toMatch(/docker-container driver on the host network/);
    expect(c?.fixCommands).toEqual([HOST_NETWORK_BUILDER_COMMAND]);
    expect(HOST_NETWORK_BUILDER_COMMAND).toEqual(['docker', 'buildx', 'create', '--name', 'mybuilder', '--driver', 'docker-container', '--driver-opt', 'network=host', '--use']);
    expect(report.ready).toBe(true);
  });

  test('classic store but a docker-container builder is current: fine', async () => {
    const buildx: BuildxInfo = {
      ...buildxDefault,
      current: 'mybuilder',
      builders: [
        { name: 'mybuilder', driver: 'docker-container', current: true, nodes: [{ name: 'mybuilder0', status: 'running', platforms: ['linux/amd64', 'linux/arm64'] }] },
        { ...buildxDefault.builders[0]!, current: false },
      ],
    };
    const report = buildReport(facts({ engine: classic, buildx, binfmt: await debianBinfmt() }));
    expect(check(report, 'containerd-store')).toMatchObject({ status: 'ok', summary: expect.stringMatching(/current builder "mybuilder" uses the docker-container driver/) });
  });
});

describe('emulation', () => {
  test('no emulators registered: only native platforms, and how to install QEMU', () => {
    const jarOnly: BinfmtState = { mounted: true, enabled: true, handlers: [parseBinfmtHandler('jar', 'enabled\ninterpreter /usr/bin/jexec\nflags: \nextension .jar\n')] };
    const report = buildReport(facts({ binfmt: jarOnly }));
    expect(report.ready).toBe(false);
    expect(support(report)['linux/arm64']).toBe('unavailable');
    expect(report.platforms.find((p) => p.platform === 'linux/arm64')?.via).toBe('no binfmt_misc handler for it');
    const c = check(report, 'emulation');
    expect(c).toMatchObject({ status: 'missing', summary: 'No emulators are registered: this engine runs only linux/amd64, linux/386 images.' });
    expect(c?.fix).toMatch(/qemu-user-static binfmt-support/);
    expect(c?.fixCommands).toEqual([
      ['sudo', 'apt-get', 'install', '-y', 'qemu-user-static', 'binfmt-support'],
      ['docker', 'run', '--privileged', '--rm', 'tonistiigi/binfmt', '--install', 'all'],
    ]);
  });

  test('binfmt_misc not mounted: the mount comes first', () => {
    const report = buildReport(facts({ binfmt: { mounted: false, enabled: false, handlers: [] } }));
    const c = check(report, 'emulation');
    expect(c?.summary).toMatch(/binfmt_misc is not mounted/);
    expect(c?.fixCommands?.[0]).toEqual(['sudo', 'mount', '-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc']);
  });

  test('a handler registered without F: works on the host, warns for containers', () => {
    const h = parseBinfmtHandler('qemu-aarch64', 'enabled\ninterpreter /usr/bin/qemu-aarch64\nflags: OC\noffset 0\nmagic 7f454c460201010000000000000000000200b700\n');
    const report = buildReport(facts({ binfmt: { mounted: true, enabled: true, handlers: [h] } }));
    expect(support(report)['linux/arm64']).toBe('emulated');
    expect(check(report, 'emulation')).toMatchObject({ status: 'warning', summary: expect.stringMatching(/qemu-aarch64 is registered without the F flag/) });
  });

  test('emulators, but not arm64 on an amd64 engine: a warning that names it', () => {
    const h = parseBinfmtHandler('qemu-riscv64', 'enabled\ninterpreter /q\nflags: F\noffset 0\nmagic 7f454c460201010000000000000000000200f300\n');
    const report = buildReport(facts({ binfmt: { mounted: true, enabled: true, handlers: [h] } }));
    expect(check(report, 'emulation')).toMatchObject({ status: 'warning', summary: expect.stringMatching(/not linux\/arm64/) });
    expect(report.ready).toBe(true);
  });

  test('an engine in a VM (Docker Desktop on Apple silicon): the builder\'s list stands in for binfmt_misc', () => {
    const desktop: EngineInfo = { ...engine26, arch: 'aarch64', local: false, operatingSystem: 'Docker Desktop', endpoint: 'unix:///Users/ada/.docker/run/docker.sock' };
    const buildx: BuildxInfo = {
      ...buildxDefault,
      current: 'desktop-linux',
      builders: [{ name: 'desktop-linux', driver: 'docker', current: true, nodes: [{ name: 'desktop-linux', platforms: ['linux/arm64', 'linux/amd64', 'linux/riscv64', 'linux/ppc64le', 'linux/s390x', 'linux/386', 'linux/arm/v7', 'linux/arm/v6'] }] }],
    };
    const report = buildReport(facts({ host: { os: 'darwin', arch: 'arm64' }, engine: desktop, buildx, binfmt: null }));
    expect(report.emulationSource).toBe('builder');
    expect(support(report)).toMatchObject({ 'linux/arm64': 'native', 'linux/amd64': 'emulated', 'linux/arm/v7': 'native', 'linux/386': 'emulated' });
    expect(report.platforms.find((p) => p.platform === 'linux/amd64')?.via).toBe('listed by the builder "desktop-linux"');
    expect(check(report, 'emulation')?.status).toBe('ok');
  });

  test('a Windows-containers engine needs switching to Linux containers', () => {
    const report = buildReport(facts({ engine: { ...engine26, os: 'windows', osType: 'windows' } }));
    expect(check(report, 'engine-os')).toMatchObject({ status: 'missing', fix: expect.stringMatching(/Switch to Linux containers/) });
    expect(report.platforms).toEqual([]);
  });
});

describe('native platforms', () => {
  test.each([
    ['x86_64', 'amd64'],
    ['aarch64', 'arm64'],
    ['armv7l', 'arm/v7'],
    ['s390x', 's390x'],
    ['sparc', undefined],
  ])('%s is %s', (arch, expected) => {
    expect(normalizeArch(arch)).toBe(expected);
  });

  test('arm64 runs 32-bit ARM natively unless an ARM emulator is registered (some arm64 CPUs lack AArch32)', async () => {
    expect(nativePlatforms('aarch64').map((n) => n.platform)).toEqual(['linux/arm64', 'linux/arm/v7', 'linux/arm/v6']);
    const noEmu = classifyPlatforms({ engineArch: 'aarch64', binfmt: { mounted: true, enabled: true, handlers: [] } });
    expect(noEmu.platforms.find((p) => p.platform === 'linux/arm/v7')?.support).toBe('native');
    const arm = parseBinfmtHandler('qemu-arm', 'enabled\ninterpreter /q\nflags: F\noffset 0\nmagic 7f454c4601010100000000000000000002002800\n');
    const withEmu = classifyPlatforms({ engineArch: 'aarch64', binfmt: { mounted: true, enabled: true, handlers: [arm] } });
    expect(withEmu.platforms.find((p) => p.platform === 'linux/arm/v7')).toEqual({ platform: 'linux/arm/v7', support: 'emulated', via: 'qemu-arm via binfmt_misc (/q)' });
  });

  test('a disabled handler or a switched-off binfmt_misc does not count', async () => {
    const state = await debianBinfmt();
    const off = classifyPlatforms({ engineArch: 'x86_64', binfmt: { ...state, enabled: false } });
    expect(off.platforms.find((p) => p.platform === 'linux/arm64')).toEqual({ platform: 'linux/arm64', support: 'unavailable', via: 'binfmt_misc is switched off' });
    const disabled = state.handlers.map((h) => (h.name === 'qemu-aarch64' ? { ...h, enabled: false } : h));
    const one = classifyPlatforms({ engineArch: 'x86_64', binfmt: { ...state, handlers: disabled } });
    expect(one.platforms.find((p) => p.platform === 'linux/arm64')).toEqual({ platform: 'linux/arm64', support: 'unavailable', via: 'qemu-aarch64 is registered but disabled' });
  });
});
