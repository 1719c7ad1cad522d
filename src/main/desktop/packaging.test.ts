// The installer configuration (electron-builder.yml, package.json, the fuses hook), checked without
// building: electron-builder's own schema, the targets, the bundled files, the fuses.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';
import { electronBinary, fuseConfig, FUSES } from '../../../scripts/after-pack.mjs';
import { resourcePaths } from './resource-paths';

const root = path.resolve(__dirname, '../../..');
// js-yaml (what electron-builder itself reads the file with) ships no types.
const yaml = createRequire(__filename)('js-yaml') as { load(text: string): unknown };
type Config = Record<string, unknown> & {
  files: string[];
  extraResources: { from: string; to: string }[];
  asarUnpack: string[];
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
  afterPack: string;
};
const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Config;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema", async () => {
    await expect(validateConfiguration(config as never, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds AppImage, deb and rpm; dmg; nsis', () => {
    expect(config).toMatchObject({ appId: 'dev.labdeck.app', productName: 'Labdeck' });
    expect(config.linux.target).toEqual(['AppImage', 'deb', 'rpm']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('has an icon of at least 512x512 for every platform', () => {
    for (const p of [config['icon'], config.linux, config.mac, config.win].map((c) =>
      typeof c === 'string' ? c : (c as { icon: string }).icon,
    )) {
      const png = fs.readFileSync(path.join(root, p));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
      expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512);
    }
  });

  it('ships every extra resource the app looks for, and each exists here', () => {
    for (const r of config.extraResources) expect(fs.existsSync(path.join(root, r.from)), r.from).toBe(true);
    const packaged = resourcePaths({ isPackaged: true, resourcesPath: '/R', appPath: '/A' });
    for (const [what, p] of Object.entries(packaged) as [string, string][]) {
      const rel = path.relative('/R', p).split(path.sep).join('/');
      const shipped = config.extraResources.find((r) => rel === r.to || rel.startsWith(`${r.to}/`));
      expect(shipped, `${what}: ${rel}`).toBeDefined();
      // The same file exists in the repository (the dev layout), under the `from` folder.
      expect(fs.existsSync(path.join(root, shipped!.from, path.relative(shipped!.to, rel))), rel).toBe(true);
    }
  });

  it('packs the build only: no sources, tests or maps', () => {
    expect(config.files).toEqual(
      expect.arrayContaining(['out/**', 'package.json', '!tests/**', '!src/**', '!**/*.map']),
    );
    const included = config.files.filter((f) => !f.startsWith('!'));
    expect(included.every((f) => !/^(tests|src)\b/.test(f))).toBe(true);
    expect(pkg.main).toBe('./out/main/index.js');
  });

  it('unpacks and rebuilds native modules for Electron', () => {
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**/*.node');
    expect(config['npmRebuild']).toBe(true);
    expect(pkg.dependencies).toHaveProperty('better-sqlite3');
  });

  it('keeps automatic updates off (no publish server), with electron-updater installed', () => {
    expect(config['publish']).toBeNull();
    expect(pkg.dependencies).toHaveProperty('electron-updater');
    expect(pkg.scripts['build:app']).toMatch(/electron-builder/);
  });
});

describe('the fuses hook', () => {
  it('exists and is the afterPack hook', () => {
    expect(config.afterPack).toBe('./scripts/after-pack.mjs');
    expect(fs.existsSync(path.join(root, config.afterPack))).toBe(true);
    expect(pkg.devDependencies).toHaveProperty('@electron/fuses');
  });

  it('turns RunAsNode and NODE_OPTIONS off; cookie encryption, asar integrity, asar-only on', () => {
    expect(FUSES).toMatchObject({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableCookieEncryption: true,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
    });
    const c = fuseConfig('linux');
    expect(c['version']).toBe(FuseVersion.V1);
    expect(c[FuseV1Options.RunAsNode]).toBe(false);
    expect(c[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(c[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(c[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(c[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(c[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuseConfig('darwin')['resetAdHocDarwinSignature']).toBe(true);
  });

  it('finds the Electron binary of each platform', () => {
    const packager = { appInfo: { productFilename: 'Labdeck' }, executableName: 'labdeck' };
    expect(electronBinary({ appOutDir: '/o', electronPlatformName: 'darwin', packager })).toBe(
      path.join('/o', 'Labdeck.app'),
    );
    expect(electronBinary({ appOutDir: '/o', electronPlatformName: 'win32', packager })).toBe(
      path.join('/o', 'Labdeck.exe'),
    );
    expect(electronBinary({ appOutDir: '/o', electronPlatformName: 'linux', packager })).toBe(
      path.join('/o', 'labdeck'),
    );
  });
});
