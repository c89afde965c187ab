/**
 * The Registry view in Chromium, through browser mode, against the real engine: start a registry
 * from the empty state, push a real multi-arch image into it, browse to one platform's layers,
 * and remove it again together with its volume.
 * Everything it creates has its own name (mal-e2e-reg-…) and port, and is removed in afterAll.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import { docker, freePort, openApp, pushSourceImage } from './helpers/app.js';

const suffix = randomBytes(4).toString('hex');
const name = `mal-e2e-reg-${suffix}`;
const volume = `mal-e2e-vol-${suffix}`;
const repository = 'e2e/busybox';
let port = 0;

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

interface Entry {
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
}

/** What the registry itself says, read over plain HTTP without the app: the yardstick for what the page shows. */
async function registryFacts(ref: { port: number; repository: string; tag: string }) {
  const base = `http://localhost:${ref.port}/v2/${ref.repository}`;
  const get = async (what: string, accept: string[]) => {
    const res = await fetch(`${base}/manifests/${what}`, { headers: { Accept: accept.join(', ') } });
    expect(res.status, `GET manifests/${what}`).toBe(200);
    return (await res.json()) as { manifests?: Entry[]; layers?: Entry[]; config?: Entry };
  };
  const index = await get(ref.tag, [...INDEX_TYPES, ...MANIFEST_TYPES]);
  const platforms = (index.manifests ?? []).filter((m) => m.platform && m.platform.os !== 'unknown');
  const layersByPlatform = new Map<string, Entry[]>();
  for (const m of platforms) {
    const manifest = await get(m.digest, MANIFEST_TYPES);
    const p = m.platform!;
    layersByPlatform.set([p.os, p.architecture, p.variant].filter(Boolean).join('/'), manifest.layers ?? []);
  }
  const counts = new Map<string, number>();
  for (const layers of layersByPlatform.values()) for (const l of new Set(layers.map((x) => x.digest))) counts.set(l, (counts.get(l) ?? 0) + 1);
  const shared = [...counts.values()].filter((n) => n > 1).length;
  return { layersByPlatform, shared };
}

test.describe.configure({ mode: 'serial' });
// Tall enough that the whole view fits in one screenshot (the content pane scrolls, not the page).
test.use({ viewport: { width: 1280, height: 2100 } });

test.beforeAll(async () => {
  port = await freePort();
});

test.afterAll(async () => {
  // By the unique names only: never the user's own `registry` or its volume.
  await docker(['rm', '-f', '-v', name]).catch(() => undefined);
  await docker(['volume', 'rm', '-f', volume]).catch(() => undefined);
  await docker(['image', 'rm', `localhost:${port}/${repository}:1`]).catch(() => undefined);
});

