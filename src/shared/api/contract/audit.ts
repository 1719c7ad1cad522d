// The audit history, as the Activity page reads it.
import { z } from 'zod';
import type { AuditPage } from '../domain';
import { call, empty, out } from './define';

export const auditListInput = z
  .object({
    action: z
      .string()
      .regex(/^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)*$/, 'must be an action name like "settings.update"')
      .max(64)
      .optional(),
    result: z.enum(['ok', 'error']).optional(),
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    before: z
      .object({ ts: z.number().int().nonnegative(), id: z.number().int().positive() })
      .strict()
      .optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict()
  .refine((v) => v.from === undefined || v.to === undefined || v.from <= v.to, {
    message: 'must not be after "to"',
    path: ['from'],
  });

export const auditCalls = {
  'audit.list': call({ input: auditListInput, output: out<AuditPage>(), mutating: false }),

  'audit.actions': call({ input: empty, output: out<string[]>(), mutating: false }),
} as const;
