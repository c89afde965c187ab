import { describe, expect, test } from 'vitest';
import { APP_ID, applyAppIdentity } from '../../../electron/main/app-identity.js';

/** Records what the startup code asks of Electron's app object. */
function recorder() {
  const ids: string[] = [];
  return { ids, app: { setAppUserModelId: (id: string) => ids.push(id) } };
}

describe('applyAppIdentity', () => {
  test('on Windows, gives the process the appId its installed shortcut carries', () => {
    const { ids, app } = recorder();
    applyAppIdentity(app, 'win32');
    expect(ids).toEqual([APP_ID]);
    expect(APP_ID).toBe('dev.multiarch-lab.app');
  });

  test.each(['darwin', 'linux'] as const)('on %s, leaves it alone (there the id comes from the bundle or the .desktop file)', (platform) => {
    const { ids, app } = recorder();
    applyAppIdentity(app, platform);
    expect(ids).toEqual([]);
  });
});
