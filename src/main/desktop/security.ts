// Electron's security checklist as plain functions, so each rule is tested without Electron: the
// window's web preferences, which origins count as the app, which permissions and navigations are
// allowed, and which links may leave for the person's browser.

/** The built renderer is served from this scheme and host, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'labdeck';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * The renderer's web preferences: isolated, sandboxed, no Node, web security on; the risky switches
 * are written out as off (and `enableBlinkFeatures` is never set), so a test can see each one.
 */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}

/**
 * Whether a URL (or an origin) is the app's own page: app://labdeck, or in development the dev
 * server's origin. Scheme, host and port are compared, never a string prefix.
 */
export function appUrlCheck(o: { devUrl?: string | undefined }): (url: string) => boolean {
  const dev = o.devUrl ? parse(o.devUrl) : null;
  return (url) => {
    const u = parse(url);
    if (!u) return false;
    if (dev) return u.protocol === dev.protocol && u.host === dev.host && u.host !== '';
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  };
}

/**
 * What the page may use: the clipboard (terminal copy and paste, copy buttons), asked by the app's
 * own page. Everything else (camera, microphone, location, notifications, HID, MIDI, ...) is refused;
 * desktop notifications come from the main process instead.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set([
  'clipboard-read',
  'clipboard-sanitized-write',
]);

export function permissionAllowed(
  permission: string,
  requestingUrl: string,
  isAppUrl: (url: string) => boolean,
): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

/** Navigation never leaves the app's own page (a dropped file or a stray link would replace it). */
export function navigationAllowed(url: string, isAppUrl: (url: string) => boolean): boolean {
  return isAppUrl(url);
}

/** Only plain web links go to the person's browser: never file:, javascript:, smb:, custom schemes. */
export function isExternalWebLink(url: string): boolean {
  const u = parse(url);
  return u !== null && (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
}

/**
 * A `window.open` or target=_blank link: no window is ever made. A web link that the app's own page
 * opened goes to the browser; anything else is dropped.
 */
export function windowOpenDecision(
  url: string,
  openerUrl: string,
  isAppUrl: (url: string) => boolean,
): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: isAppUrl(openerUrl) && isExternalWebLink(url) };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
