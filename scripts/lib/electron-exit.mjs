/**
 * Why Electron ended, in words a user can act on. Pure: the caller reads the files and the
 * process's end; this only decides. Used by scripts/start.mjs, tested in test/unit/electron.
 */

/** The sysctl that Ubuntu 23.10+ sets to 1: unprivileged user namespaces need an AppArmor profile. */
export const APPARMOR_USERNS_SYSCTL = '/proc/sys/kernel/apparmor_restrict_unprivileged_userns';

const SANDBOX_MESSAGE = /SUID sandbox helper binary was found, but is not configured correctly|No usable sandbox|setuid_sandbox_host/i;

/**
 * The fix for Chromium's sandbox refusing to start (electron issue #42510), or undefined when the
 * exit was something else. Chromium aborts with SIGTRAP when neither user namespaces (blocked by
 * AppArmor) nor the SUID helper (not root-owned with mode 4755 inside node_modules) are usable.
 * @param {{ platform: string, signal: string | null, stderr: string, apparmorRestrictsUserns: boolean | undefined, sandboxHelper: string }} exit
 * @returns {string | undefined}
 */
export function sandboxFailureFix(exit) {
  if (exit.platform !== 'linux' || exit.signal !== 'SIGTRAP') return undefined;
  const saidSo = SANDBOX_MESSAGE.test(exit.stderr);
  if (!saidSo && exit.apparmorRestrictsUserns !== true) return undefined;
  // Chromium names the helper it tried; fall back to the one beside the binary
  const helper = /make sure that (\S+) is owned by root/.exec(exit.stderr)?.[1] ?? exit.sandboxHelper;
  const lines = [
    'Electron stopped at start (SIGTRAP): Chromium found no sandbox it may use.',
    exit.apparmorRestrictsUserns
      ? `This system restricts unprivileged user namespaces through AppArmor (${APPARMOR_USERNS_SYSCTL} = 1, the default since Ubuntu 23.10),`
      : 'User namespaces are not available to Electron here,',
    `and the SUID sandbox helper ${helper} is not owned by root with mode 4755 (npm cannot install it that way).`,
    'Fix it once with:',
    `  sudo chown root:root '${helper}' && sudo chmod 4755 '${helper}'`,
    'then run npm start again (reinstalling node_modules undoes it). The .deb package does the equivalent itself: its',
    'install step adds an AppArmor profile for the app. Running with --no-sandbox is not a fix: it turns the OS sandbox off.',
  ];
  return lines.join('\n');
}
