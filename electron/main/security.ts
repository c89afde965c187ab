/**
 * The Electron security baseline in one pure module: window options, the content security policy,
 * and the checks for navigation, new windows, permissions and IPC senders. Nothing here touches
 * Electron at run time (type imports only), so unit tests read the real values without a binary.
 */
import type { BrowserWindowConstructorOptions, HandlerDetails, WebFrameMain, WindowOpenHandlerResponse } from 'electron';

/**
 * The renderer is served from a privileged custom scheme rather than file://: it gives the page a
 * real origin (so 'self' in the CSP and the IPC sender check mean "our files and nothing else"),
 * keeps file:// pages from reading the rest of the disk, and lets us attach headers to every response.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'multiarch-lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response of the app scheme carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Multiarch Lab',
    // shown on ready-to-show so the user never sees an empty white frame
    show: false,
    webPreferences: {
      preload: preloadPath,
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
    },
  };
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True for URLs of the app's own pages; everything else is a navigation away and is refused. */
export function isAppUrl(url: string): boolean {
  const parsed = parseUrl(url);
  return parsed !== undefined && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

/** The window may only navigate within the app (e.g. a reload); links elsewhere go to the browser. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** Only plain web links are handed to the system browser: no file:, no custom handlers, no credentials. */
export function isSafeExternalUrl(url: string): boolean {
  const parsed = parseUrl(url);
  if (!parsed) return false;
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  return parsed.username === '' && parsed.password === '' && parsed.hostname !== '';
}

/**
 * window.open and target=_blank never open an Electron window; a safe web link opens in the
 * system browser instead, anything else is dropped.
 */
export function handleWindowOpen(details: Pick<HandlerDetails, 'url'>, openExternal: (url: string) => void): WindowOpenHandlerResponse {
  if (isSafeExternalUrl(details.url)) openExternal(details.url);
  return { action: 'deny' };
}

/**
 * Notifications are the one thing the brief grants; writing to the clipboard is allowed too
 * because every command, digest and log has a copy button. Reading the clipboard, camera,
 * location and the rest stay denied.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications', 'clipboard-sanitized-write']);

export function isAllowedPermission(permission: string, requestingUrl: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

/** The parts of a frame and window the sender check reads; real Electron objects fit these. */
export type SenderFrame = Pick<WebFrameMain, 'url' | 'processId' | 'routingId'>;
export interface AppWindowLike {
  isDestroyed(): boolean;
  webContents: { mainFrame: SenderFrame };
}

/**
 * IPC is accepted only from the main frame of the app window while it shows the app's own
 * page: not from a subframe, another window, or a page that somehow got navigated elsewhere.
 */
export function isTrustedSender(frame: SenderFrame | null | undefined, window: AppWindowLike | null | undefined): boolean {
  if (!frame || !window || window.isDestroyed()) return false;
  const main = window.webContents.mainFrame;
  // Electron hands out one wrapper per frame, but the ids are what really name it
  const sameFrame = frame === main || (frame.processId === main.processId && frame.routingId === main.routingId);
  return sameFrame && isAppUrl(frame.url);
}
