/**
 * Verify in Chromium, through browser mode, against the real engine and a real registry: the registry browser's
 * "Verify" and "Compare platforms" of a tag, and the run matrix's files column, show the same verdicts as the CLI
 * (`multiarch-lab verify --json`) for a correct 3-platform image and for an index whose arm64 entry carries an
 * x86-64 entrypoint. The images are built and pushed by the helper the integration test uses.
 * The registry container is our own (mal-e2e-verify-…, its own port, labelled) and is removed in afterAll.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import type { Verdict, VerifyReport } from '../../core/contract/verify.js';
import { runCommand } from '../../core/docker/exec.js';
import { docker, freePort, openApp, pushSourceImage, startTestRegistry } from './helpers/app.js';
import { pushBrokenServerIndex, pushCorrectImage, verifyImageKit, type KitRegistry } from '../helpers/verify-images.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const suffix = randomBytes(4).toString('hex');
const registryName = `mal-e2e-verify-${suffix}`;
const verdictWords: Record<Verdict, string> = { ok: 'ok', mismatch: 'mismatch', 'will-not-start': 'will not start', unknown: 'unknown' };
let port = 0;
let work = '';
let good = '';
let bad = '';
const pulled = new Set<string>();

/** The CLI's own verdict per platform: the yardstick for what the pages show. */
async function cliVerdicts(reference: string): Promise<Map<string, Verdict>> {
  const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, MULTIARCH_LAB_DATA_DIR: path.join(work, 'cli-data') };
  const r = await runCommand(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'cli', 'index.ts'), 'verify', reference, '--json'], { env, cwd: root, timeoutMs: 120_000 });
  expect([0, 2], r.stderr).toContain(r.code);
  const report = JSON.parse(r.stdout) as VerifyReport;
  return new Map(report.platforms.map((p) => [p.platform, p.verdict]));
}

async function openTagAndVerify(page: Page, repository: string, tag: string) {
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Registry' }).click();
  await page.getByRole('button', { name: 'Refresh list' }).click();
  await page.getByTestId('repositories').getByRole('button', { name: repository, exact: true }).click();
  await page.getByTestId('tags').getByRole('button', { name: tag, exact: true }).click();
  const panel = page.getByTestId('verify-panel');
  await expect(panel).toBeVisible({ timeout: 30_000 });
  await panel.getByRole('button', { name: /^Verify/ }).click();
  const report = panel.getByTestId('verify-report');
  await expect(report).toBeVisible({ timeout: 120_000 });
  return { panel, report };
}

async function runImage(page: Page, reference: string, platforms: string[]) {
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Runs', exact: true }).click();
  await page.getByLabel('Image reference').fill(reference);
  await page.getByRole('button', { name: 'Read platforms' }).click();
  for (const p of platforms) await expect(page.getByRole('checkbox', { name: new RegExp(`^${p.replace(/\//g, '\\/')}( |$)`) })).toBeChecked({ timeout: 30_000 });
  // the image's own entrypoint and CMD: nothing typed as a command
  await expect(page.getByLabel('Command (optional)')).toHaveValue('');
  await page.getByRole('button', { name: `Run ${platforms.length} platforms` }).click();
  const matrix = page.getByRole('region', { name: `Run of ${reference}` });
  await expect(matrix.getByTestId('runs-matrix')).toBeVisible({ timeout: 240_000 });
  await expect(matrix.locator('.run-card')).toHaveCount(platforms.length);
  return matrix;
}

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 1800 } });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  port = await freePort();
  work = await mkdtemp(path.join(os.tmpdir(), 'mal-e2e-verify-'));
  await startTestRegistry({ name: registryName, port, label: 'dev.multiarch-lab.test=e2e-verify' });
  const registry: KitRegistry = { address: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, localhostAddress: `localhost:${port}` };
  const base = `localhost:${port}/base/busybox:1`;
  await pushSourceImage(base);
  const kit = verifyImageKit(registry, work);
  good = await pushCorrectImage(kit, base);
  bad = await pushBrokenServerIndex(kit, registry, base);
});

