// Electron's security checklist, asserted from what src/main/index.ts asks of Electron: the entry is
// loaded against a recording stand-in (tests/support/electron-stub.ts, aliased as `electron`), with
// the composition root replaced by a fake, and each item is checked from the record.
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobInfo } from '../shared/api/domain';
import type * as StubModule from '../../tests/support/electron-stub';
import type { StubOptions } from '../../tests/support/electron-stub';
import type { AppOptions } from './app/compose';

const h = vi.hoisted(() => ({
  updater: {
    autoDownload: true,
    setFeedURL: vi.fn(),
    checkForUpdatesAndNotify: vi.fn(() => Promise.resolve(null)),
  },
  /** The settings the next launch starts with (over showTray on, no update server). */
  settings: {},
  created: [] as {
    options: unknown;
    services: FakeServices;
  }[],
}));

interface FakeServices {
  jobs: { events: EventEmitter; list: () => Partial<JobInfo>[]; running: Partial<JobInfo>[] };
  pool: { events: EventEmitter; states: () => { hostId: number; state: string }[]; online: Set<number> };
  hosts: { list: () => { id: number }[] };
  settings: {
    events: EventEmitter;
    get: () => Record<string, unknown>;
    update: (patch: Record<string, unknown>) => void;
  };
  close: () => Promise<void>;
}

vi.mock('electron-updater', () => ({ autoUpdater: h.updater }));

vi.mock('./app/compose', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  return {
    createApp: (options: unknown) => {
      let current: Record<string, unknown> = { showTray: true, updateUrl: '', ...h.settings };
      const settingsEvents = new Emitter();
      const running: Partial<JobInfo>[] = [];
      const online = new Set<number>();
      const services = {
        dispatcher: {},
        streams: {},
        jobs: { events: new Emitter(), list: () => running, running },
        pool: {
          events: new Emitter(),
          states: () =>
            [1, 2, 3].map((hostId) => ({ hostId, state: online.has(hostId) ? 'online' : 'idle' })),
          online,
        },
        hosts: { list: () => [{ id: 1 }, { id: 2 }, { id: 3 }] },
        settings: {
          events: settingsEvents,
          get: () => ({ ...current }),
          update: (patch: Record<string, unknown>) => {
            current = { ...current, ...patch };
            settingsEvents.emit('changed', { ...current });
          },
        },
        close: vi.fn(() => Promise.resolve()),
      };
      h.created.push({ options, services });
      return services;
    },
  };
});

type Stub = typeof StubModule;
const repoRoot = path.resolve(__dirname, '../..');
let dataDir = '';

async function launch(opts: StubOptions = {}): Promise<Stub> {
  vi.resetModules();
  const stub = await import('../../tests/support/electron-stub');
  stub.resetElectronStub({ appPath: repoRoot, userData: dataDir, ...opts });
  h.created.length = 0;
  await import('./index');
  if (opts.singleInstanceLock !== false) {
    await vi.waitFor(() => expect(stub.electronRecord().windows).toHaveLength(1));
  }
  return stub;
}

function event(): { preventDefault: ReturnType<typeof vi.fn> } {
  return { preventDefault: vi.fn() };
}

function job(id: string, state: JobInfo['state']): Partial<JobInfo> {
  return { id, state, title: `job ${id}`, message: state === 'failed' ? 'exit 1' : null };
}

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-index-'));
  process.env['LABDECK_DATA_DIR'] = dataDir;
  // Set by Electron only; where a packaged app's extraResources are.
  (process as { resourcesPath?: string }).resourcesPath = '/opt/Labdeck/resources';
});

