import { describe, expect, test } from 'vitest';
import { sandboxFailureFix } from '../../../scripts/lib/electron-exit.mjs';

// what Chromium prints on Ubuntu 24.04 before aborting (electron issue #42510)
const UBUNTU_STDERR =
  '[12345:1201/101010.123456:FATAL:setuid_sandbox_host.cc(158)] The SUID sandbox helper binary was found, but is not configured correctly. ' +
  "Rather than run without sandboxing I'm aborting now. You need to make sure that /home/ada/lab/node_modules/electron/dist/chrome-sandbox is owned by root and has mode 4755.\n";
const helper = '/fallback/chrome-sandbox';

describe('sandboxFailureFix', () => {
  test('Ubuntu 23.10+: SIGTRAP with the SUID message gives the chown/chmod fix for the helper Chromium named', () => {
    const fix = sandboxFailureFix({ platform: 'linux', signal: 'SIGTRAP', stderr: UBUNTU_STDERR, apparmorRestrictsUserns: true, sandboxHelper: helper });
    expect(fix).toContain("sudo chown root:root '/home/ada/lab/node_modules/electron/dist/chrome-sandbox'");
    expect(fix).toContain("sudo chmod 4755 '/home/ada/lab/node_modules/electron/dist/chrome-sandbox'");
    expect(fix).toContain('apparmor_restrict_unprivileged_userns = 1');
  });

  test('SIGTRAP with the AppArmor restriction on but no message captured still gets the fix, for the helper beside the binary', () => {
    const fix = sandboxFailureFix({ platform: 'linux', signal: 'SIGTRAP', stderr: '', apparmorRestrictsUserns: true, sandboxHelper: helper });
    expect(fix).toContain(`sudo chmod 4755 '${helper}'`);
  });

  test('a SIGTRAP for another reason is not dressed up as a sandbox problem', () => {
    expect(sandboxFailureFix({ platform: 'linux', signal: 'SIGTRAP', stderr: 'something else\n', apparmorRestrictsUserns: false, sandboxHelper: helper })).toBeUndefined();
    expect(sandboxFailureFix({ platform: 'linux', signal: 'SIGTRAP', stderr: '', apparmorRestrictsUserns: undefined, sandboxHelper: helper })).toBeUndefined();
  });

  test('other signals and other platforms are left alone', () => {
    expect(sandboxFailureFix({ platform: 'linux', signal: 'SIGINT', stderr: UBUNTU_STDERR, apparmorRestrictsUserns: true, sandboxHelper: helper })).toBeUndefined();
    expect(sandboxFailureFix({ platform: 'linux', signal: null, stderr: UBUNTU_STDERR, apparmorRestrictsUserns: true, sandboxHelper: helper })).toBeUndefined();
    expect(sandboxFailureFix({ platform: 'darwin', signal: 'SIGTRAP', stderr: UBUNTU_STDERR, apparmorRestrictsUserns: undefined, sandboxHelper: helper })).toBeUndefined();
  });
});
