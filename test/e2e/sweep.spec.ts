/**
 * The sweep in the browser UI: a run container an engine restart left behind (exited, with our labels) is removed
 * when the app starts, and the page says which; a container of the user's own stays. The app is started here
 * (not by the global setup) so that its start comes after the leftover exists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { docker, SOURCE_IMAGE } from './helpers/app.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const suffix = randomBytes(4).toString('hex');
const testLabel = `sweep-${suffix}`;
const leftover = `mal-e2e-sweep-run-${suffix}`;
const mine = `mal-e2e-sweep-user-${suffix}`;
let server: ChildProcess | undefined;
let dataDir = '';

test.afterAll(async () => {
  server?.kill('SIGTERM');
  await docker(['rm', '-f', '-v', leftover, mine]).catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('a run container left behind is swept when the app starts, and the page says which', async ({ page }) => {
  for (const [name, labels] of [
    [leftover, ['dev.multiarch-lab.managed=true', 'dev.multiarch-lab.role=run']],
    [mine, []],
  ] as const) {
    await docker(['create', '--label', `dev.multiarch-lab.test=${testLabel}`, ...labels.flatMap((l) => ['--label', l]), '--name', name, SOURCE_IMAGE, 'sh', '-c', 'exit 0']);
    await docker(['start', '--attach', name]);
  }
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mal-e2e-sweep-'));
  server = spawn(process.execPath, [path.join(root, 'dist', 'cli', 'index.js'), 'serve', '--port', '0'], {
    cwd: root,
    env: { ...process.env, MULTIARCH_LAB_DATA_DIR: dataDir, MULTIARCH_LAB_RESOURCE_LABELS: `dev.multiarch-lab.test=${testLabel}`, MULTIARCH_LAB_SWEEP_MIN_AGE_MS: '0', BROWSER: 'none', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no address printed:\n${text}`)), 30_000);
    server!.stdout!.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(text);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  await page.goto(url);
  const notice = page.getByTestId('sweep-notice');
  await expect(notice).toContainText('Removed 1 container an interrupted action left behind');
  await expect(notice).toContainText(`${leftover} (run)`);
  await expect(docker(['container', 'inspect', leftover])).rejects.toThrow();
  expect((await docker(['container', 'inspect', '--format', '{{.State.Status}}', mine])).stdout.trim()).toBe('exited');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
});
