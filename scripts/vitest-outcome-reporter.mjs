// A Vitest reporter for `npm test`'s summary: for every test, what was meant (run, skip, todo) and what
// happened, and whether a hook of its suite or file failed. Vitest's own JSON report marks the tests of a
// file whose beforeAll threw as "skipped", the same as test.skip, which would hide a broken file.
// Writes to $MULTIARCH_LAB_VITEST_OUTCOME.
import { writeFileSync } from 'node:fs';

function setupFailed(test) {
  for (let parent = test.parent; parent; parent = parent.type === 'module' ? undefined : parent.parent) {
    if (parent.errors().length > 0) return true;
  }
  return false;
}

export default class VitestOutcomeReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const out = process.env.MULTIARCH_LAB_VITEST_OUTCOME;
    if (!out) return;
    const modules = testModules.map((mod) => ({
      file: mod.relativeModuleId ?? mod.moduleId,
      errors: mod.errors().length,
      tests: [...mod.children.allTests()].map((test) => ({
        name: test.fullName,
        state: test.result().state,
        mode: test.options.mode,
        setupFailed: setupFailed(test),
      })),
    }));
    writeFileSync(out, JSON.stringify({ modules, unhandledErrors: unhandledErrors.length }, null, 2));
  }
}