afterEach(() => {
  delete process.env['LABDECK_DATA_DIR'];
  delete (process as { resourcesPath?: string }).resourcesPath;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the window', () => {
  it('isolates, sandboxes and keeps Node and the risky switches out of the page', async () => {
    const stub = await launch();
    const rec = stub.electronRecord();
    const prefs = rec.windows[0]!.options['webPreferences'] as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(String(prefs['preload'])).toMatch(/preload[\\/]index\.js$/);
    expect(stub.app.sandboxEnabled).toBe(true);
  });

  it('loads the app from app://, never file://, with the CSP kept in the page', async () => {
    const stub = await launch();
    const rec = stub.electronRecord();
    expect(rec.windows[0]!.loaded).toEqual(['app://labdeck/index.html']);
    expect(rec.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    const html = fs.readFileSync(path.join(repoRoot, 'src/renderer/index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });

  it('serves only files under the renderer folder through app://', async () => {
    const stub = await launch();
    const handle = stub.electronRecord().protocolHandlers.get('app') as (r: Request) => Promise<Response>;
    expect(handle).toBeTypeOf('function');
    const ok = await handle(new Request('app://labdeck/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/html');
    for (const url of [
      'app://x/../../etc/passwd',
      'app://labdeck/..%2f..%2f..%2fetc%2fpasswd',
      'app://labdeck/..%5c..%5cpackage.json',
      'app://evil.example/index.html',
    ]) {
      expect((await handle(new Request(url))).status, url).toBe(403);
    }
    expect((await handle(new Request('app://labdeck/missing.js'))).status).toBe(404);
    // Encoded dots are dot segments to the URL parser: this is the renderer folder's package.json.
    expect((await handle(new Request('app://labdeck/%2e%2e/%2e%2e/package.json'))).status).toBe(404);
  });

  it('blocks navigation away from the app and refuses webviews', async () => {
    const stub = await launch();
    const contents = stub.electronRecord().windows[0]!.webContents;
    for (const name of ['will-navigate', 'will-redirect']) {
      for (const url of [
        'https://evil.example/',
        'file:///etc/passwd',
        'http://localhost:5173/',
        'app://other/',
      ]) {
        const e = event();
        contents.emit(name, e, url);
        expect(e.preventDefault, `${name} ${url}`).toHaveBeenCalled();
      }
      const own = event();
      contents.emit(name, own, 'app://labdeck/index.html#/jobs');
      expect(own.preventDefault).not.toHaveBeenCalled();
    }
    const webview = event();
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('denies every new window; only http(s) links from the app go to the browser', async () => {
    const stub = await launch();
    const rec = stub.electronRecord();
    const contents = rec.windows[0]!.webContents;
    const open = contents.windowOpenHandler as (d: { url: string }) => unknown;
    for (const url of [
      'https://docs.example/x',
      'http://gitea.lan/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://nas/share',
    ]) {
      expect(open({ url })).toEqual({ action: 'deny' });
    }
    expect(rec.openedExternally).toEqual(['https://docs.example/x', 'http://gitea.lan/']);
    // A page that is not the app's own (it could not be, navigation is blocked) opens nothing.
    contents.url = 'https://evil.example/';
    expect(open({ url: 'https://phish.example/' })).toEqual({ action: 'deny' });
    expect(rec.openedExternally).toHaveLength(2);
  });
});

describe('the session', () => {
  const denied = [
    'media',
    'geolocation',
    'notifications',
    'midi',
    'midiSysex',
    'pointerLock',
    'fullscreen',
    'openExternal',
    'hid',
    'serial',
    'usb',
    'display-capture',
    'idle-detection',
    'unknown',
  ];

  it('asks: denies everything but the clipboard, and the clipboard only to the app', async () => {
    const stub = await launch();
    const request = stub.electronRecord().permissionRequestHandler as (...a: unknown[]) => void;
    const contents = stub.electronRecord().windows[0]!.webContents;
    const answer = (permission: string, requestingUrl: string): unknown => {
      const cb = vi.fn();
      request(contents, permission, cb, { requestingUrl });
      expect(cb).toHaveBeenCalledTimes(1);
      return cb.mock.calls[0]![0];
    };
    for (const p of denied) expect(answer(p, 'app://labdeck/index.html'), p).toBe(false);
    expect(answer('clipboard-sanitized-write', 'app://labdeck/index.html')).toBe(true);
    expect(answer('clipboard-read', 'app://labdeck/index.html')).toBe(true);
    expect(answer('clipboard-read', 'https://evil.example/')).toBe(false);
  });

  it('checks: the same rules for permission checks', async () => {
    const stub = await launch();
    const check = stub.electronRecord().permissionCheckHandler as (...a: unknown[]) => boolean;
    for (const p of denied) expect(check(null, p, 'app://labdeck'), p).toBe(false);
    expect(check(null, 'clipboard-sanitized-write', 'app://labdeck')).toBe(true);
    expect(check(null, 'clipboard-read', 'https://evil.example')).toBe(false);
  });
});

describe('desktop behaviour', () => {
  it('one instance: a second launch quits, and the first is focused', async () => {
    const second = await launch({ singleInstanceLock: false });
    expect(second.app.quits).toBe(1);
    expect(h.created).toHaveLength(0);
    expect(second.electronRecord().windows).toHaveLength(0);

    const first = await launch();
    const win = first.electronRecord().windows[0]!;
    win.minimized = true;
    first.app.emit('second-instance', {}, [], '');
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);
  });

  it('remembers the window bounds between runs', async () => {
    const first = await launch();
    const win = first.electronRecord().windows[0]!;
    win.bounds = { x: 100, y: 80, width: 1000, height: 700 };
    win.maximized = true;
    win.emit('close', event());
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'window-state.json'), 'utf8'))).toEqual({
      x: 100,
      y: 80,
      width: 1000,
      height: 700,
      maximized: true,
    });
    const again = await launch();
    const next = again.electronRecord().windows[0]!;
    expect(next.options).toMatchObject({ x: 100, y: 80, width: 1000, height: 700 });
    expect(next.maximized).toBe(true);
  });

  it('has an Edit menu with the clipboard roles and an About entry with versions', async () => {
    const stub = await launch();
    type Item = { label?: string; role?: string; submenu?: Item[]; click?: () => void };
    const menu = stub.electronRecord().applicationMenu!.template as Item[];
    const edit = menu.find((m) => m.label === 'Edit')!;
    expect(edit.submenu!.map((i) => i.role)).toEqual(
      expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']),
    );
    const about = menu.flatMap((m) => m.submenu ?? []).find((i) => i.label?.startsWith('About'))!;
    about.click!();
    const [, options] = stub.electronRecord().messageBoxes[0] as [unknown, { detail: string }];
    expect(options.detail).toMatch(/Version 0\.0\.0-stub[\s\S]*Electron[\s\S]*Chromium[\s\S]*Node\.js/);
  });

  it('notifies once when a job ends while the window is not focused', async () => {
    const stub = await launch({ focusedWindow: false });
    const events = h.created[0]!.services.jobs.events;
    events.emit('job', job('a', 'running'));
    events.emit('job', job('a', 'failed'));
    events.emit('job', job('a', 'failed'));
    const shown = stub.electronRecord().notifications;
    expect(shown).toHaveLength(1);
    expect(shown[0]!.shown).toBe(true);
    expect(shown[0]!.options).toEqual({ title: 'Labdeck: job failed', body: 'job a: exit 1' });
    shown[0]!.emit('click');
    expect(stub.electronRecord().windows[0]!.focused).toBe(1);

    const focused = await launch({ focusedWindow: true });
    h.created[0]!.services.jobs.events.emit('job', job('b', 'succeeded'));
    expect(focused.electronRecord().notifications).toHaveLength(0);
  });

  it('closes the services before quitting', async () => {
    const stub = await launch();
    const e = event();
    stub.app.emit('will-quit', e);
    expect(e.preventDefault).toHaveBeenCalled();
    expect(h.created[0]!.services.close).toHaveBeenCalled();
    await vi.waitFor(() => expect(stub.app.quits).toBe(1));
  });
});

describe('the tray entry', () => {
  type Item = { label?: string; enabled?: boolean; type?: string; click?: () => void };
  const labels = (t: { contextMenu: { template: unknown[] } | null }): (string | undefined)[] =>
    (t.contextMenu!.template as Item[]).map((i) => i.label);

  it('shows the app icon, hosts online and running jobs, and follows them at most once a second', async () => {
    const stub = await launch();
    const rec = stub.electronRecord();
    expect(rec.trays).toHaveLength(1);
    const tray = rec.trays[0]!;
    expect(tray.icon).toBe(path.join(repoRoot, 'resources', 'icon.png'));
    expect(fs.existsSync(tray.icon as string)).toBe(true);
    expect(tray.tooltip).toBe('Labdeck\n0 of 3 hosts online\n0 jobs running');
    expect(labels(tray)).toEqual([
      '0 of 3 hosts online',
      '0 jobs running',
      undefined,
      'Show Labdeck',
      undefined,
      'Quit',
    ]);

    const s = h.created[0]!.services;
    vi.useFakeTimers({ now: Date.now() + 5000 });
    try {
      s.pool.online.add(1);
      s.pool.online.add(3);
      s.pool.events.emit('state', { hostId: 1, state: 'online' });
      // The first change after a quiet second shows at once.
      expect(tray.tooltip).toContain('2 of 3 hosts online');
      s.jobs.running.push(job('a', 'running'), job('b', 'running'));
      s.jobs.events.emit('job', job('a', 'running'));
      s.jobs.events.emit('job', job('b', 'running'));
      // Later ones within the second wait for its end, and show once.
      expect(tray.tooltip).toContain('0 jobs running');
      vi.advanceTimersByTime(1000);
      expect(tray.tooltip).toBe('Labdeck\n2 of 3 hosts online\n2 jobs running');
    } finally {
      vi.useRealTimers();
    }
    const items = tray.contextMenu!.template as Item[];
    expect(items.filter((i) => i.label?.startsWith('job '))).toEqual([
      { label: 'job a', enabled: false },
      { label: 'job b', enabled: false },
    ]);
    const win = rec.windows[0]!;
    win.minimized = true;
    items.find((i) => i.label === 'Show Labdeck')!.click!();
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);
    items.find((i) => i.label === 'Quit')!.click!();
    expect(stub.app.quits).toBe(1);
  });

  it('is destroyed when the setting is turned off and made again when it is turned on', async () => {
    const stub = await launch();
    const rec = stub.electronRecord();
    const settings = h.created[0]!.services.settings;
    expect(rec.trays).toHaveLength(1);
    settings.update({ showTray: false });
    expect(rec.trays[0]!.destroyed).toBe(true);
    settings.update({ theme: 'light' });
    expect(rec.trays).toHaveLength(1);
    settings.update({ showTray: true });
    expect(rec.trays).toHaveLength(2);
    expect(rec.trays[1]!.destroyed).toBe(false);
    expect(rec.trays[1]!.tooltip).toContain('0 of 3 hosts online');
  });

  it('is not made when the setting is off', async () => {
    h.settings = { showTray: false };
    try {
      const stub = await launch();
      expect(stub.electronRecord().trays).toHaveLength(0);
    } finally {
      h.settings = {};
    }
  });
});

describe('automatic updates', () => {
  it('are off by default, and follow LABDECK_UPDATE_URL in a packaged app', async () => {
    h.updater.setFeedURL.mockClear();
    h.updater.checkForUpdatesAndNotify.mockClear();
    await launch({ isPackaged: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(h.updater.checkForUpdatesAndNotify).not.toHaveBeenCalled();

    process.env['LABDECK_UPDATE_URL'] = 'https://updates.example/labdeck';
    try {
      await launch({ isPackaged: true });
      await vi.waitFor(() => expect(h.updater.checkForUpdatesAndNotify).toHaveBeenCalledTimes(1));
      expect(h.updater.setFeedURL).toHaveBeenCalledWith({
        provider: 'generic',
        url: 'https://updates.example/labdeck',
      });
      expect(h.updater.autoDownload).toBe(false);
    } finally {
      delete process.env['LABDECK_UPDATE_URL'];
    }
  });

  it('follow the Update server setting in a packaged app; the environment overrides it', async () => {
    h.updater.setFeedURL.mockClear();
    h.updater.checkForUpdatesAndNotify.mockClear();
    h.settings = { updateUrl: 'https://feed.example/labdeck' };
    try {
      // Not in development, even with the setting.
      await launch();
      await new Promise((r) => setTimeout(r, 20));
      expect(h.updater.setFeedURL).not.toHaveBeenCalled();

      await launch({ isPackaged: true });
      await vi.waitFor(() => expect(h.updater.checkForUpdatesAndNotify).toHaveBeenCalledTimes(1));
      expect(h.updater.setFeedURL).toHaveBeenCalledWith({
        provider: 'generic',
        url: 'https://feed.example/labdeck',
      });

      h.updater.setFeedURL.mockClear();
      process.env['LABDECK_UPDATE_URL'] = 'https://env.example/feed';
      await launch({ isPackaged: true });
      await vi.waitFor(() => expect(h.updater.setFeedURL).toHaveBeenCalledTimes(1));
      expect(h.updater.setFeedURL).toHaveBeenCalledWith({
        provider: 'generic',
        url: 'https://env.example/feed',
      });
    } finally {
      delete process.env['LABDECK_UPDATE_URL'];
      h.settings = {};
    }
  });
});

describe('bundled files', () => {
  it('come from the repository in development, and all exist', async () => {
    await launch();
    const o = h.created[0]!.options as AppOptions;
    expect(o.migrationsFolder).toBe(path.join(repoRoot, 'drizzle'));
    for (const p of [o.migrationsFolder, o.ansibleDir!, o.collectorScript!, o.experimentScript!]) {
      expect(fs.existsSync(p), p).toBe(true);
    }
  });

  it('come from process.resourcesPath when packaged (where extraResources put them)', async () => {
    await launch({ isPackaged: true });
    const o = h.created[0]!.options as AppOptions;
    expect(o).toMatchObject({
      migrationsFolder: path.join('/opt/Labdeck/resources', 'drizzle'),
      ansibleDir: path.join('/opt/Labdeck/resources', 'ansible'),
      collectorScript: path.join('/opt/Labdeck/resources', 'resources', 'metrics', 'collector.sh'),
      experimentScript: path.join('/opt/Labdeck/resources', 'resources', 'experiments', 'experiment.sh'),
    });
  });
});
