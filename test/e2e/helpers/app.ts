/**
 * What the browser-mode specs share: the docker CLI with the buildx plugin, the seeded multi-platform
 * image, free ports, a throwaway registry of their own, and opening the app while collecting CSP complaints.
 * Lives outside *.spec.ts so Playwright does not take it for a test file.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import net from 'node:net';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';

const run = promisify(execFile);

/** /usr/local/bin/docker comes first on PATH here and has no buildx; this one does. */
export const DOCKER = '/usr/bin/docker';
export const SOURCE_IMAGE = 'multiarch-lab-test/busybox:1';

export function docker(args: string[], timeout = 180_000) {
  return run(DOCKER, args, { timeout, maxBuffer: 16 * 1024 * 1024 });
}

export function appUrl(): string {
  const url = process.env.MULTIARCH_LAB_E2E_URL;
  if (!url) throw new Error('MULTIARCH_LAB_E2E_URL is not set: the global setup did not start the server.');
  return url;
}

/** A port nobody listens on right now, on every address the registry will publish to. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Opens the app as a user does: the printed address, token included. Collects CSP complaints on the way. */
export async function openApp(page: Page, opts: { keepRemembered?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  // The core remembers the views' choices in <data>/ui-state.json, and every spec shares one server: without
  // this, a spec would open on the draft (folder, tag) the previous spec left behind. A test that checks a
  // restart finds its own choices keeps them.
  const dataDir = process.env.MULTIARCH_LAB_E2E_DATA_DIR;
  if (dataDir && !opts.keepRemembered) await rm(path.join(dataDir, 'ui-state.json'), { force: true });
  await page.goto(appUrl());
  return problems;
}

/** Starts a labelled registry:2 of the test's own on `port` and waits until it answers /v2/. */
export async function startTestRegistry(opts: { name: string; port: number; label: string }): Promise<void> {
  // --restart=always: other suites on this engine may restart dockerd while this one runs.
  await docker(['run', '-d', '--name', opts.name, '--label', opts.label, '--restart=always', '-p', `${opts.port}:5000`, 'registry:2']);
  for (let i = 0; i < 50; i++) {
    if (await fetch(`http://localhost:${opts.port}/v2/`).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the test registry on port ${opts.port} did not answer`);
}

/** Puts the seeded multi-platform image into a registry under `reference`, leaving no local tag behind. */
export async function pushSourceImage(reference: string): Promise<void> {
  await docker(['tag', SOURCE_IMAGE, reference]);
  await docker(['push', reference]);
  await docker(['image', 'rm', reference]);
}
