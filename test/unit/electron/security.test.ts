/*
 * The security rules of electron/main/security.ts as pure functions, over many inputs. Whether the built main
 * process really applies them (to its window, every WebContents, the session and the app:// protocol) is
 * checked on behaviour in test/integration/electron-shell.test.ts, which loads dist/ against an Electron stand-in.
 */
import { describe, expect, test, vi } from 'vitest';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  SECURITY_HEADERS,
  handleWindowOpen,
  isAllowedNavigation,
  isAllowedPermission,
  isSafeExternalUrl,
  isTrustedSender,
  windowOptions,
  type AppWindowLike,
} from '../../../electron/main/security.js';

function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values);
  }
  return map;
}

describe('window options', () => {
  const options = windowOptions('/opt/app/dist/electron/preload/index.cjs');
  const prefs = options.webPreferences ?? {};

  test('keep the renderer isolated and sandboxed, without Node', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).not.toBe(true);
    expect(prefs.nodeIntegrationInSubFrames).not.toBe(true);
  });

  test('do not weaken web security', () => {
    expect(prefs.webSecurity).not.toBe(false);
    expect(prefs.allowRunningInsecureContent).not.toBe(true);
    expect(prefs.webviewTag).not.toBe(true);
    expect(prefs.experimentalFeatures).not.toBe(true);
    expect(prefs.enableBlinkFeatures ?? '').toBe('');
  });

  test('load the given CommonJS preload', () => {
    expect(prefs.preload).toBe('/opt/app/dist/electron/preload/index.cjs');
  });
});

