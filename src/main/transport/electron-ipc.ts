// Electron transport: carries the API's messages between one BrowserWindow and an ApiSession.
// Only messages from the window's own top frame, showing our own page, are accepted.
import os from 'node:os';
import type { BrowserWindow, IpcMain, IpcMainEvent } from 'electron';
import type { ServerMessage } from '../../shared/api/protocol';
import type { Dispatcher } from '../api/dispatcher';
import { ApiSession, type StreamFactories } from '../api/session';

export const IPC_CHANNEL = 'labdeck:api';

export interface ElectronIpcOptions {
  ipcMain: IpcMain;
  window: BrowserWindow;
  dispatcher: Dispatcher;
  streams: StreamFactories;
  /** Whether a frame URL is the app's own renderer (app://labdeck, or the dev server). */
  isTrustedUrl: (url: string) => boolean;
}

/** What Electron's did-start-navigation event carries (Electron 25+: on the event itself). */
interface NavigationDetails {
  isMainFrame?: boolean;
  isSameDocument?: boolean;
}

export function attachElectronIpc(o: ElectronIpcOptions): () => void {
  const contents = o.window.webContents;
  let session: ApiSession | null = null;
  const send = (msg: ServerMessage): void => {
    if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, msg);
  };
  const newSession = (): ApiSession =>
    new ApiSession(o.dispatcher, o.streams, { actor: `${os.userInfo().username}@desktop` }, send);

  const onMessage = (event: IpcMainEvent, msg: unknown): void => {
    const frame = event.senderFrame;
    if (event.sender !== contents || !frame || frame !== contents.mainFrame || !o.isTrustedUrl(frame.url)) {
      console.warn(`[ipc] refused a message from an untrusted frame: ${frame?.url ?? 'unknown'}`);
      return;
    }
    session ??= newSession();
    session.handle(msg);
  };
  // A reload or a new page in the window starts a new renderer: drop the old one's streams and
  // close what it opened. A same-document navigation (history.pushState, #hash) or a subframe's
  // navigation leaves the page, its terminals and its session as they are.
  const onNavigate = (details: NavigationDetails, ...legacy: unknown[]): void => {
    const isMainFrame = details.isMainFrame ?? legacy[2] === true;
    const isSameDocument = details.isSameDocument ?? legacy[1] === true;
    if (!isMainFrame || isSameDocument) return;
    void session?.close();
    session = null;
  };
  o.ipcMain.on(IPC_CHANNEL, onMessage);
  contents.on('did-start-navigation', onNavigate);
  const detach = (): void => {
    o.ipcMain.removeListener(IPC_CHANNEL, onMessage);
    void session?.close();
    session = null;
  };
  contents.once('destroyed', detach);
  return detach;
}
