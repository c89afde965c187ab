import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from './contract/errors.js';
import type { Settings, SettingsPatch } from './contract/settings.js';
import { defaultSettings } from './settings-defaults.js';

/** The settings schema (zod) loads on the first read of a settings file, not with the core. */
const settingsSchema = async () => (await import('./contract/settings.js')).SettingsSchema;

/** Settings in `<data folder>/settings.json`, read by every front; written atomically. */
export class SettingsStore {
  readonly file: string;

  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
  }

  async read(): Promise<Settings> {
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultSettings();
      throw error;
    }
    const SettingsSchema = await settingsSchema();
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AppError('invalid-input', `The settings file ${this.file} is not valid JSON.`, {
        hint: 'Fix or delete the file; Multiarch Lab recreates it with defaults.',
      });
    }
    const parsed = SettingsSchema.safeParse(json);
    if (!parsed.success) {
      throw new AppError('invalid-input', `The settings file ${this.file} has invalid values: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
        hint: 'Fix the values named, or delete the file to go back to defaults.',
      });
    }
    return parsed.data;
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const current = await this.read();
    const SettingsSchema = await settingsSchema();
    const next = SettingsSchema.parse({
      ...current,
      ...(patch.workspaceDir !== undefined ? { workspaceDir: patch.workspaceDir } : {}),
      registry: { ...current.registry, ...patch.registry },
      builder: { ...current.builder, ...patch.builder },
      ...(patch.plainHttpRegistries !== undefined ? { plainHttpRegistries: patch.plainHttpRegistries } : {}),
    });
    await mkdir(this.dataDir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, 'utf8');
    await rename(tmp, this.file);
    return next;
  }

  async workspaceDir(): Promise<string> {
    const s = await this.read();
    return s.workspaceDir || path.join(this.dataDir, 'workspace');
  }
}