test('start a registry from the Registry view, browse to a platform’s layers, then remove it with its volume', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const problems = await openApp(page);
  const nav = page.getByRole('navigation', { name: 'Areas' });

  await test.step('the saved registry name points at our own container, not the user’s', async () => {
    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Container name').fill(name);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
  });

  await test.step('the empty state offers to start one, with options and the docker command', async () => {
    await nav.getByRole('link', { name: 'Registry' }).click();
    await expect(page.getByRole('heading', { name: 'Registry', level: 1 })).toBeVisible();
    const empty = page.getByTestId('registry-empty');
    await expect(empty.getByRole('heading', { name: 'No local registry yet' })).toBeVisible({ timeout: 30_000 });
    await empty.getByText('Options', { exact: true }).click();
    await expect(empty.getByLabel('Container name')).toHaveValue(name);
    await empty.getByLabel('Port').fill(String(port));
    await empty.getByLabel('Volume').fill(volume);
    await page.screenshot({ path: testInfo.outputPath('registry-empty.png') });
    await expect(empty.locator('.command code')).toContainText(`docker run -d -p ${port}:5000 --restart=always --name ${name} -v ${volume}:/var/lib/registry --label dev.multiarch-lab.managed=true --label dev.multiarch-lab.role=registry registry:2`);
  });

  await test.step('an image that cannot be pulled is named in the error, with the steps that ran', async () => {
    const missing = `registry:2-mal-e2e-missing-${suffix}`;
    const empty = page.getByTestId('registry-empty');
    await empty.getByLabel('Image', { exact: true }).fill(missing);
    await page.getByRole('button', { name: 'Start registry' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'The registry did not start' });
    await expect(refusal).toContainText(missing, { timeout: 120_000 });
    await expect(page.getByTestId('task-registry:up')).toContainText('failed');
    await refusal.getByRole('button', { name: 'Dismiss' }).click();
    await empty.getByLabel('Image', { exact: true }).fill('registry:2');
  });

  await test.step('a taken port is refused with the next free one offered, and "Use port N" starts it there', async () => {
    // Someone else listens on the chosen port: the registry cannot be published on it.
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.listen(port, '0.0.0.0', () => resolve());
    });
    try {
      await page.getByRole('button', { name: 'Start registry' }).click();
      const refusal = page.getByRole('alert').filter({ hasText: 'The registry did not start' });
      await expect(refusal).toContainText(`Port ${port} is already in use`, { timeout: 60_000 });
      const usePort = refusal.getByRole('button', { name: /^Use port \d+$/ });
      const offered = Number(/\d+/.exec((await usePort.textContent()) ?? '')?.[0]);
      expect(offered).not.toBe(port);
      await usePort.click();
      port = offered;
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    await expect(page.getByTestId('registry-state')).toHaveText('running', { timeout: 120_000 });
  });

  await test.step('it runs healthy, where the engine says it does', async () => {
    const health = page.getByTestId('registry-health');
    await expect(health).toContainText('answering');
    await expect(health).toContainText('200');
    await expect(health).toContainText('registry/2.0');
    await expect(page.getByTestId('registry-address')).toHaveText(`localhost:${port}`);
    await expect(page.getByTestId('registry-repository-count')).toHaveText('0');
    // The engine agrees: running, restarting with Docker, our volume at the registry's data path.
    const { stdout } = await docker(['container', 'inspect', '--format', '{{.State.Running}} {{.HostConfig.RestartPolicy.Name}} {{range .Mounts}}{{.Name}}:{{.Destination}}{{end}}', name]);
    expect(stdout.trim()).toBe(`true always ${volume}:/var/lib/registry`);
  });

  const ref = `localhost:${port}/${repository}:1`;
  await test.step('push a real multi-platform image into it from outside the app', async () => {
    await pushSourceImage(ref);
  });
  const facts = await registryFacts({ port, repository, tag: '1' });
  const armLayers = facts.layersByPlatform.get('linux/arm64');
  expect(armLayers?.length, 'the pushed image has an arm64 platform with layers').toBeGreaterThan(0);

  await test.step('repositories -> e2e/busybox -> tag 1 shows the tree', async () => {
    await page.getByRole('button', { name: 'Refresh list' }).click();
    await page.getByTestId('repositories').getByRole('button', { name: repository }).click();
    await page.getByTestId('tags').getByRole('button', { name: '1', exact: true }).click();
    const tree = page.getByTestId('manifest-tree');
    await expect(tree).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('platform-count')).toHaveText(`${facts.layersByPlatform.size} platforms`);
    for (const platform of facts.layersByPlatform.keys()) await expect(tree.locator(`[data-platform="${platform}"]`)).toHaveCount(1);
    // Shared layers are announced on the index when there are any, and not otherwise.
    const sharedBadge = tree.locator('.tree-index > .tree-row .badge-shared');
    if (facts.shared > 0) await expect(sharedBadge).toHaveText(`${facts.shared} shared layer${facts.shared === 1 ? '' : 's'}`);
    else await expect(sharedBadge).toHaveCount(0);
    await expect(page.locator('.image-detail .command code').first()).toHaveText(`$ docker buildx imagetools inspect ${ref}`);
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await expect(page.getByTestId('registry-repository-count')).toHaveText('1');
  });

  await test.step('expand linux/arm64: config says arm64, layers with digest and size', async () => {
    const arm64 = page.getByTestId('manifest-tree').locator('[data-platform="linux/arm64"]');
    await expect(arm64).toHaveAttribute('aria-expanded', 'false');
    await arm64.locator('> .tree-row').click();
    await expect(arm64).toHaveAttribute('aria-expanded', 'true');
    await expect(arm64.locator('[data-field="architecture"]')).toHaveText('arm64');
    await expect(arm64.locator('[data-field="os"]')).toHaveText('linux');
    const layers = arm64.locator('.tree-layer');
    await expect(layers).toHaveCount(armLayers!.length);
    for (const [i, layer] of armLayers!.entries()) {
      const row = layers.nth(i);
      await expect(row.locator('[data-field="layer-digest"]')).toHaveText(layer.digest.slice(0, 'sha256:'.length + 12));
      await expect(row.locator('[data-field="layer-digest"]')).toHaveAttribute('title', layer.digest);
      await expect(row.locator('[data-field="layer-size"]')).toHaveAttribute('title', `${layer.size} bytes`);
    }
    // Keyboard: the focused platform closes with Left and opens with Right.
    await arm64.focus();
    await page.keyboard.press('ArrowLeft');
    await expect(arm64).toHaveAttribute('aria-expanded', 'false');
    await page.keyboard.press('ArrowRight');
    await expect(arm64).toHaveAttribute('aria-expanded', 'true');
    // The raw manifest is one click away and names the layers the registry listed.
    await arm64.locator('> .tree-row').getByRole('button', { name: 'Raw JSON' }).click();
    await expect(arm64.locator('> .raw-json pre')).toContainText(armLayers![0]!.digest);
  });

  await test.step('screenshots in light and dark', async () => {
    await page.screenshot({ path: testInfo.outputPath('registry-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: testInfo.outputPath('registry-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await test.step('a delete is refused with a clear reason when the registry does not allow deletes', async () => {
    await page.getByRole('button', { name: 'Delete tag…' }).click();
    const dialog = page.getByTestId('delete-tag-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('started without deletes enabled');
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(dialog.getByRole('alert')).toContainText('does not allow deletes');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step('Remove… with the volume says what is lost, wants the name typed, and leads back to the empty state', async () => {
    await page.getByRole('button', { name: 'Remove…' }).click();
    const dialog = page.getByTestId('registry-remove-dialog');
    await expect(dialog).toBeVisible();
    await dialog.getByLabel(/container and its volume/).check();
    await expect(dialog.getByTestId('registry-loss')).toContainText(`1 repository: ${repository}`);
    await expect(dialog.getByTestId('registry-loss')).toContainText(/\d[\d,]* bytes/);
    const confirm = dialog.getByRole('button', { name: 'Remove container and volume' });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel(/Type .* to confirm/).fill(volume);
    await expect(confirm).toBeEnabled();
    await expect(dialog).toContainText(`docker volume rm ${volume}`);
    await page.screenshot({ path: testInfo.outputPath('registry-remove-dialog.png') });
    await confirm.click();
    await expect(page.getByTestId('registry-empty')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('registry-leftover')).toHaveCount(0);
    await expect(docker(['container', 'inspect', name])).rejects.toThrow();
    await expect(docker(['volume', 'inspect', volume])).rejects.toThrow();
  });

  expect(problems).toEqual([]);
});
