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
