// App-wide calls: what this installation is, and the user's settings.
import { z } from 'zod';
import type { AppInfo, Settings } from '../domain';
import { call, empty, label, out } from './define';

export const THEMES = ['dark', 'light'] as const;

/** An http(s) URL (a generic update feed), or empty for none. */
export const updateUrl = z
  .string()
  .trim()
  .max(500)
  .refine((v) => {
    if (v === '') return true;
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'an http(s) URL, or empty for no automatic updates');

export const settingsUpdateInput = z
  .object({
    theme: z.enum(THEMES).optional(),
    workstationName: label.optional(),
    terminalFontSize: z.number().int().min(8).max(32).optional(),
    terminalFontFamily: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9 ,'"._-]+$/, 'a CSS font-family list: names, quotes and commas')
      .optional(),
    terminalScrollback: z.number().int().min(100).max(200_000).optional(),
    terminalScreenReader: z.boolean().optional(),
    auditRetentionDays: z.number().int().min(0).max(3650).optional(),
    metricsMinuteRetentionDays: z.number().int().min(1).max(365).optional(),
    metricsQuarterRetentionDays: z.number().int().min(1).max(3650).optional(),
    alertDiskPercent: z.number().int().min(50).max(100).optional(),
    alertMemAvailablePercent: z.number().int().min(0).max(50).optional(),
    alertGpuMemPercent: z.number().int().min(50).max(100).optional(),
    alertOfflineSeconds: z.number().int().min(5).max(86_400).optional(),
    showTray: z.boolean().optional(),
    updateUrl: updateUrl.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to update' });

export const appCalls = {
  'app.info': call({ input: empty, output: out<AppInfo>(), mutating: false }),

  'settings.get': call({ input: empty, output: out<Settings>(), mutating: false }),

  'settings.update': call({
    input: settingsUpdateInput,
    output: out<Settings>(),
    mutating: true,
    target: () => 'settings',
  }),
} as const;
