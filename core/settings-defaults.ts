import type { Settings } from './contract/settings.js';

/**
 * The settings when there is no settings file: what SettingsSchema.parse({}) gives (test/unit/core/settings.test.ts
 * checks it), here without zod, so a command that reads settings on a machine that never saved any (the Doctor's
 * registry line) does not load the schemas (issue 15).
 */
export function defaultSettings(): Settings {
  return {
    registry: { name: 'registry', port: 5000, volume: 'registry_data', image: 'registry:2' },
    builder: { name: 'mybuilder' },
    workspaceDir: '',
    plainHttpRegistries: [],
  };
}
