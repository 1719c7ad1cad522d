// Desktop entry: the only main-process file besides the IPC transport that touches Electron.
import path from 'node:path';
import { app, BrowserWindow, ipcMain, safeStorage, shell } from 'electron';
import { createApp, type AppServices } from './app/compose';
import { SafeStorageCipher } from './services/secrets/safe-storage-cipher';
import { attachElectronIpc, trustedUrlCheck } from './transport/electron-ipc';

const devUrl = process.env['ELECTRON_RENDERER_URL'];
const rendererFile = path.join(__dirname, '../renderer/index.html');

const isTrustedUrl = trustedUrlCheck({ devUrl: app.isPackaged ? undefined : devUrl, rendererFile });

function createWindow(services: AppServices): void {
  const win = new BrowserWindow({
    title: 'Labdeck',
    width: 1360,
    height: 860,
    minWidth: 900,
    minHeight: 560,
    backgroundColor: '#0f1115',
    show: false,
    autoHideMenuBar: true,
    icon: path.join(__dirname, '../../resources/icon.png'),
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  attachElectronIpc({
    ipcMain,
    window: win,
    dispatcher: services.dispatcher,
    streams: services.streams,
    isTrustedUrl,
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links (documentation, a Gitea page) open in the user's browser, never in the app.
    if (url.startsWith('https://') || url.startsWith('http://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  if (devUrl && !app.isPackaged) void win.loadURL(devUrl);
  else void win.loadFile(rendererFile);
}

async function start(): Promise<void> {
  await app.whenReady();
  const services = createApp({
    dataDir: process.env['LABDECK_DATA_DIR'] || app.getPath('userData'),
    migrationsFolder: app.isPackaged
      ? path.join(process.resourcesPath, 'drizzle')
      : path.join(app.getAppPath(), 'drizzle'),
    mode: 'desktop',
    version: app.getVersion(),
    // The OS keychain when it really protects secrets; otherwise the key-file cipher (with a warning).
    ...(SafeStorageCipher.usable(safeStorage) ? { cipher: new SafeStorageCipher(safeStorage) } : {}),
  });
  if (!SafeStorageCipher.usable(safeStorage)) {
    console.warn('[secrets] no OS keyring: stored secrets are encrypted with a key file in the data folder');
  }
  createWindow(services);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(services);
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

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

start().catch(async (err: unknown) => {
  const { dialog } = await import('electron');
  dialog.showErrorBox('Labdeck could not start', err instanceof Error ? err.message : String(err));
  app.exit(1);
});
