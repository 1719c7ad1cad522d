// Unit tests alias `electron` here so nothing under test can load the real thing. It also records
// what the main process asks of Electron (windows and their options, web contents handlers, session
// handlers, protocols, menus, app events, notifications, dialogs, tray entries) so src/main/index.test.ts can
// assert the security checklist from the record. `resetElectronStub()` starts a fresh record; the
// exported objects stay the same, so a module imported earlier sees the new record too.
import { EventEmitter } from 'node:events';

type Handler = (...args: never[]) => unknown;

export interface StubOptions {
  isPackaged?: boolean;
  appPath?: string;
  userData?: string;
  singleInstanceLock?: boolean;
  focusedWindow?: boolean;
}

class FakeWebContents extends EventEmitter {
  url = '';
  windowOpenHandler: Handler | null = null;
  sent: unknown[][] = [];
  readonly mainFrame = { url: '' };
  setWindowOpenHandler(h: Handler): void {
    this.windowOpenHandler = h;
  }
  getURL(): string {
    return this.url;
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  isDestroyed(): boolean {
    return false;
  }
}

export class BrowserWindow extends EventEmitter {
  static getAllWindows(): BrowserWindow[] {
    return record.windows.filter((w) => !w.destroyed);
  }
  static getFocusedWindow(): BrowserWindow | null {
    return record.options.focusedWindow ? (BrowserWindow.getAllWindows()[0] ?? null) : null;
  }
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  destroyed = false;
  minimized = false;
  maximized = false;
  focused = 0;
  bounds: { x: number; y: number; width: number; height: number };
  constructor(readonly options: Record<string, unknown>) {
    super();
    this.bounds = {
      x: (options['x'] as number | undefined) ?? 10,
      y: (options['y'] as number | undefined) ?? 10,
      width: (options['width'] as number | undefined) ?? 800,
      height: (options['height'] as number | undefined) ?? 600,
    };
    record.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  loadFile(file: string): Promise<void> {
    return this.loadURL(`file://${file}`);
  }
  show(): void {}
  focus(): void {
    this.focused++;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.bounds };
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

class FakeApp extends EventEmitter {
  name = 'Labdeck';
  sandboxEnabled = false;
  quits = 0;
  exitCode: number | null = null;
  get isPackaged(): boolean {
    return record.options.isPackaged ?? false;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  getAppPath(): string {
    return record.options.appPath ?? process.cwd();
  }
  getPath(_name: string): string {
    return record.options.userData ?? '/tmp/labdeck-electron-stub';
  }
  getVersion(): string {
    return '0.0.0-stub';
  }
  requestSingleInstanceLock(): boolean {
    return record.options.singleInstanceLock ?? true;
  }
  enableSandbox(): void {
    this.sandboxEnabled = true;
  }
  quit(): void {
    this.quits++;
  }
  exit(code = 0): void {
    this.exitCode = code;
  }
}

export class Notification extends EventEmitter {
  static isSupported(): boolean {
    return true;
  }
  shown = false;
  constructor(readonly options: { title?: string; body?: string }) {
    super();
    record.notifications.push(this);
  }
  show(): void {
    this.shown = true;
  }
}

/** A tray entry: its icon, tooltip and context menu as last set, and whether it was destroyed. */
export class Tray extends EventEmitter {
  tooltip = '';
  contextMenu: { template: unknown[] } | null = null;
  destroyed = false;
  constructor(readonly icon: unknown) {
    super();
    record.trays.push(this);
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: unknown[] } | null): void {
    this.contextMenu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

function freshRecord(options: StubOptions = {}) {
  return {
    options,
    windows: [] as BrowserWindow[],
    privilegedSchemes: [] as unknown[],
    protocolHandlers: new Map<string, Handler>(),
    permissionRequestHandler: null as Handler | null,
    permissionCheckHandler: null as Handler | null,
    applicationMenu: null as { template: unknown[] } | null,
    openedExternally: [] as string[],
    messageBoxes: [] as unknown[][],
    errorBoxes: [] as unknown[][],
    notifications: [] as Notification[],
    trays: [] as Tray[],
  };
}

let record = freshRecord();

export const app = new FakeApp();
export const ipcMain = new EventEmitter();

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    record.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: Handler): void {
    record.protocolHandlers.set(scheme, handler);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(h: Handler | null): void {
      record.permissionRequestHandler = h;
    },
    setPermissionCheckHandler(h: Handler | null): void {
      record.permissionCheckHandler = h;
    },
  },
};

export const Menu = {
  buildFromTemplate(template: unknown[]): { template: unknown[] } {
    return { template };
  },
  setApplicationMenu(menu: { template: unknown[] } | null): void {
    record.applicationMenu = menu;
  },
};

export const shell = {
  openExternal(url: string): Promise<void> {
    record.openedExternally.push(url);
    return Promise.resolve();
  },
};

export const dialog = {
  showMessageBox(...args: unknown[]): Promise<{ response: number }> {
    record.messageBoxes.push(args);
    return Promise.resolve({ response: 0 });
  },
  showErrorBox(...args: unknown[]): void {
    record.errorBoxes.push(args);
  },
};

export const screen = {
  getAllDisplays(): { workArea: { x: number; y: number; width: number; height: number } }[] {
    return [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }];
  },
};

export const safeStorage = {
  isEncryptionAvailable: (): boolean => false,
  encryptString: (s: string): Buffer => Buffer.from(s),
  decryptString: (b: Buffer): string => b.toString(),
};

/** Starts a fresh record (and forgets every listener) before loading the module under test. */
export function resetElectronStub(options: StubOptions = {}): void {
  record = freshRecord(options);
  app.removeAllListeners();
  app.quits = 0;
  app.exitCode = null;
  app.sandboxEnabled = false;
  ipcMain.removeAllListeners();
}

/** What the code under test asked of Electron since the last reset. */
export function electronRecord(): ReturnType<typeof freshRecord> {
  return record;
}
