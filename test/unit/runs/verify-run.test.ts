import { describe, expect, it } from 'vitest';
import type { PlatformVerification } from '../../../core/contract/verify.js';
import { joinVerification } from '../../../core/runs/verify-run.js';
import { sampleRun } from './fixtures.js';

function verification(overrides: Partial<PlatformVerification> & Pick<PlatformVerification, 'verdict'>): PlatformVerification {
  return {
    platform: 'linux/arm64',
    digest: 'sha256:' + 'a'.repeat(64),
    summary: `${overrides.verdict}: …`,
    findings: [],
    entrypoint: { argv: ['/app/server'], searched: ['/app/server'], path: '/app/server', chain: [] },
    files: { checked: 1, mismatched: [], sample: [] },
    layers: [],
    attestations: [],
    ...overrides,
  };
}

const x86InArm = verification({
  verdict: 'mismatch',
  findings: [{ kind: 'mismatch', path: '/app/server', machine: 'x86-64', expected: 'linux/arm64', message: '/app/server is built for x86-64, but this entry is linux/arm64.', fix: 'Copy /app/server from a linux/arm64 build.' }],
});

describe('joinVerification', () => {
  it('fails a run that printed nothing wrong while its files are for another machine, and says the host ran it natively', () => {
    const run = sampleRun({ platform: 'linux/arm64', result: 'unverified', printed: null, execution: 'emulated', executionVia: 'qemu-aarch64 via binfmt_misc', note: 'printed no machine name, so not checked' });
    const out = joinVerification(run, x86InArm, { engineArch: 'x86_64' });
    expect(out.note).toBeUndefined();
    expect(out).toMatchObject({ result: 'fail', failure: 'files-mismatch', execution: 'native' });
    expect(out.verification).toMatchObject({ verdict: 'mismatch', entrypoint: '/app/server', path: '/app/server', fix: 'Copy /app/server from a linux/arm64 build.' });
    expect(out.explanation).toMatch(/^It ran and printed no machine name, but its files say otherwise: \/app\/server is built for x86-64/);
    expect(out.explanation).toMatch(/This x86_64 machine runs x86-64 programs without any emulator/);
  });

  it('on another host the same mismatch fails without claiming native execution', () => {
    const run = sampleRun({ platform: 'linux/arm64', result: 'pass', printed: 'aarch64', execution: 'native' });
    const out = joinVerification(run, x86InArm, { engineArch: 'aarch64' });
    expect(out.failure).toBe('files-mismatch');
    expect(out.explanation).not.toMatch(/without any emulator/);
  });

  it('explains an exec format error on an emulated platform from the files, the run text after', () => {
    const run = sampleRun({ platform: 'linux/arm64', result: 'fail', failure: 'exec-format', printed: null, execution: 'emulated', stderr: 'exec /app/server: exec format error', explanation: 'the engine text' });
    const out = joinVerification(run, x86InArm, { engineArch: 'x86_64' });
    expect(out.explanation).toBe("From the image's files: /app/server is built for x86-64, but this entry is linux/arm64. Fix: Copy /app/server from a linux/arm64 build. (The run: the engine text)");
  });

  it('a missing loader answers "no such file or directory" at start', () => {
    const v = verification({
      verdict: 'will-not-start',
      findings: [
        { kind: 'mismatch', path: '/usr/bin/other', message: 'other is for s390x.' },
        { kind: 'will-not-start', path: '/lib64/ld-linux-x86-64.so.2', message: '/app/true needs the loader /lib64/ld-linux-x86-64.so.2, which is not in the image.', fix: 'Link it statically.' },
      ],
    });
    const run = sampleRun({ platform: 'linux/amd64', result: 'fail', failure: 'exit-code', exitCode: 127, stderr: 'exec /app/true: no such file or directory', explanation: 'The command exited with code 127.' });
    const out = joinVerification(run, v, { engineArch: 'x86_64' });
    expect(out.explanation).toBe("The command exited with code 127. The image's files show why: /app/true needs the loader /lib64/ld-linux-x86-64.so.2, which is not in the image. Fix: Link it statically.");
    expect(out.verification?.path).toBe('/lib64/ld-linux-x86-64.so.2');
  });

  it('files that are right point an exec format error at this machine', () => {
    const run = sampleRun({ platform: 'linux/mips64le', result: 'fail', failure: 'exec-format', execution: 'unavailable', explanation: 'No emulator is registered.' });
    const out = joinVerification(run, verification({ platform: 'linux/mips64le', verdict: 'ok', summary: 'ok: the entrypoint /bin/uname runs as MIPS64.' }), { engineArch: 'x86_64' });
    expect(out.explanation).toMatch(/^No emulator is registered\. The image's files are right for linux\/mips64le .* so the cause is this machine, not the image\.$/);
    expect(out.result).toBe('fail');
  });

  it('files that could not be read leave the run as it was, with an unknown verdict and the reason', () => {
    const run = sampleRun({ platform: 'linux/amd64', result: 'pass', printed: 'x86_64' });
    const out = joinVerification(run, undefined, { engineArch: 'x86_64', error: new Error('registry answered 500') });
    expect(out.result).toBe('pass');
    expect(out.verification).toMatchObject({ verdict: 'unknown' });
    expect(out.verification?.summary).toMatch(/registry answered 500/);
    expect(joinVerification(run, undefined, { engineArch: 'x86_64' })).toBe(run);
  });
});
