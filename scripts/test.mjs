#!/usr/bin/env node
// `npm test`: typecheck, lint, build, unit, integration (real engine) and end-to-end (Chromium, browser mode).
// Makes sure a Docker engine answers first: provisions one when running as root on Debian, otherwise stops with a clear message.
// Prints one closing line "total: N passed, N failed, N skipped" and exits non-zero when anything failed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addPhase, parsePhases, phaseOk, runPlan, tallyPlaywright, tallyVitest } from './test-summary.mjs';

// A misspelt phase (`npm test -- integraton`) must not pass by running nothing.
const asked = parsePhases(process.argv.slice(2));
if (asked.error) {
  console.error(`error: ${asked.error}`);
  process.exit(2);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const reportDir = path.join(root, 'test-results', 'reports');
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

// The docker CLI with buildx lives in /usr/bin on Debian; a buildx-less client in /usr/local/bin must not shadow it.
const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };

function run(label, cmd, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n=== ${label}: ${[cmd, ...args].join(' ')}`);
    const child = spawn(cmd, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`=== ${label}: ${code === 0 ? 'ok' : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds}s`);
      resolve(code === 0);
    });
    child.on('error', (error) => {
      console.log(`=== ${label}: could not start ${cmd}: ${error.message}`);
      resolve(false);
    });
  });
}

function pingSocket(socketPath) {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

async function ensureEngine() {
  const isRoot = process.getuid?.() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (isRoot && isDebian) {
    // idempotent, a fraction of a second when everything is already there
    const r = spawnSync('bash', ['scripts/provision-test-engine.sh'], { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error('error: provisioning the test engine failed (see above).');
      process.exit(1);
    }
    return;
  }
  if (!(await pingSocket('/var/run/docker.sock'))) {
    console.error(
      'error: no Docker engine answers on /var/run/docker.sock, and this is not a root Debian machine where the tests can provision one.\n' +
        'hint: start Docker (Engine 26+ with buildx and the containerd image store), or run `sudo bash scripts/provision-test-engine.sh` on Debian.',
    );
    process.exit(1);
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const results = [];
const counts = { passed: 0, failed: 0, skipped: 0 };
function record(label, exitOk, tally = null, note = '') {
  const ok = phaseOk(exitOk, tally);
  results.push({ label, ok, note });
  addPhase(counts, ok, tally);
  if (tally?.notRun.length) {
    console.log(`=== ${label}: ${tally.notRun.length} counted as failed because they did not run:`);
    for (const line of tally.notRun.slice(0, 50)) console.log(`    ${line}`);
  }
}

await ensureEngine();

const npx = 'npx';
await runPlan(
  asked.phases,
  {
    typecheck: async () => ({ ok: await run('typecheck', npx, ['tsc', '-b']), tally: null }),
    lint: async () => ({ ok: await run('lint', npx, ['eslint', '.']), tally: null }),
    // tsc -b is incremental: after the typecheck phase it only confirms dist/ is current
    build: async () => ({
      ok: (await run('build (node)', npx, ['tsc', '-b'])) && (await run('build (command-line bundle)', process.execPath, ['scripts/bundle-cli.mjs'])) && (await run('build (renderer)', npx, ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'])),
      tally: null,
    }),
    vitest: async (project) => {
      const out = path.join(reportDir, `${project}.json`);
      const ok = await run(project, npx, ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=./scripts/vitest-outcome-reporter.mjs'], {
        MULTIARCH_LAB_VITEST_OUTCOME: out,
      });
      const outcome = readJson(out);
      return { ok, tally: outcome && tallyVitest(outcome) };
    },
    e2e: async () => {
      const out = path.join(reportDir, 'e2e.json');
      const ok = await run('e2e', npx, ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
      const report = readJson(out);
      return { ok, tally: report && tallyPlaywright(report) };
    },
  },
  (label, ok, tally, note) => {
    if (note) console.log(`\n=== ${label}: ${note}`);
    record(label, ok, tally, note);
  },
);

console.log('\n=== summary');
for (const r of results) console.log(`${r.ok ? 'ok    ' : 'FAILED'} ${r.label}${r.note ? ` ${r.note}` : ''}`);
console.log(`total: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
