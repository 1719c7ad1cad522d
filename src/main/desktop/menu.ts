// The application menu as a template (no Electron here): the Edit roles that make copy and paste
// work on macOS, View and Window roles, and an About entry that shows the versions.

/** The part of Electron's MenuItemConstructorOptions that the template uses. */
export type MenuRole =
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'pasteAndMatchStyle'
  | 'delete'
  | 'selectAll'
  | 'reload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'close'
  | 'help';

export interface MenuItem {
  label?: string;
  role?: MenuRole;
  type?: 'separator' | 'submenu';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItem[];
}

export function menuTemplate(o: {
  platform: NodeJS.Platform;
  appName: string;
  onAbout: () => void;
}): MenuItem[] {
  const mac = o.platform === 'darwin';
  const r = (role: MenuRole): MenuItem => ({ role });
  const about: MenuItem = { label: `About ${o.appName}`, click: o.onAbout };
  const sep: MenuItem = { type: 'separator' };
  const appMenu: MenuItem = mac
    ? {
        label: o.appName,
        submenu: [about, sep, r('services'), sep, r('hide'), r('hideOthers'), r('unhide'), sep, r('quit')],
      }
    : { label: 'File', submenu: [r('quit')] };
  return [
    appMenu,
    {
      label: 'Edit',
      submenu: [
        r('undo'),
        r('redo'),
        sep,
        r('cut'),
        r('copy'),
        r('paste'),
        ...(mac ? [r('pasteAndMatchStyle')] : []),
        r('delete'),
        sep,
        r('selectAll'),
      ],
    },
    {
      label: 'View',
      submenu: [
        r('reload'),
        r('toggleDevTools'),
        sep,
        r('resetZoom'),
        r('zoomIn'),
        r('zoomOut'),
        sep,
        r('togglefullscreen'),
      ],
    },
    { label: 'Window', submenu: [r('minimize'), r('zoom'), ...(mac ? [sep, r('front')] : [r('close')])] },
    { role: 'help', label: 'Help', submenu: mac ? [] : [about] },
  ];
}

/** The About box's text: the app's version and the runtime's. */
export function aboutDetail(version: string, versions: Partial<Record<string, string>>): string {
  return [
    `Version ${version}`,
    `Electron ${versions['electron'] ?? '?'}`,
    `Chromium ${versions['chrome'] ?? '?'}`,
    `Node.js ${versions['node'] ?? '?'}`,
    `V8 ${versions['v8'] ?? '?'}`,
  ].join('\n');
}
