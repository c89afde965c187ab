import { describe, expect, test } from 'vitest';
import { dockerCliPath } from '../../../electron/main/docker-path.js';

const LAUNCHD_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

describe('dockerCliPath', () => {
  test('macOS opened from Finder: adds the folders of Homebrew, Docker Desktop, Rancher Desktop and OrbStack after launchd\'s PATH', () => {
    const result = dockerCliPath({ platform: 'darwin', pathValue: LAUNCHD_PATH, home: '/Users/ada' });
    expect(result?.split(':')).toEqual([
      '/usr/bin',
      '/bin',
      '/usr/sbin',
      '/sbin',
      '/opt/homebrew/bin',
      '/usr/local/bin',
      '/Users/ada/.docker/bin',
      '/Applications/Docker.app/Contents/Resources/bin',
      '/Users/ada/.rd/bin',
      '/Applications/Rancher Desktop.app/Contents/Resources/resources/darwin/bin',
      '/Users/ada/.orbstack/bin',
      '/opt/local/bin',
    ]);
  });

  test('macOS started from a terminal: the user\'s order stays first and nothing is listed twice', () => {
    const result = dockerCliPath({ platform: 'darwin', pathValue: '/Users/ada/bin:/usr/local/bin/:/opt/homebrew/bin:/usr/bin', home: '/Users/ada' });
    const entries = result?.split(':') ?? [];
    expect(entries.slice(0, 4)).toEqual(['/Users/ada/bin', '/usr/local/bin/', '/opt/homebrew/bin', '/usr/bin']);
    expect(entries.filter((e) => e.replace(/\/$/, '') === '/usr/local/bin')).toHaveLength(1);
    expect(entries.filter((e) => e === '/opt/homebrew/bin')).toHaveLength(1);
    expect(entries).toContain('/Users/ada/.docker/bin');
  });

  test('macOS with no PATH at all still finds the helpers', () => {
    const entries = dockerCliPath({ platform: 'darwin', pathValue: undefined, home: '/Users/ada' })?.split(':') ?? [];
    expect(entries[0]).toBe('/opt/homebrew/bin');
    expect(entries).not.toContain('');
  });

  test('Linux: the session PATH is kept as it is', () => {
    expect(dockerCliPath({ platform: 'linux', pathValue: '/usr/local/bin:/usr/bin', home: '/home/ada' })).toBe('/usr/local/bin:/usr/bin');
  });

  test('Windows: the PATH is kept as it is (Docker Desktop adds itself to the system PATH)', () => {
    const windowsPath = 'C:\\Windows\\system32;C:\\Program Files\\Docker\\Docker\\resources\\bin';
    expect(dockerCliPath({ platform: 'win32', pathValue: windowsPath, home: 'C:\\Users\\ada' })).toBe(windowsPath);
  });
});
