// Unit tests alias `electron` here so nothing under test can load the real thing.
export const app = undefined;
export const ipcMain = undefined;
export const BrowserWindow = undefined;
