/**
 * The readiness panel of the Build view in Chromium, through browser mode, against the real core: a folder of one's
 * own whose ENTRYPOINT script has no #! line shows an error with its line, why and the change; after the fix the
 * finding is gone. The base image sits on a registry address where nothing listens, so the panel says it cannot
 * tell that image's platforms (and builds nothing). Files live in a temporary folder removed at the end.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort, openApp } from './helpers/app.js';

let workDir = '';

test.beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'mal-e2e-ready-'));
});

test.afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('the readiness panel: a script the kernel could not start, its line and the change; gone once fixed', async ({ page }) => {
  const port = await freePort();
  const base = `localhost:${port}/alpine:3.15`;
  const dir = path.join(workDir, 'entry');
  await mkdir(dir, { recursive: true });
  const write = (script: string[]) =>
    writeFile(path.join(dir, 'Dockerfile'), [`FROM ${base}`, 'COPY --chmod=755 <<-"SCRIPT" /start.sh', ...script.map((l) => `\t${l}`), '\tSCRIPT', 'ENTRYPOINT ["/start.sh"]', ''].join('\n'));
  await write(['echo hello']);

  const problems = await openApp(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Build', exact: true }).click();
  await page.getByLabel(/A folder of my own/).check();
  await page.getByLabel('Folder', { exact: true }).fill(dir);
  await page.getByRole('button', { name: 'Read the Dockerfile' }).click();

  const panel = page.getByTestId('build-readiness');
  await expect(panel).toBeVisible({ timeout: 30_000 });
  const finding = panel.locator('[data-rule="entrypoint-script"]');
  await expect(finding).toHaveCount(1);
  await expect(finding).toContainText('Line 2');
  await expect(finding).toContainText('no #! line');
  await expect(finding).toContainText('exec format error');
  await expect(finding).toContainText('The change to make');
  await expect(panel).toContainText('not ready');
  // the base image's registry does not answer: said so, not guessed
  await expect(panel.locator('[data-rule="base-platform"]')).toContainText(`Cannot tell which platforms ${base} has`);

  await write(['#!/bin/sh', 'echo hello']);
  await page.getByRole('button', { name: 'Check again' }).click();
  await expect(panel.locator('[data-rule="entrypoint-script"]')).toHaveCount(0);
  await expect(panel).toContainText('ready to build');
  expect(problems).toEqual([]);
});
