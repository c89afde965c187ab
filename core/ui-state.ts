/** The views' remembered choices in `<data folder>/ui-state.json`, written atomically (see contract/ui-state.ts). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { UiState, UiStateKey, uiStateChannels } from './contract/ui-state.js';
import type { Handlers } from './dispatch.js';

export class UiStateStore {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'ui-state.json');
  }

  async read(): Promise<UiState> {
    try {
      const value = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as UiState) : {};
    } catch {
      // missing or unreadable: the views start from their defaults; nothing a user typed is at stake here
      return {};
    }
  }

  /** One write at a time, so two quick saves never interleave. */
  set(key: UiStateKey, value: unknown): Promise<{ saved: boolean }> {
    const next = this.queue.then(async () => {
      const state = await this.read();
      if (value === null || value === undefined) delete state[key];
      else state[key] = value;
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(state), 'utf8');
      await rename(tmp, this.file);
      return { saved: true };
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** The `ui-state:*` handlers over one store in the data folder. */
export function createUiStateHandlers(dataDir: string): Pick<Handlers, keyof typeof uiStateChannels> {
  const store = new UiStateStore(dataDir);
  return {
    'ui-state:get': async () => store.read(),
    'ui-state:set': async ({ key, value }) => store.set(key, value),
  };
}
