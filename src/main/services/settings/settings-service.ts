// User settings, stored as JSON values by key. Defaults apply until a value is saved.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { Settings } from '../../../shared/api/domain';
import type { Db } from '../../db/database';
import { settings } from '../../db/schema';

const defaults = (): Settings => ({
  theme: 'dark',
  workstationName: os.hostname() || 'This computer',
  terminalFontSize: 13,
  terminalFontFamily: "'DejaVu Sans Mono', 'JetBrains Mono', Menlo, Consolas, monospace",
  terminalScrollback: 10_000,
  terminalScreenReader: false,
  auditRetentionDays: 0,
  metricsMinuteRetentionDays: 7,
  metricsQuarterRetentionDays: 90,
  alertDiskPercent: 90,
  alertMemAvailablePercent: 5,
  alertGpuMemPercent: 95,
  alertOfflineSeconds: 60,
  showTray: true,
  updateUrl: '',
});

export class SettingsService {
  /** What get() last read (services ask often, e.g. metric alerts each sample); update() drops it. */
  private cached: Settings | null = null;
  /** 'changed' (Settings) after each update: for what applies a setting live (the desktop tray). */
  readonly events = new EventEmitter();

  constructor(private readonly db: Db) {}

  get(): Settings {
    if (this.cached) return { ...this.cached };
    const result: Record<string, unknown> = { ...defaults() };
    for (const row of this.db.select().from(settings).all()) {
      if (row.key in result) result[row.key] = JSON.parse(row.value) as unknown;
    }
    this.cached = result as unknown as Settings;
    return { ...this.cached };
  }

  update(patch: Partial<Settings>): Settings {
    this.cached = null;
    this.db.transaction((tx) => {
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) continue;
        const json = JSON.stringify(value);
        tx.insert(settings)
          .values({ key, value: json })
          .onConflictDoUpdate({ target: settings.key, set: { value: json } })
          .run();
      }
    });
    const next = this.get();
    this.events.emit('changed', next);
    return next;
  }
}
