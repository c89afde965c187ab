import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { beforeAll, describe, expect, test } from 'vitest';
import { APP_ID } from '../../../electron/main/app-identity.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const configFile = 'build/electron-builder.yml';

/** Width and height from a PNG's IHDR chunk. */
async function pngSize(file: string): Promise<{ width: number; height: number }> {
  const data = await readFile(file);
  expect(data.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

describe('the electron-builder config', () => {
  // loaded and checked with electron-builder's own loader and schema, as `npm run dist` would
  let config: Awaited<ReturnType<typeof getConfig>>;

  beforeAll(async () => {
    config = await getConfig(root, configFile, null);
    await validateConfiguration(config, new DebugLogger(false));
  });

  test('names the app', () => {
    expect(config.appId).toBe('dev.multiarch-lab.app');
    expect(config.productName).toBe('Multiarch Lab');
    expect(config.directories?.output).toBe('out');
  });

  test('packs the built app and its package.json, not type or build-info files', async () => {
    const files = (config.files as Array<{ filter: string[] }>).flatMap((set) => set.filter);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/**', '!dist/.types/**', '!dist/.tsbuild/**']));
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/electron/main/index.js');
  });

  test('builds AppImage and deb for Linux, dmg for macOS and nsis for Windows', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.linux?.category).toBe('Development');
    expect(config.linux?.desktop?.entry).toMatchObject({ Name: 'Multiarch Lab', Categories: 'Development;' });
    expect(config.mac?.target).toBe('dmg');
    expect(config.mac?.category).toBe('public.app-category.developer-tools');
    expect(config.win?.target).toBe('nsis');
  });

  test('burns the hardening fuses into the packaged binary', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  test('re-signs ad hoc after flipping the fuses, so an unsigned macOS arm64 build still launches', () => {
    // flipping fuses rewrites bytes of the signed Electron Framework; without this the ad hoc
    // signature no longer matches and macOS refuses to start the app
    expect(config.electronFuses?.resetAdHocDarwinSignature).toBe(true);
  });

  test('uses the id the app gives itself at startup (Windows AppUserModelID)', () => {
    expect(config.appId).toBe(APP_ID);
  });

  test('names the .desktop file after desktopName, which Electron uses as the window id', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { desktopName?: string; productName?: string };
    expect(config.linux?.syncDesktopName).toBe(true);
    expect(pkg.desktopName).toBe(`${String(config.linux?.executableName)}.desktop`);
    expect(pkg.productName).toBe(config.productName);
  });

  test('points at icons that exist in the sizes each platform wants', async () => {
    const linuxIcons = path.join(root, String(config.linux?.icon));
    for (const size of [512, 256]) {
      expect(await pngSize(path.join(linuxIcons, `${size}x${size}.png`))).toEqual({ width: size, height: size });
    }
    const macIcon = path.join(root, String(config.mac?.icon));
    expect((await pngSize(macIcon)).width).toBeGreaterThanOrEqual(512);
    const ico = await readFile(path.join(root, String(config.win?.icon)));
    expect(ico.readUInt16LE(2)).toBe(1);
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(4);
    expect(existsSync(path.join(root, 'assets', 'icon.svg'))).toBe(true);
  });
});

describe('electron-builder config validation', () => {
  test('refuses a misspelt key, so the test above would notice one', async () => {
    await expect(validateConfiguration({ appId: 'x', linux: { catgory: 'Development' } } as never, new DebugLogger(false))).rejects.toThrow(
      /Invalid configuration object/,
    );
  });
});
