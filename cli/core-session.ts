import { createCore, type Core, type CoreOptions } from '../core/index.js';

/** Creates the core for one command and always closes it, so no connection keeps the process alive. */
export async function withCore<T>(mode: CoreOptions['mode'], body: (core: Core) => Promise<T>): Promise<T> {
  const core = createCore({ mode });
  try {
    return await body(core);
  } finally {
    await core.close();
  }
}
