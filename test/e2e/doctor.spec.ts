/**
 * The Doctor in Chromium, through browser mode, against the real engine on this machine.
 */
import { expect, test } from '@playwright/test';
import { appUrl, docker, openApp } from './helpers/app.js';

function origin(): string {
  return new URL(appUrl()).origin;
}

test('the Doctor shows the engine version that `docker version` reports', async ({ page }) => {
  const { stdout } = await docker(['version', '--format', '{{.Server.Version}}']);
  const expected = stdout.trim();
  expect(expected).not.toBe('');

  const problems = await openApp(page);
  // The token was traded for a cookie: it is no longer in the address bar.
  await expect(page).toHaveURL(`${origin()}/`);

  await page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name: 'Doctor' }).click();
  await expect(page.getByRole('link', { name: 'Doctor' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('engine-version')).toHaveText(expected, { timeout: 60_000 });
  await expect(page.getByTestId('engine-status')).toBeVisible();
  expect(problems).toEqual([]);
});

test('the Doctor shows arm64 as emulated and amd64 as native', async ({ page }) => {
  await openApp(page);
  const arm64 = page.locator('tr[data-platform="linux/arm64"]');
  await expect(arm64).toContainText('emulated', { timeout: 60_000 });
  await expect(page.locator('tr[data-platform="linux/amd64"]')).toContainText('native');
});

test('a page opened without the token is refused', async ({ browser }) => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const response = await page.goto(`${origin()}/`);
    expect(response?.status()).toBe(401);
    await expect(page.locator('body')).toContainText('token');
    const wrong = await page.goto(`${origin()}/?token=${'0'.repeat(64)}`);
    expect(wrong?.status()).toBe(401);
  } finally {
    await context.close();
  }
});

test('Tab reaches every sidebar item, and Enter opens it', async ({ page }) => {
  await openApp(page);
  await expect(page.getByRole('heading', { name: 'Doctor', level: 1 })).toBeVisible();
  const wanted = ['Doctor', 'Registry', 'Builder', 'Build', 'Runs', 'Settings'];
  const reached: string[] = [];
  for (let i = 0; i < 12 && reached.length < wanted.length; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => (document.activeElement?.closest('nav') ? (document.activeElement?.textContent ?? '').trim() : null));
    if (name) reached.push(name);
  }
  expect(reached).toEqual(wanted);
  // Focus is on Settings now: a visible focus ring, and Enter opens it.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');
});

test('Settings shows what is wrong with a value and saves a good one', async ({ page }) => {
  await openApp(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  const port = page.getByLabel('Port');
  await expect(port).toHaveValue(/\d+/);
  // checked as it is typed: the field names the problem, and Save waits until the value is one
  await port.fill('70000');
  await expect(page.locator('#setting-registryPort-error')).toHaveText('a port is a number from 1 to 65535');
  await expect(port).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();

  await port.fill('5055');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Port')).toHaveValue('5055');
});

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} theme`, () => {
    // Tall enough that the whole Doctor fits in one screenshot (the content pane scrolls, not the page).
    test.use({ colorScheme, viewport: { width: 1280, height: 1500 } });

    test(`the Doctor follows the system's ${colorScheme} setting`, async ({ page }, testInfo) => {
      const problems = await openApp(page);
      await expect(page.getByTestId('engine-version')).toBeVisible({ timeout: 60_000 });
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
      const luminance = (0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)) / 255;
      if (colorScheme === 'dark') expect(luminance).toBeLessThan(0.25);
      else expect(luminance).toBeGreaterThan(0.75);
      await page.screenshot({ path: testInfo.outputPath(`doctor-${colorScheme}.png`), fullPage: true });
      expect(problems).toEqual([]);
    });
  });
}
