// The audit area's call and stream names as plain data (no zod), for the preload and the renderer.
import type { auditCalls } from './audit';

export const AUDIT_CALLS = [
  'audit.list',
  'audit.actions',
  'audit.actors',
  'audit.get',
  'audit.questions',
  'audit.saveQuestion',
  'audit.removeQuestion',
  'audit.verify',
  'audit.export',
  'audit.archives',
  'audit.archiveNow',
  'audit.searchArchive',
] as const satisfies readonly (keyof typeof auditCalls)[];
