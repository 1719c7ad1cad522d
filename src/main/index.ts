// Desktop entry: the only main-process file besides the IPC transport that touches Electron. Each
// item of Electron's security checklist is applied here from ./desktop (plain functions, tested
// there); src/main/index.test.ts loads this file against a recording stand-in for Electron.
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
  type WebContents,
} from 'electron';
import { createApp, type AppServices } from './app/compose';
import { appProtocolHandler } from './desktop/app-protocol';
import { notifyJobEnds } from './desktop/job-notifications';
import { aboutDetail, menuTemplate } from './desktop/menu';
import { resourcePaths } from './desktop/resource-paths';
import { throttle, trayMenuTemplate, trayStatus, trayTooltip } from './desktop/tray';
import {
  APP_INDEX_URL,
  APP_SCHEME,
  appUrlCheck,
  navigationAllowed,
  permissionAllowed,
  secureWebPreferences,
  windowOpenDecision,
} from './desktop/security';
import { loadWindowState, saveWindowState } from './desktop/window-state';
import { SafeStorageCipher } from './services/secrets/safe-storage-cipher';
import { attachElectronIpc } from './transport/electron-ipc';

const devUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const rendererDir = path.join(__dirname, '../renderer');
const isAppUrl = appUrlCheck({ devUrl });
const paths = resourcePaths({
  isPackaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
  appPath: app.getAppPath(),
});

let mainWindow: BrowserWindow | null = null;
let tray: Tray | null = null;

// Before ready: app:// is a standard, secure scheme (an origin of its own, CSP 'self', fetch).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);
// Every renderer sandboxed, whatever its web preferences say.
app.enableSandbox();

/** No webviews, no navigation away from the app, no new windows; web links go to the browser. */
function hardenContents(contents: WebContents): void {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url, isAppUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!navigationAllowed(url, isAppUrl)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url, contents.getURL(), isAppUrl);
    if (decision.openExternally) void shell.openExternal(url);
    return { action: decision.action };
  });
}

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((contents, permission, callback, details) => {
    callback(permissionAllowed(permission, details.requestingUrl || contents.getURL(), isAppUrl));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    permissionAllowed(permission, requestingOrigin, isAppUrl),
  );
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));
}

function focusWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function showAbout(): void {
  const options = {
    type: 'info' as const,
    title: `About ${app.name}`,
    message: app.name,
    detail: aboutDetail(app.getVersion(), process.versions),
  };
  if (mainWindow && !mainWindow.isDestroyed()) void dialog.showMessageBox(mainWindow, options);
  else void dialog.showMessageBox(options);
}

/** Automatic updates are off unless a feed is given: no update server is assumed. */
async function checkForUpdates(feedUrl: string): Promise<void> {
  const { autoUpdater } = await import('electron-updater');
  autoUpdater.autoDownload = false;
  autoUpdater.setFeedURL({ provider: 'generic', url: feedUrl });
  await autoUpdater.checkForUpdatesAndNotify();
}

/** Hosts online and running jobs in the tray's tooltip and menu. */
function refreshTray(services: AppServices): void {
  if (!tray) return;
  const status = trayStatus({
    hosts: services.hosts.list(),
    states: services.pool.states(),
    jobs: services.jobs.list(),
  });
  tray.setToolTip(trayTooltip(status));
  tray.setContextMenu(
    Menu.buildFromTemplate(
      trayMenuTemplate(status, {
        onShow: () => {
          if (BrowserWindow.getAllWindows().length === 0) app.emit('activate');
          focusWindow();
        },
        onQuit: () => app.quit(),
      }),
    ),
  );
}

/** The tray entry follows the showTray setting: made when it is on, destroyed when it goes off. */
function applyTraySetting(services: AppServices, on: boolean): void {
  if (on && !tray) {
    tray = new Tray(paths.icon);
    tray.on('click', focusWindow);
    refreshTray(services);
  } else if (!on && tray) {
    tray.destroy();
    tray = null;
  }
}

/** The tray, live: counts at most once a second as hosts connect and jobs change; the setting applied. */
function startTray(services: AppServices): void {
  const update = throttle(() => refreshTray(services), 1000);
  services.pool.events.on('state', update);
  services.jobs.events.on('job', update);
  services.settings.events.on('changed', (s: { showTray: boolean }) =>
    applyTraySetting(services, s.showTray),
  );
  applyTraySetting(services, services.settings.get().showTray);
  app.on('will-quit', () => {
    update.cancel();
    applyTraySetting(services, false);
  });
}

function createWindow(services: AppServices, stateFile: string): void {
  const saved = loadWindowState(
    stateFile,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    title: 'Labdeck',
    width: saved?.width ?? 1360,
    height: saved?.height ?? 860,
    ...(saved ? { x: saved.x, y: saved.y } : {}),
    minWidth: 900,
    minHeight: 560,
    backgroundColor: '#0f1115',
    show: false,
    autoHideMenuBar: true,
    icon: paths.icon,
    webPreferences: secureWebPreferences(path.join(__dirname, '../preload/index.js')),
  });
  mainWindow = win;
  if (saved?.maximized) win.maximize();
  attachElectronIpc({
    ipcMain,
    window: win,
    dispatcher: services.dispatcher,
    streams: services.streams,
    isTrustedUrl: isAppUrl,
  });
  win.on('close', () =>
    saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() }),
  );
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(devUrl ?? APP_INDEX_URL);
}

async function start(): Promise<void> {
  await app.whenReady();
  hardenSession();
  const dataDir = process.env['LABDECK_DATA_DIR'] || app.getPath('userData');
  const services = createApp({
    dataDir,
    migrationsFolder: paths.migrationsFolder,
    ansibleDir: paths.ansibleDir,
    collectorScript: paths.collectorScript,
    experimentScript: paths.experimentScript,
    mode: 'desktop',
    version: app.getVersion(),
    // The OS keychain when it really protects secrets; otherwise the key-file cipher (with a warning).
    ...(SafeStorageCipher.usable(safeStorage) ? { cipher: new SafeStorageCipher(safeStorage) } : {}),
  });
  if (!SafeStorageCipher.usable(safeStorage)) {
    console.warn('[secrets] no OS keyring: stored secrets are encrypted with a key file in the data folder');
  }
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({ platform: process.platform, appName: app.name, onAbout: showAbout }),
    ),
  );
  const stateFile = path.join(dataDir, 'window-state.json');
  createWindow(services, stateFile);
  notifyJobEnds(services.jobs.events, {
    windowFocused: () => BrowserWindow.getFocusedWindow() !== null,
    notify: ({ title, body }) => {
      if (!Notification.isSupported()) return;
      const n = new Notification({ title, body });
      n.on('click', focusWindow);
      n.show();
    },
  });
  startTray(services);
  // The environment overrides the Update server setting; both empty: no automatic updates.
  const feedUrl = process.env['LABDECK_UPDATE_URL'] || services.settings.get().updateUrl;
  if (app.isPackaged && feedUrl) {
    checkForUpdates(feedUrl).catch((err: unknown) => console.warn('[updates] could not check:', err));
  }
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(services, stateFile);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Open terminals are closed through the dispatcher before the database closes, so the
  // history records their end; then quit for real.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void services.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
}

// One Labdeck at a time (one database): a second launch focuses the first and quits.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  start().catch((err: unknown) => {
    dialog.showErrorBox('Labdeck could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
}