describe('content security policy', () => {
  const policy = directives(CONTENT_SECURITY_POLICY);

  test('allows only the app itself by default', () => {
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:']);
  });

  test('shuts off plugins, base rewriting and framing', () => {
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });

  test('has no unsafe keywords, wildcards or whole schemes', () => {
    for (const [name, values] of policy) {
      for (const value of values) {
        expect(value, `${name} ${value}`).not.toMatch(/unsafe/);
        expect(value, `${name} ${value}`).not.toContain('*');
        expect(['http:', 'https:', 'ws:', 'wss:', 'file:', 'blob:', 'filesystem:'], `${name} ${value}`).not.toContain(value);
        if (value === 'data:') expect(name).toBe('img-src');
      }
    }
  });

  test('is the policy sent with every app response', () => {
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(SECURITY_HEADERS['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('navigation', () => {
  test.each([APP_ENTRY_URL, 'app://multiarch-lab/', 'app://multiarch-lab/index.html#/doctor'])('stays within the app: %s', (url) => {
    expect(isAllowedNavigation(url)).toBe(true);
  });

  test.each([
    'https://example.com/',
    'http://localhost:5173/',
    'file:///etc/passwd',
    'app://other-host/index.html',
    'app://user:secret@multiarch-lab/index.html',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'not a url',
    '',
  ])('is refused for %s', (url) => {
    expect(isAllowedNavigation(url)).toBe(false);
  });
});

describe('window.open', () => {
  test('is always denied; a web link goes to the system browser', () => {
    const openExternal = vi.fn();
    expect(handleWindowOpen({ url: 'https://docs.docker.com/build/building/multi-platform/' }, openExternal)).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledExactlyOnceWith('https://docs.docker.com/build/building/multi-platform/');
  });

  test.each(['file:///etc/passwd', 'javascript:alert(1)', 'app://multiarch-lab/index.html', 'smb://host/share', 'https://user:pw@example.com/', 'nonsense'])(
    'does not open %s anywhere',
    (url) => {
      const openExternal = vi.fn();
      expect(handleWindowOpen({ url }, openExternal)).toEqual({ action: 'deny' });
      expect(openExternal).not.toHaveBeenCalled();
      expect(isSafeExternalUrl(url)).toBe(false);
    },
  );
});

describe('permissions', () => {
  test('notifications and clipboard writes from the app are granted', () => {
    expect(isAllowedPermission('notifications', APP_ENTRY_URL)).toBe(true);
    expect(isAllowedPermission('clipboard-sanitized-write', 'app://multiarch-lab')).toBe(true);
  });

  test.each(['media', 'geolocation', 'clipboard-read', 'openExternal', 'display-capture', 'midiSysex', 'unknown'])('%s is denied', (permission) => {
    expect(isAllowedPermission(permission, APP_ENTRY_URL)).toBe(false);
  });

  test('nothing is granted to another origin', () => {
    expect(isAllowedPermission('notifications', 'https://example.com')).toBe(false);
  });
});

describe('IPC sender check', () => {
  const mainFrame = { url: APP_ENTRY_URL, processId: 7, routingId: 1 };
  const window: AppWindowLike = { isDestroyed: () => false, webContents: { mainFrame } };

  test('accepts the main frame of the app window showing the app', () => {
    expect(isTrustedSender(mainFrame, window)).toBe(true);
    // the same frame reached through another wrapper object
    expect(isTrustedSender({ ...mainFrame }, window)).toBe(true);
  });

  test('refuses a subframe or another window, even one showing an app URL', () => {
    expect(isTrustedSender({ url: APP_ENTRY_URL, processId: 7, routingId: 2 }, window)).toBe(false);
    expect(isTrustedSender({ url: APP_ENTRY_URL, processId: 8, routingId: 1 }, window)).toBe(false);
  });

  test('refuses the main frame once it shows a foreign page', () => {
    const foreign = { url: 'https://example.com/', processId: 7, routingId: 1 };
    expect(isTrustedSender(foreign, { isDestroyed: () => false, webContents: { mainFrame: foreign } })).toBe(false);
  });

  test('refuses when there is no frame or no live window', () => {
    expect(isTrustedSender(null, window)).toBe(false);
    expect(isTrustedSender(mainFrame, null)).toBe(false);
    expect(isTrustedSender(mainFrame, { isDestroyed: () => true, webContents: { mainFrame } })).toBe(false);
  });
});

/**
 * The checks above name the settings that matter most; these pin the whole set, so that any change (a new
 * webPreferences key, a looser directive, a header dropped) fails here and has to be looked at on purpose.
 */
describe('no weakening goes unnoticed', () => {
  test('the webPreferences are exactly the hardened set', () => {
    expect(windowOptions('/p/preload.cjs').webPreferences).toStrictEqual({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    });
  });

  test('the window options carry nothing else that could load or run foreign code', () => {
    const { webPreferences: _prefs, ...rest } = windowOptions('/p/preload.cjs');
    expect(Object.keys(rest).sort()).toEqual(['height', 'minHeight', 'minWidth', 'show', 'title', 'width']);
  });

  test('the CSP has exactly these directives and values', () => {
    expect(Object.fromEntries(directives(CONTENT_SECURITY_POLICY))).toStrictEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'font-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
  });

  test('every app response carries the same headers', () => {
    expect(SECURITY_HEADERS).toStrictEqual({
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Referrer-Policy': 'no-referrer',
    });
  });

  test('navigation and window.open refuse look-alikes of the app origin', () => {
    for (const url of ['app://multiarch-lab.evil.example/index.html', 'app://multiarch-lab:8080/index.html', 'APP://other/index.html', 'app:multiarch-lab/index.html', 'app://%6d%75ltiarch-lab.evil/']) {
      expect(isAllowedNavigation(url), url).toBe(false);
      const openExternal = vi.fn();
      expect(handleWindowOpen({ url }, openExternal)).toEqual({ action: 'deny' });
      expect(openExternal).not.toHaveBeenCalled();
    }
  });

  test('an IPC sender with a look-alike app URL in the right frame ids is still refused', () => {
    const frame = { url: 'app://multiarch-lab.evil.example/index.html', processId: 7, routingId: 1 };
    expect(isTrustedSender(frame, { isDestroyed: () => false, webContents: { mainFrame: frame } })).toBe(false);
  });
});
