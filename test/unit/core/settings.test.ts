import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../core/settings.js';
import { defaultDataDir } from '../../../core/paths.js';
import { defaultSettings } from '../../../core/settings-defaults.js';
import { SettingsSchema } from '../../../core/contract/settings.js';

describe('SettingsStore', () => {
  it('without a file answers what the schema makes of nothing (the defaults are written out only to skip loading zod)', async () => {
    expect(defaultSettings()).toEqual(SettingsSchema.parse({}));
    const store = new SettingsStore(await mkdtemp(path.join(os.tmpdir(), 'mal-settings-')));
    const first = await store.read();
    expect(first).toEqual(SettingsSchema.parse({}));
    first.plainHttpRegistries.push('changed:1');
    expect((await store.read()).plainHttpRegistries).toEqual([]); // a fresh object each time
  });


  it('gives the classic recipe defaults when no file exists', async () => {
    const store = new SettingsStore(await mkdtemp(path.join(os.tmpdir(), 'mal-settings-')));
    expect(await store.read()).toEqual({
      registry: { name: 'registry', port: 5000, volume: 'registry_data', image: 'registry:2' },
      builder: { name: 'mybuilder' },
      workspaceDir: '',
      plainHttpRegistries: [],
    });
  });

  it('persists an update so a new store (another front, or a restart) reads it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mal-settings-'));
    await new SettingsStore(dir).update({ registry: { port: 5055 }, builder: { name: 'lab' } });
    const again = await new SettingsStore(dir).read();
    expect(again.registry).toEqual({ name: 'registry', port: 5055, volume: 'registry_data', image: 'registry:2' });
    expect(again.builder.name).toBe('lab');
    expect(JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8')).registry.port).toBe(5055);
  });

  it('reports a corrupt file clearly instead of silently resetting it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mal-settings-'));
    await writeFile(path.join(dir, 'settings.json'), '{ not json');
    await expect(new SettingsStore(dir).read()).rejects.toMatchObject({ code: 'invalid-input' });
    await writeFile(path.join(dir, 'settings.json'), JSON.stringify({ registry: { port: 70000 } }));
    await expect(new SettingsStore(dir).read()).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('registry.port') });
  });

  it('workspace defaults under the data folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mal-settings-'));
    expect(await new SettingsStore(dir).workspaceDir()).toBe(path.join(dir, 'workspace'));
  });
});

describe('defaultDataDir', () => {
  it('follows each platform convention and honours the override', () => {
    expect(defaultDataDir({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.config/multiarch-lab');
    expect(defaultDataDir({ HOME: '/home/u', XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/multiarch-lab');
    expect(defaultDataDir({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/Multiarch Lab');
    expect(defaultDataDir({ HOME: '/tmp', MULTIARCH_LAB_DATA_DIR: '/data/lab' }, 'linux')).toBe('/data/lab');
  });
});
