#!/usr/bin/env node
/**
 * Renders assets/icon.svg into the PNGs and the Windows .ico that packaging needs.
 * Uses the system Chromium through playwright-core (already a dev dependency), so no image
 * tool has to be installed. Run again after changing the SVG: node build/make-icons.mjs
 * macOS .icns is left to electron-builder, which converts build/icons/1024x1024.png itself.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = await readFile(path.join(root, 'assets', 'icon.svg'), 'utf8');
const outDir = path.join(root, 'build', 'icons');
const LINUX_SIZES = [1024, 512, 256, 128, 64, 48, 32, 16];
const ICO_SIZES = [256, 128, 64, 48, 32, 24, 16];

const executablePath = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const browser = await chromium.launch({
  ...(executablePath ? { executablePath } : {}),
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
});

async function render(size) {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  const sized = svg.replace(/width="512" height="512"/, `width="${size}" height="${size}"`);
  await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${sized}</body></html>`);
  const png = await page.locator('svg').screenshot({ omitBackground: true });
  await page.close();
  return png;
}

/** An .ico whose entries are PNGs (supported since Windows Vista): a 6-byte header, 16 bytes per entry, then the images. */
function icoFromPngs(entries) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(entries.length, 4);
  const dir = Buffer.alloc(16 * entries.length);
  let offset = header.length + dir.length;
  entries.forEach(({ size, png }, i) => {
    const at = i * 16;
    dir.writeUInt8(size >= 256 ? 0 : size, at);
    dir.writeUInt8(size >= 256 ? 0 : size, at + 1);
    dir.writeUInt8(0, at + 2);
    dir.writeUInt8(0, at + 3);
    dir.writeUInt16LE(1, at + 4);
    dir.writeUInt16LE(32, at + 6);
    dir.writeUInt32LE(png.length, at + 8);
    dir.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, dir, ...entries.map((e) => e.png)]);
}

try {
  await mkdir(outDir, { recursive: true });
  const rendered = new Map();
  for (const size of new Set([...LINUX_SIZES, ...ICO_SIZES])) rendered.set(size, await render(size));
  for (const size of LINUX_SIZES) await writeFile(path.join(outDir, `${size}x${size}.png`), rendered.get(size));
  await writeFile(path.join(outDir, 'icon.ico'), icoFromPngs(ICO_SIZES.map((size) => ({ size, png: rendered.get(size) }))));
  // the window icon the app sets on Linux when run from source
  await writeFile(path.join(root, 'assets', 'icon.png'), rendered.get(256));
  console.log(`Icons written to ${path.relative(root, outDir)} and assets/icon.png`);
} finally {
  await browser.close();
}
