/**
 * For the run matrix: the cause of a failed start (or of a run that "worked" for the wrong reason), taken from a
 * platform's verification rather than guessed from the error text. The error text only chooses which of the
 * evidenced findings answers it.
 */
import type { PlatformVerification, VerifyFinding } from '../contract/verify.js';

export interface StartExplanation {
  cause: string;
  fix?: string;
  /** The file in the image the cause is about. */
  path?: string;
  kind: VerifyFinding['kind'];
}

const PATTERNS: Array<{ error: RegExp; prefer: (f: VerifyFinding) => boolean }> = [
  // the kernel refused the file's format: another machine, no emulator, or not a program at all
  { error: /exec format error/i, prefer: (f) => f.kind === 'mismatch' || /exec format error/.test(f.message) },
  // a missing program, loader or #! interpreter all read "no such file or directory"
  { error: /no such file or directory|not found/i, prefer: (f) => f.kind === 'will-not-start' && /not in the image|Windows line endings/.test(f.message) },
  { error: /permission denied/i, prefer: (f) => /permission denied/.test(f.message) },
];

/**
 * The finding that explains `runError` (the engine's or the program's error text), or, without an error, the
 * finding that makes the platform not ok even though the run may have printed the right thing (an x86-64
 * program in an arm64 entry runs natively on an x86-64 host).
 */
export function explainStart(verification: PlatformVerification, runError?: string): StartExplanation | undefined {
  const findings = verification.findings.filter((f) => f.kind !== 'ok');
  if (findings.length === 0) return undefined;
  let chosen: VerifyFinding | undefined;
  if (runError) {
    const rule = PATTERNS.find((p) => p.error.test(runError));
    chosen = rule ? findings.find(rule.prefer) : undefined;
  }
  chosen ??= findings.find((f) => f.kind === verification.verdict) ?? findings[0]!;
  const out: StartExplanation = { cause: chosen.message, kind: chosen.kind };
  if (chosen.fix) out.fix = chosen.fix;
  if (chosen.path) out.path = chosen.path;
  return out;
}
