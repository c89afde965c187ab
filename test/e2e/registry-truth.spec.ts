/**
 * The Registry view tells the truth, in Chromium against the real engine (issue 11): the empty state notices a
 * registry answering at the configured port and offers to use it; the repository count is the list's length;
 * the Doctor reports the registry; a registry that does not answer is said so with its address; a taken port
 * held by a registry offers "Use the registry NAME"; garbage collection shows what goes and what stays first and
 * keeps every platform of a tagged index; the tag delete refuses a platform an index names and offers the
 * manifests only an index reaches. Everything carries the test label and its own names, and is removed after.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { docker, freePort, openApp, pushSourceImage, SOURCE_IMAGE, startTestRegistry } from './helpers/app.js';

const suffix = randomBytes(4).toString('hex');
const LABEL = 'dev.multiarch-lab.test=e2e';
const registryName = `mal-e2e-truth-${suffix}`;
const mute = `mal-e2e-mute-${suffix}`;
let port = 0;
let mutePort = 0;

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 2400 } });

test.beforeAll(async () => {
  port = await freePort();
  mutePort = await freePort();
  await startTestRegistry({ name: registryName, port, label: LABEL });
  await pushSourceImage(`localhost:${port}/e2e/one:1`);
  await pushSourceImage(`localhost:${port}/e2e/two:1`);
});

test.afterAll(async () => {
  await docker(['rm', '-f', '-v', registryName, mute]).catch(() => undefined);
});

async function saveRegistrySettings(page: Page, name: string, p: number): Promise<void> {
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Container name').fill(name);
  await page.getByLabel('Port').first().fill(String(p));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
}

async function openRegistryView(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Registry' }).click();
  await expect(page.getByRole('heading', { name: 'Registry', level: 1 })).toBeVisible();
}

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function uploadBlob(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  const open = await fetch(`http://localhost:${port}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(open.status).toBe(202);
  const location = new URL(open.headers.get('location') ?? '', `http://localhost:${port}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
  expect(put.status).toBe(201);
  return { digest, size: bytes.length };
}

async function putManifest(repository: string, reference: string, mediaType: string, text: string): Promise<string> {
  const res = await fetch(`http://localhost:${port}/v2/${repository}/manifests/${reference}`, { method: 'PUT', headers: { 'Content-Type': mediaType }, body: text });
  expect(res.status, await res.clone().text()).toBe(201);
  return sha256(text);
}

async function getManifest(repository: string, reference: string): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(`http://localhost:${port}/v2/${repository}/manifests/${reference}`, {
    headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

test('the empty state finds the registry answering at the configured port, and the count is the list’s length', async ({ page }) => {
  test.setTimeout(180_000);
  await openApp(page);
  await saveRegistrySettings(page, `mal-e2e-none-${suffix}`, port);
  await openRegistryView(page);
  const empty = page.getByTestId('registry-empty');
  await expect(empty.getByRole('heading', { name: `A registry answers at localhost:${port}` })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('No local registry yet')).toHaveCount(0);
  await empty.getByRole('button', { name: `Use the registry ${registryName}` }).click();
  await expect(page.getByTestId('registry-state')).toHaveText('running', { timeout: 60_000 });
  await expect(page.getByTestId('registry-name')).toHaveText(registryName);

  const count = page.getByTestId('registry-repository-count');
  const list = page.getByTestId('repositories').getByRole('listitem');
  await expect(count).toHaveText('2');
  await expect(list).toHaveCount(2);
  // a push from elsewhere, then one Refresh: the number and the list move together
  await pushSourceImage(`localhost:${port}/e2e/three:1`);
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await expect(count).toHaveText('3');
  await expect(list).toHaveCount(3);

  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Doctor' }).click();
  // the report on screen was made at launch, for the registry named then: ask again
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  const line = page.locator('[data-check="registry"]');
  await expect(line).toContainText('Local registry', { timeout: 60_000 });
  await expect(line).toContainText(`The registry ${registryName} answers at localhost:${port} (3 repositories).`);
});

test('a port held by another registry offers to use it; a registry that does not answer is said so with its address', async ({ page }) => {
  test.setTimeout(180_000);
  await openApp(page);
  await saveRegistrySettings(page, `mal-e2e-new-${suffix}`, port);
  await openRegistryView(page);
  await page.getByRole('button', { name: 'Start registry' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'The registry did not start' });
  await expect(refusal).toContainText(`Port ${port} is already in use`, { timeout: 60_000 });
  await expect(refusal.getByRole('button', { name: `Use the registry ${registryName}` })).toBeVisible();
  await expect(refusal.getByRole('button', { name: /^Use port \d+$/ })).toBeVisible();
  await refusal.getByRole('button', { name: 'Dismiss' }).click();

  // a container that claims to be a registry and publishes a port where nothing listens
  await docker(['run', '-d', '-i', '--name', mute, '--label', LABEL, '--label', 'dev.multiarch-lab.role=registry', '-p', `${mutePort}:5000`, SOURCE_IMAGE, 'cat']);
  await saveRegistrySettings(page, mute, mutePort);
  await openRegistryView(page);
  const silent = page.getByTestId('registry-not-answering');
  await expect(silent).toContainText(`The registry at localhost:${mutePort} does not answer`, { timeout: 60_000 });
  await expect(silent).toContainText(`docker logs ${mute}`);
  await expect(page.getByText('does not offer a repository list')).toHaveCount(0);
  await expect(page.getByTestId('registry-repository-count')).toContainText('unknown until it answers');
});

test('garbage collection shows what goes and what stays, keeps every platform, and the delete dialog guards the index', async ({ page }) => {
  test.setTimeout(240_000);
  // an orphan manifest, and a tag on the arm64 manifest the index also names
  const index = await getManifest('e2e/one', '1');
  const children = (JSON.parse(index.text) as { manifests: Array<{ digest: string; platform: { architecture: string } }> }).manifests;
  const arm64 = children.find((c) => c.platform.architecture === 'arm64')!.digest;
  const arm64Doc = await getManifest('e2e/one', arm64);
  await putManifest('e2e/one', 'arm64-only', arm64Doc.type.split(';')[0]!, arm64Doc.text);
  const layer = await uploadBlob('e2e/one', Buffer.from(`orphan ${suffix}`));
  const config = await uploadBlob('e2e/one', Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const orphanText = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
  });
  const orphan = await putManifest('e2e/one', sha256(orphanText), 'application/vnd.oci.image.manifest.v1+json', orphanText);

  await openApp(page);
  await saveRegistrySettings(page, registryName, port);
  await openRegistryView(page);
  await expect(page.getByTestId('registry-state')).toHaveText('running', { timeout: 60_000 });

  await test.step('the delete dialog refuses a platform an index names, and offers what only the index reaches', async () => {
    await page.getByTestId('repositories').getByRole('button', { name: 'e2e/one' }).click();
    await page.getByTestId('tags').getByRole('button', { name: 'arm64-only' }).click();
    await page.getByRole('button', { name: 'Delete tag…' }).click();
    const dialog = page.getByTestId('delete-tag-dialog');
    await expect(dialog).toContainText('is named by the index', { timeout: 30_000 });
    await expect(dialog).toContainText('e2e/one:1');
    await expect(dialog.getByRole('button', { name: 'Delete', exact: true })).toBeDisabled();
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await page.getByTestId('tags').getByRole('button', { name: '1', exact: true }).click();
    await page.getByRole('button', { name: 'Delete tag…' }).click();
    await expect(dialog.getByTestId('delete-plan')).toContainText('Also delete the 2 manifests only this index reaches', { timeout: 30_000 });
    await expect(dialog.getByTestId('delete-stays')).toContainText('the tag arm64-only points at it');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  await test.step('the GC dialog lists the orphan as going and the platforms as staying; after it, every platform is served', async () => {
    await page.getByRole('button', { name: 'Garbage collect…' }).click();
    const dialog = page.getByTestId('registry-gc-dialog');
    await expect(dialog).toContainText('pushes to', { timeout: 60_000 });
    const goes = dialog.getByTestId('gc-goes');
    await expect(goes).toContainText(orphan.slice(7, 19), { timeout: 60_000 });
    await expect(goes).toContainText('no tag reaches it');
    await expect(goes.getByRole('listitem')).toHaveCount(1);
    await expect(dialog.getByTestId('gc-stays')).toContainText('linux/arm64 manifest, reached by');
    await dialog.getByRole('button', { name: 'Delete 1 untagged and collect' }).click();
    const result = page.getByTestId('registry-gc-result');
    await expect(result).toContainText('1 manifest no tag reaches were deleted', { timeout: 120_000 });
    await expect(page.getByTestId('registry-check-result')).toContainText('every tag is whole');
    expect((await getManifest('e2e/one', orphan)).status).toBe(404);
    for (const child of children) expect((await getManifest('e2e/one', child.digest)).status, child.digest).toBe(200);
  });
});
