import { describe, expect, it } from 'vitest';
import type { PlatformVerification, VerifyFinding } from '../../../core/contract/verify.js';
import { explainStart } from '../../../core/verify/explain.js';

const verification = (verdict: PlatformVerification['verdict'], findings: VerifyFinding[]): PlatformVerification => ({
  platform: 'linux/arm64',
  digest: 'sha256:x',
  verdict,
  summary: '',
  findings,
  files: { checked: 0, mismatched: [], sample: [] },
  layers: [],
  attestations: [],
});

describe('explainStart', () => {
  const mismatch: VerifyFinding = { kind: 'mismatch', path: '/app/server', message: '/app/server is built for x86-64, but this entry is linux/arm64.', fix: 'Build it for linux/arm64.' };
  const loader: VerifyFinding = { kind: 'will-not-start', path: '/lib/ld-linux-aarch64.so.1', message: '/app/dyn needs the loader /lib/ld-linux-aarch64.so.1, which is not in the image.' };

  it('answers exec format error with the file built for another machine', () => {
    expect(explainStart(verification('mismatch', [loader, mismatch]), 'exec /app/server: exec format error')).toMatchObject({ path: '/app/server', kind: 'mismatch', fix: 'Build it for linux/arm64.' });
  });

  it('answers "no such file or directory" with the missing loader', () => {
    expect(explainStart(verification('mismatch', [mismatch, loader]), 'exec /app/dyn: no such file or directory')).toMatchObject({ path: '/lib/ld-linux-aarch64.so.1' });
  });

  it('flags a run that printed the right thing when the files say otherwise', () => {
    expect(explainStart(verification('mismatch', [mismatch]))?.cause).toMatch(/built for x86-64/);
  });

  it('has nothing to say about an ok platform', () => {
    expect(explainStart(verification('ok', []), 'exec format error')).toBeUndefined();
  });
});
