// The counting behind `npm test`'s closing line, kept apart from the runner so a unit test can feed it
// crafted reports. A test that was meant to run and did not (its beforeAll failed, its file did not load,
// an earlier failure stopped its group) counts as failed: only a test someone marked skip or todo is skipped.

export const PHASES = ['typecheck', 'lint', 'build', 'unit', 'integration', 'e2e'];

/** The phases `npm test -- a b` asks for, in run order; an unknown name is an error, not an empty run. */
export function parsePhases(args) {
  const unknown = args.filter((a) => !PHASES.includes(a));
  if (unknown.length) {
    return { error: `unknown phase${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. The phases are: ${PHASES.join(', ')}.` };
  }
  return { phases: args.length === 0 ? [...PHASES] : PHASES.filter((p) => args.includes(p)) };
}

const empty = () => ({ passed: 0, failed: 0, skipped: 0, notRun: [] });

/**
 * Counts the outcome file written by scripts/vitest-outcome-reporter.mjs:
 * `{ modules: [{ file, errors, tests: [{ name, state, mode, setupFailed }] }], unhandledErrors }`.
 */
export function tallyVitest(outcome) {
  const t = empty();
  for (const mod of outcome.modules ?? []) {
    const tests = mod.tests ?? [];
    for (const test of tests) {
      if (test.state === 'passed') t.passed++;
      else if (test.state === 'failed') t.failed++;
      else if (test.mode === 'skip' || test.mode === 'todo') t.skipped++;
      else {
        // meant to run, did not: its setup failed or the run stopped before it
        t.failed++;
        t.notRun.push(`${mod.file} > ${test.name}${test.setupFailed ? ' (its setup failed)' : ''}`);
      }
    }
    // a file that failed to load, or whose hooks failed, with no test left to carry the failure
    if ((mod.errors ?? 0) > 0 && !tests.some((x) => x.state === 'failed' || (x.state !== 'passed' && x.mode !== 'skip' && x.mode !== 'todo'))) {
      t.failed++;
      t.notRun.push(`${mod.file} (the file failed before or after its tests)`);
    }
  }
  const unhandled = outcome.unhandledErrors ?? 0;
  if (unhandled > 0) {
    t.failed += unhandled;
    t.notRun.push(`${unhandled} unhandled error${unhandled > 1 ? 's' : ''} during the run`);
  }
  return t;
}

/** Counts a Playwright JSON report, walking every test rather than trusting `stats.skipped`. */
export function tallyPlaywright(report) {
  const t = empty();
  const visit = (suite, trail) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        const name = [...trail, spec.title].filter(Boolean).join(' > ');
        if (test.status === 'expected' || test.status === 'flaky') {
          if (test.expectedStatus === 'skipped') t.skipped++;
          else t.passed++;
        } else if (test.status === 'unexpected') t.failed++;
        else if (test.status === 'skipped' && test.expectedStatus === 'skipped') t.skipped++;
        else {
          // skipped without anyone asking: a failed beforeAll or an earlier failure in a serial group
          t.failed++;
          t.notRun.push(name);
        }
      }
    }
    for (const child of suite.suites ?? []) visit(child, [...trail, child.title]);
  };
  for (const suite of report.suites ?? []) visit(suite, [suite.title]);
  const errors = (report.errors ?? []).length;
  if (errors > 0) {
    t.failed += errors;
    t.notRun.push(`${errors} error${errors > 1 ? 's' : ''} outside any test (global setup or teardown)`);
  }
  return t;
}

/** Adds one phase to the totals. A phase that failed with no failing test (no report, setup) is one failure. */
export function addPhase(totals, ok, tally) {
  if (tally) {
    totals.passed += tally.passed;
    totals.failed += tally.failed;
    totals.skipped += tally.skipped;
  }
  if (!ok && (!tally || tally.failed === 0)) totals.failed += 1;
  return totals;
}

/** A phase can only pass with a report that shows no failure, and a report of failures fails the phase. */
export function phaseOk(exitOk, tally) {
  return exitOk && (tally === null || tally.failed === 0);
}

/**
 * The order of the phases and what a failure stops. `actions` run a phase and answer `{ ok, tally }` (tally null
 * when there is no report); `record(label, ok, tally, note)` adds it to the summary. The build runs for e2e (it
 * serves dist/) and integration (it spawns dist/cli) too; e2e is not run after a failed build, since it would
 * test whatever older build dist/ holds, and counts as failed.
 */
export async function runPlan(phases, actions, record) {
  const want = (p) => phases.includes(p);
  if (want('typecheck')) {
    const r = await actions.typecheck();
    record('typecheck', r.ok, r.tally);
  }
  if (want('lint')) {
    const r = await actions.lint();
    record('lint', r.ok, r.tally);
  }
  let built = true;
  if (want('build') || want('e2e') || want('integration')) {
    const r = await actions.build();
    built = r.ok;
    record('build', r.ok, r.tally);
  }
  for (const project of ['unit', 'integration']) {
    if (!want(project)) continue;
    const r = await actions.vitest(project);
    record(project, r.ok, r.tally);
  }
  if (want('e2e') && !built) {
    record('e2e', false, null, '(not run: the build failed, and dist/ may hold an older build)');
  } else if (want('e2e')) {
    const r = await actions.e2e();
    record('e2e', r.ok, r.tally);
  }
}
