// The Electron transport with Electron mocked (a fake ipcMain and window), the rest real:
// dispatcher, SQLite, session.
import { EventEmitter } from 'node:events';
import type { BrowserWindow, IpcMain } from 'electron';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type AppServices } from '../app/compose';
import { MIGRATIONS, tempDir } from '../../../tests/support/temp-db';
import type { ServerMessage } from '../../shared/api/protocol';
import { attachElectronIpc, IPC_CHANNEL } from './electron-ipc';

const APP_URL = 'file:///opt/labdeck/resources/app/out/renderer/index.html';
const apps: AppServices[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function setup() {
  let n = 0;
  const app = createApp({
    dataDir: tempDir(),
    migrationsFolder: MIGRATIONS,
    mode: 'desktop',
    version: 'test',
    knownHostsFiles: [],
    metricsIntervalMs: 20,
    probe: {
      sample: () =>
        Promise.resolve({
          ts: ++n,
          cpuPercent: 1,
          memUsedBytes: 1,
          memTotalBytes: 2,
          disk: null,
          diskReadBytes: null,
          diskWriteBytes: null,
          netRxBytes: 0,
          netTxBytes: 0,
        }),
      describe: () => Promise.reject(new Error('unused')),
    },
  });
  apps.push(app);
  const ipcMain = new EventEmitter();
  const mainFrame = { url: APP_URL };
  const sent: ServerMessage[] = [];
  const contents = Object.assign(new EventEmitter(), {
    mainFrame,
    isDestroyed: () => false,
    send: (_channel: string, msg: ServerMessage) => sent.push(msg),
  });
  const detach = attachElectronIpc({
    ipcMain: ipcMain as unknown as IpcMain,
    window: { webContents: contents } as unknown as BrowserWindow,
    dispatcher: app.dispatcher,
    streams: app.streams,
    isTrustedUrl: (url) => url === APP_URL,
  });
  const post = (msg: unknown, from: { sender?: unknown; senderFrame?: unknown } = {}): void => {
    ipcMain.emit(
      IPC_CHANNEL,
      { sender: from.sender ?? contents, senderFrame: from.senderFrame ?? mainFrame },
      msg,
    );
  };
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { post, sent, contents, detach, settle, ipcMain };
}

describe('Electron IPC transport', () => {
  it('answers calls from the window’s own top frame', async () => {
    const t = setup();
    t.post({ t: 'call', id: 1, name: 'app.info', input: {} });
    await t.settle();
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]).toMatchObject({ t: 'result', id: 1, env: { ok: true, result: { mode: 'desktop' } } });
  });

  it('ignores messages from another window, a subframe or a foreign page', async () => {
    const t = setup();
    t.post(
      { t: 'call', id: 1, name: 'settings.update', input: { theme: 'light' } },
      { sender: new EventEmitter() },
    );
    t.post(
      { t: 'call', id: 2, name: 'settings.update', input: { theme: 'light' } },
      { senderFrame: { url: APP_URL } },
    );
    t.contents.mainFrame.url = 'https://evil.example/';
    t.post({ t: 'call', id: 3, name: 'settings.update', input: { theme: 'light' } });
    await t.settle();
    expect(t.sent).toEqual([]);
  });

  it('stops listening when the window is destroyed', async () => {
    const t = setup();
    t.contents.emit('destroyed');
    t.post({ t: 'call', id: 1, name: 'app.info', input: {} });
    await t.settle();
    expect(t.sent).toEqual([]);
    expect(t.ipcMain.listenerCount(IPC_CHANNEL)).toBe(0);
  });

  it('keeps the session through same-document and subframe navigations, and ends it on a new page', async () => {
    const t = setup();
    const batches = (): number => t.sent.filter((m) => m.t === 'batch').length;
    const ackAll = (): void => {
      for (const m of t.sent.splice(0)) if (m.t === 'batch') t.post({ t: 'ack', sub: m.sub, bytes: m.bytes });
    };
    t.post({ t: 'sub', sub: 1, name: 'system.metrics', params: {} });
    const flowing = async (): Promise<boolean> => {
      ackAll();
      await new Promise((r) => setTimeout(r, 120));
      return batches() > 0;
    };
    expect(await flowing()).toBe(true);
    // history.pushState / #hash, and an iframe navigating: the page and its streams stay.
    t.contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true, url: APP_URL });
    expect(await flowing()).toBe(true);
    t.contents.emit('did-start-navigation', {
      isMainFrame: false,
      isSameDocument: false,
      url: 'about:blank',
    });
    expect(await flowing()).toBe(true);
    // Older Electron passes the facts as arguments: (event, url, isInPlace, isMainFrame, ...).
    t.contents.emit('did-start-navigation', {}, APP_URL, true, true);
    expect(await flowing()).toBe(true);
    // A reload: the old renderer's streams end.
    t.contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: APP_URL });
    await t.settle();
    expect(await flowing()).toBe(false);
  });
});
