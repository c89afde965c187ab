/**
 * `npm test`'s closing line: a file whose beforeAll fails counts its tests as failed (Vitest's JSON report
 * would call them skipped, like test.skip), a Playwright test that never ran after a failed beforeAll is a
 * failure too, and a misspelt phase name exits non-zero before anything runs. The counting runs over
 * reports captured from the real tools (test/fixtures/test-summary), and once over a live Vitest run of
 * small fixture files through the project's own reporter.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
// @ts-expect-error: a plain .mjs script beside the runner, without type declarations
import { addPhase, parsePhases, phaseOk, runPlan, tallyPlaywright, tallyVitest } from '../../../scripts/test-summary.mjs';

const execFileAsync = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = path.join(root, 'test', 'fixtures', 'test-summary');

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  notRun: string[];
}
const tallyV = tallyVitest as (outcome: unknown) => Tally;
const tallyP = tallyPlaywright as (report: unknown) => Tally;

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(path.join(fixtures, name), 'utf8')) as unknown;
}

describe('phases', () => {
  test('no argument means every phase, in run order; named phases run in run order', () => {
    expect(parsePhases([])).toEqual({ phases: ['typecheck', 'lint', 'build', 'unit', 'integration', 'e2e'] });
    expect(parsePhases(['e2e', 'unit'])).toEqual({ phases: ['unit', 'e2e'] });
  });

  test('a misspelt phase is an error naming it and the real ones', () => {
    expect(parsePhases(['integraton'])).toEqual({ error: 'unknown phase: integraton. The phases are: typecheck, lint, build, unit, integration, e2e.' });
    expect((parsePhases(['unit', 'lnt', 'e2']) as { error: string }).error).toMatch(/^unknown phases: lnt, e2\./);
  });

  test('`node scripts/test.mjs integraton` exits 2 with that message, before provisioning or running anything', async () => {
    const error = await execFileAsync(process.execPath, [path.join(root, 'scripts', 'test.mjs'), 'integraton'], { cwd: root, timeout: 30_000 }).then(
      () => undefined,
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toBe('error: unknown phase: integraton. The phases are: typecheck, lint, build, unit, integration, e2e.\n');
    expect(error?.stdout).toBe('');
  });
});

describe('vitest', () => {
  test('tests of a file whose beforeAll threw, and of a suite whose beforeAll threw, count as failed; test.skip and todo stay skipped', async () => {
    const t = tallyV(await fixture('vitest-outcome-before-all-failed.json'));
    // a.test.ts: beforeAll throws (2 tests meant to run, 1 test.skip); b.test.ts: 1 pass, 1 fail, skip, todo, and a
    // describe whose beforeAll throws (1 test); c.test.ts: imports a file that does not exist (no test collected)
    expect({ passed: t.passed, failed: t.failed, skipped: t.skipped }).toEqual({ passed: 1, failed: 5, skipped: 3 });
    expect(t.notRun).toEqual([
      'a.test.ts > one (its setup failed)',
      'a.test.ts > two (its setup failed)',
      'b.test.ts > inner > in (its setup failed)',
      'c.test.ts (the file failed before or after its tests)',
    ]);
  });

  test('an unhandled error is a failure even when every test passed', () => {
    const t = tallyV({ modules: [{ file: 'x.test.ts', errors: 0, tests: [{ name: 'a', state: 'passed', mode: 'run', setupFailed: false }] }], unhandledErrors: 1 });
    expect({ passed: t.passed, failed: t.failed }).toEqual({ passed: 1, failed: 1 });
  });

  test('the reporter, run by the real Vitest over the same kind of files, gives the same count', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mal-summary-'));
    try {
      await writeFile(path.join(dir, 'vitest.config.mjs'), 'export default {};\n');
      await writeFile(
        path.join(dir, 'a.test.ts'),
        "import { beforeAll, expect, test } from 'vitest';\nbeforeAll(() => { throw new Error('setup broke'); });\ntest('one', () => expect(1).toBe(1));\ntest.skip('on purpose', () => {});\n",
      );
      await writeFile(path.join(dir, 'b.test.ts'), "import { expect, test } from 'vitest';\ntest('passes', () => expect(1).toBe(1));\ntest.todo('later');\n");
      const out = path.join(dir, 'outcome.json');
      const run = await execFileAsync(
        path.join(root, 'node_modules', '.bin', 'vitest'),
        ['run', '--root', dir, '--reporter', path.join(root, 'scripts', 'vitest-outcome-reporter.mjs')],
        { env: { ...process.env, MULTIARCH_LAB_VITEST_OUTCOME: out }, timeout: 60_000 },
      ).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
      expect(run).toBe(1);
      const t = tallyV(JSON.parse(await readFile(out, 'utf8')));
      expect({ passed: t.passed, failed: t.failed, skipped: t.skipped }).toEqual({ passed: 1, failed: 1, skipped: 2 });
      expect(t.notRun).toEqual(['a.test.ts > one (its setup failed)']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('playwright', () => {
  test('a test skipped because its group\'s beforeAll failed is a failure; test.skip is skipped', async () => {
    const report = (await fixture('playwright-before-all-failed.json')) as { stats: { skipped: number } };
    // Playwright's own stats call both skipped
    expect(report.stats.skipped).toBe(2);
    const t = tallyP(report);
    expect({ passed: t.passed, failed: t.failed, skipped: t.skipped }).toEqual({ passed: 1, failed: 2, skipped: 1 });
    expect(t.notRun).toEqual(['a.spec.ts > group > two']);
  });

  test('an error outside any test (global setup) is a failure', () => {
    expect(tallyP({ suites: [], errors: [{ message: 'global setup failed' }] }).failed).toBe(1);
  });
});

describe('totals', () => {
  test('a phase that failed with no failing test counts one failure; a report with failures fails its phase', () => {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    addPhase(totals, false, null);
    expect(totals.failed).toBe(1);
    addPhase(totals, false, { passed: 3, failed: 2, skipped: 1, notRun: [] });
    expect(totals).toEqual({ passed: 3, failed: 3, skipped: 1 });
    expect(phaseOk(true, { passed: 1, failed: 1, skipped: 0, notRun: [] })).toBe(false);
    expect(phaseOk(true, null)).toBe(true);
    expect(phaseOk(false, { passed: 1, failed: 0, skipped: 0, notRun: [] })).toBe(false);
  });
});

describe('the plan', () => {
  type Outcome = { ok: boolean; tally: Tally | null };
  /** Stand-in phases: each records that it ran and answers as told (the real ones spawn tsc, vite, vitest, playwright). */
  async function plan(phases: string[], answers: Partial<Record<string, boolean>> = {}) {
    const ran: string[] = [];
    const recorded: Array<[string, boolean, string]> = [];
    const act = (name: string) => async (): Promise<Outcome> => {
      ran.push(name);
      return { ok: answers[name] ?? true, tally: null };
    };
    await (runPlan as (p: string[], a: unknown, r: (label: string, ok: boolean, tally: unknown, note?: string) => void) => Promise<void>)(
      phases,
      { typecheck: act('typecheck'), lint: act('lint'), build: act('build'), vitest: (project: string) => act(project)(), e2e: act('e2e') },
      (label, ok, _tally, note) => recorded.push([label, ok, note ?? '']),
    );
    return { ran, recorded };
  }

  test('after a failed build, e2e does not run against the old dist/ and counts as failed; the other phases still run', async () => {
    const { ran, recorded } = await plan(['typecheck', 'lint', 'build', 'unit', 'integration', 'e2e'], { build: false });
    expect(ran).toEqual(['typecheck', 'lint', 'build', 'unit', 'integration']);
    expect(recorded.at(-1)).toEqual(['e2e', false, '(not run: the build failed, and dist/ may hold an older build)']);
  });

  test('e2e alone, and integration alone, build first (both run dist/); unit alone does not', async () => {
    expect((await plan(['e2e'])).ran).toEqual(['build', 'e2e']);
    expect((await plan(['integration'])).ran).toEqual(['build', 'integration']);
    expect((await plan(['unit'])).ran).toEqual(['unit']);
  });
});