test.afterAll(async () => {
  await docker(['rm', '-f', '-v', registryName]).catch(() => undefined);
  for (const ref of pulled) await docker(['image', 'rm', '-f', ref]).catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

test('the registry browser verifies a tag with the CLI’s verdicts, entrypoint, fix and attestations; Compare platforms', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const problems = await openApp(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Container name').fill(registryName);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();

  await test.step('the correct image: every platform ok as the CLI says, its entrypoint named, attestations under their platform', async () => {
    const expected = await cliVerdicts(good);
    expect([...expected.values()]).toEqual(['ok', 'ok', 'ok']);
    const { panel, report } = await openTagAndVerify(page, 'verify/good', '1');
    await expect(report.getByTestId('verify-overall')).toContainText('All 3 platforms are ok.');
    await expect(report.locator('.verify-card')).toHaveCount(3);
    for (const [platform, verdict] of expected) {
      const card = report.getByTestId(`verify-card-${platform}`);
      await expect(card).toHaveAttribute('data-verdict', verdict);
      await expect(card.getByTestId('verify-verdict')).toHaveText(verdictWords[verdict]);
      await expect(card.getByTestId('verify-entrypoint')).toHaveText('/usr/local/bin/hello');
      // the provenance attestation buildx adds is shown under this platform, never as a platform of its own
      await expect(card.getByTestId('verify-attestations').locator('li')).toHaveCount(1);
    }
    await expect(report.getByTestId('verify-card-unknown/unknown')).toHaveCount(0);

    await panel.getByRole('button', { name: 'Compare platforms' }).click();
    const compare = panel.getByTestId('compare-platforms');
    await expect(compare).toBeVisible();
    await expect(compare.getByTestId('compare-sizes').locator('tbody tr')).toHaveCount(3);
    // the hello layer is the same bytes on all three: shared by digest
    await expect(compare.getByTestId('compare-shared')).toContainText('linux/amd64, linux/arm64, linux/arm/v7');
    await page.screenshot({ path: testInfo.outputPath('verify-compare.png') });
  });

  await test.step('the broken index: arm64 is a mismatch naming /app/echo, x86-64 and the fix, as the CLI says', async () => {
    const expected = await cliVerdicts(bad);
    expect(Object.fromEntries(expected)).toEqual({ 'linux/amd64': 'ok', 'linux/arm64': 'mismatch' });
    const { report } = await openTagAndVerify(page, 'verify/srv-amd64', 'joined');
    for (const [platform, verdict] of expected) await expect(report.getByTestId(`verify-card-${platform}`)).toHaveAttribute('data-verdict', verdict);
    const arm = report.getByTestId('verify-card-linux/arm64');
    await expect(arm.getByTestId('verify-verdict')).toHaveText('mismatch');
    await expect(arm.getByTestId('verify-entrypoint')).toHaveText('/app/echo');
    await expect(arm.getByTestId('verify-findings')).toContainText('/app/echo is built for x86-64, but this entry is linux/arm64');
    await expect(arm.getByTestId('verify-findings')).toContainText('Fix:');
    await expect(report.getByTestId('verify-overall')).toContainText('1 of 2 platforms are not ok: linux/arm64 mismatch.');
    await page.screenshot({ path: testInfo.outputPath('verify-mismatch.png') });
  });
  expect(problems).toEqual([]);
});

test('the run matrix shows the same verdicts in its files column, and flags the arm64 run that printed nothing wrong', async ({ page }, testInfo) => {
  test.setTimeout(400_000);
  const problems = await openApp(page);

  await test.step('the broken index: arm64 ran natively, exited 0, and still fails from its files', async () => {
    pulled.add(bad);
    const expected = await cliVerdicts(bad);
    const matrix = await runImage(page, bad, ['linux/amd64', 'linux/arm64']);
    for (const [platform, verdict] of expected) await expect(matrix.getByTestId(`run-card-${platform}`).getByTestId('run-verify')).toHaveAttribute('data-verdict', verdict);
    const arm = matrix.getByTestId('run-card-linux/arm64');
    await expect(arm.getByTestId('run-stdout')).toHaveText('serving\n');
    await expect(arm.getByTestId('run-exit-code')).toHaveText('0');
    await expect(arm.getByTestId('run-result')).toHaveText('fail');
    await expect(arm.getByTestId('run-execution')).toContainText('native');
    await expect(arm.getByTestId('run-explanation')).toContainText('It ran, but its files are built for another CPU');
    await expect(arm.getByTestId('run-explanation')).toContainText('/app/echo is built for x86-64');
    await expect(arm.getByTestId('run-verify-entrypoint')).toHaveText('/app/echo');
    await expect(matrix.getByTestId('run-card-linux/amd64').getByTestId('run-result')).toHaveText('ran, not checked');
    await page.screenshot({ path: testInfo.outputPath('runs-files-mismatch.png') });
  });

  await test.step('the correct image: every platform’s files ok beside its run', async () => {
    pulled.add(good);
    const expected = await cliVerdicts(good);
    const matrix = await runImage(page, good, ['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    for (const [platform, verdict] of expected) {
      const card = matrix.getByTestId(`run-card-${platform}`);
      await expect(card.getByTestId('run-verify')).toHaveAttribute('data-verdict', verdict);
      await expect(card.getByTestId('run-verify-entrypoint')).toHaveText('/usr/local/bin/hello');
      await expect(card.getByTestId('run-result')).toHaveText('pass');
    }
  });
  expect(problems).toEqual([]);
});
