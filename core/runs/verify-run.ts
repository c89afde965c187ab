/**
 * A run joined with the verification of the same platform (its files read from the registry, not run): a failed
 * start is explained from what the files show rather than from the error text alone, and a run that looked right
 * while its files are built for another machine is still failed. Pure functions.
 */
import { serializeError } from '../contract/errors.js';
import type { PlatformRun, RunVerification } from '../contract/runs.js';
import type { PlatformVerification } from '../contract/verify.js';
import { explainStart } from '../verify/explain.js';

/** Failures where the program itself did not start or ran as the wrong machine: the files say why. */
const START_FAILURES = new Set<PlatformRun['failure']>(['exec-format', 'exit-code', 'mismatch', 'label-mismatch']);

/** "x86-64", "x86_64", "AArch64 (little-endian)" → comparable words. */
function machineKey(text: string): string {
  const t = text.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (t.startsWith('x8664') || t.startsWith('amd64')) return 'x86-64';
  if (t.startsWith('aarch64') || t.startsWith('arm64')) return 'aarch64';
  return t;
}

function withFix(cause: string, fix: string | undefined): string {
  return fix ? `${cause} Fix: ${fix}` : cause;
}

/**
 * The run with `verification` set and, where the files give the cause, its explanation (and, for a run that only
 * looked right, its result) corrected. `verification` undefined with `error`: the files could not be read.
 */
export function joinVerification(run: PlatformRun, verification: PlatformVerification | undefined, context: { engineArch: string; error?: unknown }): PlatformRun {
  if (!verification) {
    if (context.error === undefined) return run;
    const error = serializeError(context.error);
    return { ...run, verification: { verdict: 'unknown', summary: `unknown: the image's files could not be read (${error.message}).`, error } };
  }
  const entry = verification.entrypoint?.resolvedPath ?? verification.entrypoint?.path;
  const facts: RunVerification = { verdict: verification.verdict, summary: verification.summary, ...(entry ? { entrypoint: entry } : {}) };
  if (verification.error) facts.error = verification.error;
  if (verification.verdict === 'ok' || verification.verdict === 'unknown') {
    // the files are right: a start failure is the host's (no emulator) or the command's, as the run already says
    if (verification.verdict === 'ok' && run.failure === 'exec-format') {
      return { ...run, verification: facts, explanation: `${run.explanation ?? ''} The image's files are right for ${run.platform} (${verification.summary.replace(/^ok: /, '')}), so the cause is this machine, not the image.`.trim() };
    }
    return { ...run, verification: facts };
  }

  const started = run.failure !== undefined && START_FAILURES.has(run.failure);
  const runError = started ? [run.stderr, run.error?.message, run.explanation].filter(Boolean).join('\n') : undefined;
  const why = explainStart(verification, runError);
  if (!why) return { ...run, verification: facts };
  facts.cause = why.cause;
  if (why.fix) facts.fix = why.fix;
  if (why.path) facts.path = why.path;

  if (run.result === 'fail') {
    if (!started) return { ...run, verification: facts };
    const evidence = withFix(why.cause, why.fix);
    // What the run itself proves stays first (the machine it printed, no emulator in binfmt_misc); an exec format
    // error on a platform this machine can run is the files' doing, so they come first there.
    const filesFirst = run.failure === 'exec-format' && (run.execution === 'native' || run.execution === 'emulated');
    const explanation = filesFirst
      ? `From the image's files: ${evidence}${run.explanation ? ` (The run: ${run.explanation})` : ''}`
      : `${run.explanation ? `${run.explanation} ` : ''}The image's files show why: ${evidence}`;
    return { ...run, verification: facts, explanation };
  }
  if (verification.verdict === 'mismatch') {
    // It ran, yet its files are for another machine: typically an x86-64 program in the arm64 entry, which an
    // x86-64 host runs natively, so nothing in the output gives it away.
    const finding = verification.findings.find((f) => f.kind === 'mismatch' && f.path === why.path) ?? verification.findings.find((f) => f.kind === 'mismatch');
    const native = finding?.machine && machineKey(finding.machine) === machineKey(context.engineArch);
    const printed = run.printed ? `printed ${run.printed}` : run.result === 'unverified' ? 'printed no machine name' : 'looked right';
    // the "not checked" note of an unverified run no longer holds: the files did check it
    const { note: _unchecked, ...rest } = run;
    return {
      ...(run.result === 'unverified' ? rest : run),
      result: 'fail',
      failure: 'files-mismatch',
      verification: facts,
      explanation:
        `It ran and ${printed}, but its files say otherwise: ${withFix(why.cause, why.fix)}` +
        (native ? ` This ${context.engineArch} machine runs ${finding.machine} programs without any emulator, so the run alone could not show it; on a real ${run.platform} machine it fails with "exec format error".` : ''),
      ...(native ? { execution: 'native' as const, executionVia: `the engine's own CPU (${context.engineArch}): the program is ${finding.machine}, so no emulator was involved` } : {}),
    };
  }
  // will-not-start, yet it started: the command given replaced the broken part, or the host differs; say so
  return { ...run, verification: facts, note: [run.note, `The image's files say it will not start as built: ${withFix(why.cause, why.fix)}`].filter(Boolean).join(' ') };
}
