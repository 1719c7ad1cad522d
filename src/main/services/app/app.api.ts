// The app area's calls: what this installation is (versions, data folder, how secrets are kept)
// and the user's settings.
import fs from 'node:fs';
import os from 'node:os';
import type { AppInfo } from '../../../shared/api/domain';
import type { AreaApi } from '../../lib/area';
import type { SecretStore } from '../secrets/secret-store';
import type { SettingsService } from '../settings/settings-service';

export interface AppAreaDeps {
  version: string;
  mode: AppInfo['mode'];
  dataDir: string;
  dbPath: string;
  secretStorage: string;
  secrets: SecretStore;
  settings: SettingsService;
}

export function appApi(d: AppAreaDeps): AreaApi<'app.info' | 'settings.get' | 'settings.update'> {
  return {
    handlers: {
      'app.info': () => ({
        version: d.version,
        mode: d.mode,
        dataDir: d.dataDir,
        dbPath: d.dbPath,
        dbSizeBytes: ['', '-wal'].reduce((sum, suffix) => {
          try {
            return sum + fs.statSync(d.dbPath + suffix).size;
          } catch {
            return sum;
          }
        }, 0),
        platform: `${os.platform()} ${os.release()}`,
        secretStorage: d.secretStorage,
        unreadableSecrets: d.secrets.unreadableCount(),
        hostname: os.hostname(),
        nodeVersion: process.versions.node,
      }),
      'settings.get': () => d.settings.get(),
      'settings.update': (patch) => d.settings.update(patch),
    },
    streams: {},
  };
}
