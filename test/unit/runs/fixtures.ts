import type { PlatformRun, RunMatrix } from '../../../core/contract/runs.js';

export function sampleRun(overrides: Partial<PlatformRun> & Pick<PlatformRun, 'platform'>): PlatformRun {
  return {
    expected: [{ machine: 'x86_64' }],
    expectedText: 'x86_64',
    printed: 'x86_64',
    result: 'pass',
    execution: 'native',
    stdout: 'x86_64\n',
    stderr: '',
    exitCode: 0,
    timedOut: false,
    durationMs: 512,
    command: ['docker', 'run', '--rm', '--platform', overrides.platform, 'localhost:5000/hello:1', 'uname', '-m'],
    ...overrides,
  };
}

export function sampleMatrix(overrides: Partial<RunMatrix> = {}): RunMatrix {
  const runs = overrides.runs ?? [
    sampleRun({ platform: 'linux/amd64' }),
    sampleRun({
      platform: 'linux/arm64',
      expected: [{ machine: 'aarch64' }],
      expectedText: 'aarch64',
      printed: 'x86_64',
      result: 'fail',
      failure: 'mismatch',
      explanation: 'The linux/arm64 entry printed x86_64: its binaries are amd64.',
      execution: 'emulated',
      durationMs: 1500,
    }),
  ];
  return {
    id: '20261127-041502-3f9a',
    reference: 'localhost:5000/hello:1',
    digest: `sha256:${'ab'.repeat(32)}`,
    imagePlatforms: runs.map((r) => r.platform),
    command: ['uname', '-m'],
    timeoutMs: 60_000,
    concurrency: 2,
    engine: { endpoint: 'unix:///var/run/docker.sock', arch: 'x86_64', version: '26.1.5' },
    emulationSource: 'binfmt_misc',
    startedAt: '2026-11-27T04:15:02.000Z',
    endedAt: '2026-11-27T04:15:04.000Z',
    durationMs: 2000,
    runs,
    summary: {
      passed: runs.filter((r) => r.result === 'pass').length,
      failed: runs.filter((r) => r.result === 'fail').length,
      unverified: runs.filter((r) => r.result === 'unverified').length,
    },
    ok: runs.every((r) => r.result !== 'fail'),
    hostChoices: [],
    ...overrides,
  };
}
