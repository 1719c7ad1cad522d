// The audit area: the history as the Activity page reads it (rows are written only by the dispatcher).
import type { AreaApi } from '../../lib/area';
import type { AuditStore } from './audit-store';

export function auditApi(audit: AuditStore): AreaApi<'audit.list' | 'audit.actions'> {
  return {
    handlers: {
      'audit.list': (filter) => audit.list(filter),
      'audit.actions': () => audit.actions(),
    },
    streams: {},
  };
}
