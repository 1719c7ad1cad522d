import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppFile } from './app-protocol';
import { menuTemplate } from './menu';
import { appUrlCheck, isExternalWebLink } from './security';
import { loadWindowState, saveWindowState } from './window-state';

describe('resolveAppFile', () => {
  const root = path.resolve('/opt/labdeck/out/renderer');
  it('maps app://labdeck paths into the renderer folder', () => {
    expect(resolveAppFile(root, 'app://labdeck/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://labdeck/assets/a%20b.js?x=1')).toBe(
      path.join(root, 'assets', 'a b.js'),
    );
  });
  it('refuses other hosts, traversal, backslashes, NULs and bad escapes', () => {
    for (const url of [
      'app://x/../../etc/passwd',
      'app://labdeck/..%2f..%2fetc%2fpasswd',
      'app://labdeck/assets%2f..%2f..%2f..%2fsecret',
      'app://labdeck/..%5cwin.ini',
      'app://labdeck/a%00.js',
      'app://labdeck/%E0%A4%A',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(resolveAppFile(root, url), url).toBeNull();
    }
  });
});

describe('appUrlCheck', () => {
  it('compares origins, never prefixes', () => {
    const dev = appUrlCheck({ devUrl: 'http://localhost:5173' });
    expect(dev('http://localhost:5173/x')).toBe(true);
    expect(dev('http://localhost:5173.evil.example/')).toBe(false);
    expect(dev('app://labdeck/index.html')).toBe(false);
    const built = appUrlCheck({});
    expect(built('app://labdeck')).toBe(true);
    expect(built('app://labdeck.evil/')).toBe(false);
    expect(built('file:///index.html')).toBe(false);
  });
  it('web links are http(s) with a host only', () => {
    expect(isExternalWebLink('https://a.example/')).toBe(true);
    expect(isExternalWebLink('mailto:a@b')).toBe(false);
    expect(isExternalWebLink('javascript:alert(1)')).toBe(false);
  });
});

describe('menuTemplate', () => {
  it('on macOS: the app menu with About, and paste and match style', () => {
    const menu = menuTemplate({ platform: 'darwin', appName: 'Labdeck', onAbout: () => {} });
    expect(menu[0]!.label).toBe('Labdeck');
    expect(menu[0]!.submenu![0]!.label).toBe('About Labdeck');
    const edit = menu.find((m) => m.label === 'Edit')!.submenu!.map((i) => i.role);
    expect(edit).toEqual(expect.arrayContaining(['copy', 'paste', 'pasteAndMatchStyle', 'selectAll']));
  });
});

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('round-trips, and forgets a place that is off every screen or unreadable', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'labdeck-ws-')), 'w.json');
    expect(loadWindowState(file, screen)).toBeNull();
    saveWindowState(file, { x: 5, y: 6, width: 1000, height: 700, maximized: false });
    expect(loadWindowState(file, screen)).toEqual({ x: 5, y: 6, width: 1000, height: 700, maximized: false });
    saveWindowState(file, { x: 5000, y: 6, width: 1000, height: 700, maximized: false });
    expect(loadWindowState(file, screen)).toBeNull();
    fs.writeFileSync(file, '{"x":"1"}');
    expect(loadWindowState(file, screen)).toBeNull();
  });
});
