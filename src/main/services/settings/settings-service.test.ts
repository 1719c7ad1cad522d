import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../../../../tests/support/temp-db';
import { settingsUpdateInput } from '../../../shared/api/contract/app';
import { thresholdsFromSettings, DEFAULT_THRESHOLDS } from '../metrics/alerts';
import { DEFAULT_RETENTION, retentionFromSettings } from '../metrics/history-store';
import { SettingsService } from './settings-service';

const dbs: ReturnType<typeof tempDb>[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) {
    d.close();
    fs.rmSync(d.dir, { recursive: true, force: true });
  }
});

describe('SettingsService: metrics retention and alert thresholds', () => {
  it('defaults to what the metrics area used before they were settings', () => {
    const db = tempDb();
    dbs.push(db);
    const s = new SettingsService(db.db).get();
    expect(retentionFromSettings(s)).toEqual(DEFAULT_RETENTION);
    expect(thresholdsFromSettings(s)).toEqual(DEFAULT_THRESHOLDS);
  });

  it('a saved change is what the next get() returns (the read is cached until then)', () => {
    const db = tempDb();
    dbs.push(db);
    const settings = new SettingsService(db.db);
    expect(settings.get().alertDiskPercent).toBe(90);
    settings.update({ alertDiskPercent: 80, metricsMinuteRetentionDays: 3 });
    expect(settings.get()).toMatchObject({ alertDiskPercent: 80, metricsMinuteRetentionDays: 3 });
    // A caller changing its copy does not change the cache.
    settings.get().alertDiskPercent = 1;
    expect(settings.get().alertDiskPercent).toBe(80);
    expect(new SettingsService(db.db).get().alertDiskPercent).toBe(80);
  });

  it('bounds each value', () => {
    const ok = (v: Record<string, unknown>): boolean => settingsUpdateInput.safeParse(v).success;
    expect(ok({ metricsMinuteRetentionDays: 1, metricsQuarterRetentionDays: 3650 })).toBe(true);
    expect(ok({ metricsMinuteRetentionDays: 0 })).toBe(false);
    expect(ok({ metricsQuarterRetentionDays: 3651 })).toBe(false);
    expect(ok({ alertDiskPercent: 101 })).toBe(false);
    expect(ok({ alertDiskPercent: 50.5 })).toBe(false);
    expect(ok({ alertMemAvailablePercent: 0, alertGpuMemPercent: 100, alertOfflineSeconds: 5 })).toBe(true);
    expect(ok({ alertOfflineSeconds: 4 })).toBe(false);
  });
});

describe('SettingsService: desktop settings', () => {
  it('shows the tray and has no update server by default', () => {
    const db = tempDb();
    dbs.push(db);
    expect(new SettingsService(db.db).get()).toMatchObject({ showTray: true, updateUrl: '' });
  });

  it('says when settings change, with the new values', () => {
    const db = tempDb();
    dbs.push(db);
    const settings = new SettingsService(db.db);
    const seen: unknown[] = [];
    settings.events.on('changed', (s) => seen.push(s));
    settings.update({ showTray: false, updateUrl: 'https://updates.example/labdeck' });
    expect(seen).toEqual([
      expect.objectContaining({ showTray: false, updateUrl: 'https://updates.example/labdeck' }),
    ]);
    expect(new SettingsService(db.db).get()).toMatchObject({ showTray: false });
  });

  it('takes an http(s) update URL or empty, nothing else', () => {
    const parse = (v: Record<string, unknown>) => settingsUpdateInput.safeParse(v);
    expect(parse({ showTray: false }).success).toBe(true);
    expect(parse({ showTray: 'no' }).success).toBe(false);
    for (const url of ['', 'https://updates.example/labdeck', 'http://10.0.0.5:8080/feed/']) {
      expect(parse({ updateUrl: url }).success, url).toBe(true);
    }
    // Trimmed before it is kept.
    const trimmed = parse({ updateUrl: '  https://u.example/x  ' });
    expect(trimmed.success && trimmed.data.updateUrl).toBe('https://u.example/x');
    for (const url of [
      'updates.example',
      'ftp://updates.example/',
      'file:///tmp/feed',
      'javascript:alert(1)',
      'https://',
      `https://u.example/${'a'.repeat(500)}`,
    ]) {
      expect(parse({ updateUrl: url }).success, url).toBe(false);
    }
  });
});
