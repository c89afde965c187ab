/**
 * The Runs view in Chromium, through browser mode, against the real engine and a real registry: run the
 * matrix of a multi-platform image pushed from here, look at it (screenshots in light and dark go into the
 * test output), keep it in the history, export it, delete it; and see an index whose arm64 entry holds amd64
 * binaries flagged as a mismatch, with its explanation.
 * The registry container is our own (mal-e2e-runs-…, its own port, labelled) and is removed in afterAll.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { docker, freePort, openApp, pushSourceImage, startTestRegistry } from './helpers/app.js';
import { pushWrongBinariesIndex } from '../helpers/run-images.js';
import type { RegistryProcess } from '../helpers/registry-process.js';

const suffix = randomBytes(4).toString('hex');
const registryName = `mal-e2e-runs-${suffix}`;
let port = 0;
const pulled = new Set<string>();

async function openRuns(page: Page): Promise<string[]> {
  const problems = await openApp(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Runs', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
  return problems;
}

/** The registry as the run-image helpers address it (only address and url are used). */
function registryHandle(): RegistryProcess {
  return {
    port,
    address: `127.0.0.1:${port}`,
    localhostAddress: `localhost:${port}`,
    url: `http://127.0.0.1:${port}`,
    dataDir: '',
    deleteEnabled: false,
    output: () => '',
    kill: () => Promise.reject(new Error('the app owns this registry container: not the test helper\'s to kill')),
    start: () => Promise.reject(new Error('the app owns this registry container: not the test helper\'s to start')),
    stop: async () => undefined,
  };
}

