import { defineConfig, devices } from '@playwright/test';

// Chromium from the system (Debian's /usr/bin/chromium): no browser download, ever.
// The server under test is the real CLI in browser mode, started by test/e2e/global-setup.ts.
export default defineConfig({
  testDir: 'test/e2e',
  // Electron specs live next to these and decide for themselves whether a binary exists.
  testMatch: /.*\.spec\.ts$/,
  outputDir: 'test-results',
  globalSetup: './test/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    ...devices['Desktop Chrome'],
    headless: true,
    viewport: { width: 1280, height: 860 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    },
  },
});
