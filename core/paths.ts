import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Multiarch Lab';
export const APP_ID = 'multiarch-lab';

/**
 * The app's data folder, shared by every front so they read the same settings and history.
 * MULTIARCH_LAB_DATA_DIR wins (tests use it to stay out of the user's folder).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MULTIARCH_LAB_DATA_DIR) return path.resolve(env.MULTIARCH_LAB_DATA_DIR);
  const home = env.HOME ?? env.USERPROFILE ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_ID);
}