/** Types a reference, reads its platforms, asks for `uname -m`, runs, and waits for the cards. */
async function runMatrix(page: Page, reference: string, platforms: string[]) {
  await page.getByLabel('Image reference').fill(reference);
  await page.getByRole('button', { name: 'Read platforms' }).click();
  for (const p of platforms) await expect(page.getByRole('checkbox', { name: new RegExp(`^${p.replace(/\//g, '\\/')}( |$)`) })).toBeChecked({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Use uname -m' }).click();
  await expect(page.getByLabel('Command (optional)')).toHaveValue('uname -m');
  await page.getByText(/^What will run/).click();
  await expect(page.locator('.runs-view .commands .command code').first()).toHaveText(`$ docker run --rm --platform ${platforms[0]} ${reference} uname -m`);
  await page.getByRole('button', { name: `Run ${platforms.length} platforms` }).click();
  const matrix = page.getByTestId('runs-matrix');
  await expect(matrix).toBeVisible({ timeout: 180_000 });
  await expect(matrix.locator('.run-card')).toHaveCount(platforms.length);
  return matrix;
}

test.use({ viewport: { width: 1280, height: 1500 } });

test.beforeAll(async () => {
  port = await freePort();
  await startTestRegistry({ name: registryName, port, label: 'dev.multiarch-lab.test=e2e-runs' });
});

test.afterAll(async () => {
  await docker(['rm', '-f', '-v', registryName]).catch(() => undefined);
  // The run matrix pulls each variant into the engine: take back what it pulled for our references.
  for (const ref of pulled) await docker(['image', 'rm', '-f', ref]).catch(() => undefined);
});

test('run the matrix of a three-platform image: cards side by side, history, export, delete', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const reference = `localhost:${port}/e2e-runs/busybox:1`;
  pulled.add(reference);
  await pushSourceImage(reference);

  const problems = await openRuns(page);
  const matrix = await runMatrix(page, reference, ['linux/amd64', 'linux/arm64', 'linux/arm/v7']);

  await test.step('each card: pass, the machine it printed, native or emulated, the output and its command', async () => {
    const want = {
      'linux/amd64': { machine: 'x86_64', execution: 'native' },
      'linux/arm64': { machine: 'aarch64', execution: 'emulated' },
      'linux/arm/v7': { machine: 'armv7l', execution: 'emulated' },
    };
    for (const [platform, w] of Object.entries(want)) {
      const card = matrix.getByTestId(`run-card-${platform}`);
      await expect(card.getByTestId('run-result')).toHaveText('pass');
      await expect(card.getByTestId('run-printed')).toHaveText(w.machine);
      await expect(card.getByTestId('run-expected')).toContainText(w.machine);
      await expect(card.getByTestId('run-execution')).toHaveText(w.execution);
      await expect(card.getByTestId('run-stdout')).toHaveText(w.machine);
      await expect(card.getByTestId('run-exit-code')).toHaveText('0');
      await expect(card.locator('.command code')).toHaveText(`$ docker run --rm --platform ${platform} ${reference} uname -m`);
    }
    await expect(page.getByTestId('runs-summary')).toHaveText('every platform passed');
    // Side by side: the three cards share one row at this width.
    const tops = await matrix.locator('.run-card').evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
  });

  await test.step('which variant each host pulls', async () => {
    const hosts = page.getByTestId('runs-hosts');
    await expect(hosts).toBeVisible();
    await expect(hosts.locator('tbody tr')).not.toHaveCount(0);
    await expect(hosts).toContainText('linux/arm/v7');
  });

  await test.step('screenshots of the matrix in light and dark, into the test output', async () => {
    const card = page.getByRole('region', { name: `Run of ${reference}` });
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: testInfo.outputPath('runs-matrix-light.png') });
    await testInfo.attach('runs-matrix-light', { path: testInfo.outputPath('runs-matrix-light.png'), contentType: 'image/png' });
    await page.emulateMedia({ colorScheme: 'dark' });
    await card.screenshot({ path: testInfo.outputPath('runs-matrix-dark.png') });
    await testInfo.attach('runs-matrix-dark', { path: testInfo.outputPath('runs-matrix-dark.png'), contentType: 'image/png' });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: testInfo.outputPath('runs-view.png'), fullPage: true });
  });

  const history = page.getByTestId('runs-history');
  const row = history.locator('tbody tr', { hasText: reference });
  await test.step('the run is in the history; JSON and Markdown exports hold what the cards show', async () => {
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('3 passed');
    const json = page.waitForEvent('download');
    await row.getByRole('button', { name: /^Save the run .* as JSON/ }).click();
    const jsonFile = await json;
    expect(jsonFile.suggestedFilename()).toMatch(/^multiarch-lab-run-.+\.json$/);
    const saved = JSON.parse(await readFile((await jsonFile.path())!, 'utf8')) as { reference: string; ok: boolean; runs: Array<{ platform: string; printed: string }> };
    expect(saved.reference).toBe(reference);
    expect(saved.ok).toBe(true);
    expect(Object.fromEntries(saved.runs.map((r) => [r.platform, r.printed]))).toEqual({ 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64', 'linux/arm/v7': 'armv7l' });
    const md = page.waitForEvent('download');
    await row.getByRole('button', { name: /^Save the run .* as Markdown/ }).click();
    const mdFile = await md;
    expect(mdFile.suggestedFilename()).toMatch(/\.md$/);
    const text = await readFile((await mdFile.path())!, 'utf8');
    expect(text).toContain(`# Run matrix: ${reference}`);
    expect(text).toContain('| linux/arm64 |');
  });

  await test.step('open it again after a reload, then delete it through the dialog', async () => {
    await page.reload();
    await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Runs', exact: true }).click();
    await expect(page.getByTestId('runs-matrix')).toHaveCount(0);
    await row.getByRole('button', { name: /^Open the run/ }).click();
    await expect(page.getByTestId('runs-matrix').locator('.run-card')).toHaveCount(3);
    await row.getByRole('button', { name: /^Delete the run/ }).click();
    const dialog = page.getByTestId('delete-run-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(reference);
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(row).toHaveCount(0);
    await expect(page.getByTestId('runs-matrix')).toHaveCount(0);
  });

  expect(problems).toEqual([]);
});

test('an arm64 entry holding amd64 binaries is flagged as a mismatch, with the reason', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const source = `localhost:${port}/e2e-runs/wrong:src`;
  await pushSourceImage(source);
  await pushWrongBinariesIndex(registryHandle(), 'e2e-runs/wrong', 'src', 'forged');
  const reference = `localhost:${port}/e2e-runs/wrong:forged`;
  pulled.add(reference);

  const problems = await openRuns(page);
  const matrix = await runMatrix(page, reference, ['linux/amd64', 'linux/arm64']);
  await expect(matrix.getByTestId('run-card-linux/amd64').getByTestId('run-result')).toHaveText('pass');
  const arm = matrix.getByTestId('run-card-linux/arm64');
  await expect(arm.getByTestId('run-result')).toHaveText('fail');
  await expect(arm.getByTestId('run-printed')).toHaveText('x86_64');
  await expect(arm.getByTestId('run-expected')).toContainText('aarch64');
  const why = arm.getByTestId('run-explanation');
  await expect(why).toHaveAttribute('role', 'alert');
  await expect(why).toContainText('Wrong CPU inside');
  await expect(page.getByTestId('runs-summary')).toHaveText('1 of 2 failed');
  await page.getByRole('region', { name: `Run of ${reference}` }).screenshot({ path: testInfo.outputPath('runs-mismatch.png') });
  await testInfo.attach('runs-mismatch', { path: testInfo.outputPath('runs-mismatch.png'), contentType: 'image/png' });
  expect(problems).toEqual([]);
});
