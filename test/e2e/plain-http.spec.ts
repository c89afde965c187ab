/**
 * A plain-HTTP registry that is not on loopback, in Chromium through browser mode (issue 16): the registry
 * container of this test answers on this machine's own LAN address, which no list names. Reading an image there
 * fails with the error that offers "Reach … over plain HTTP"; the button puts it on the list, and trying again
 * reads the image over HTTP. Settings shows the entry with where it comes from, and removes it.
 * The registry container is our own (mal-e2e-plain-…, its own port, labelled) and is removed in afterAll.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { expect, test } from '@playwright/test';
import { docker, freePort, openApp, pushSourceImage, startTestRegistry } from './helpers/app.js';
import { ipInCidr } from '../../core/registry/plain-http.js';

const suffix = randomBytes(4).toString('hex');
const registryName = `mal-e2e-plain-${suffix}`;
let port = 0;
let lan = '';

/** An IPv4 address of this machine outside the engine's insecure CIDRs: a registry there is HTTPS unless a list says so. */
async function uncoveredAddress(): Promise<string> {
  const { stdout } = await docker(['info', '--format', '{{json .RegistryConfig.InsecureRegistryCIDRs}}']);
  const cidrs = JSON.parse(stdout) as string[];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal && !cidrs.some((c) => ipInCidr(a.address, c))) return a.address;
  }
  throw new Error('no IPv4 address outside the engine\'s insecure CIDRs on this machine');
}

test.beforeAll(async () => {
  port = await freePort();
  lan = await uncoveredAddress();
  await startTestRegistry({ name: registryName, port, label: 'dev.multiarch-lab.test=e2e-plain-http' });
  await pushSourceImage(`localhost:${port}/plain/busybox:1`);
});

test.afterAll(async () => {
  await docker(['rm', '-f', '-v', registryName]).catch(() => undefined);
});

test('a registry in no list: the error offers the one action, the button adds it, Settings shows where it came from', async ({ page }) => {
  const problems = await openApp(page);
  const registry = `${lan}:${port}`;
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Runs', exact: true }).click();
  await page.getByLabel('Image reference').fill(`${registry}/plain/busybox:1`);
  await page.getByRole('button', { name: 'Read platforms' }).click();

  const alert = page.getByRole('alert').filter({ hasText: 'Could not read the image’s platforms' });
  await expect(alert).toContainText(`${registry} answered in plain HTTP, not HTTPS, and it is not one of the plain-HTTP registries, so nothing more was sent to it.`);
  await alert.getByRole('button', { name: `Reach ${registry} over plain HTTP` }).click();
  await expect(page.getByTestId('plain-http-added')).toHaveText(`${registry} is reached over plain HTTP: you added it to the plain-HTTP registries in Settings. Try again.`);

  await page.getByRole('button', { name: 'Read platforms' }).click();
  for (const p of ['linux/amd64', 'linux/arm64', 'linux/arm/v7']) {
    await expect(page.getByRole('checkbox', { name: new RegExp(`^${p.replace(/\//g, '\\/')}( |$)`) })).toBeChecked();
  }
  await expect(page.getByTestId('runs-plain-http-note')).toHaveText(`${registry} is reached over plain HTTP: you added it to the plain-HTTP registries in Settings.`);

  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Settings', exact: true }).click();
  const list = page.getByTestId('plain-http-list');
  const row = list.getByRole('row').filter({ hasText: registry });
  await expect(row).toContainText('You added it here');
  await expect(list.getByRole('row').filter({ hasText: '127.0.0.0/8' })).toContainText('The engine\'s insecure address blocks');
  await row.getByRole('button', { name: `Remove ${registry}` }).click();
  await expect(list.getByRole('row').filter({ hasText: registry })).toHaveCount(0);
  expect(problems).toEqual([]);
});
