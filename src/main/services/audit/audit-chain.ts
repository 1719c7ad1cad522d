// The audit history's hash chain: each row's hash covers its content and the previous row's hash,
// so a row edited or deleted outside the app (sqlite3 with the triggers dropped) shows. The same
// rule is documented for checking an exported copy (docs/ARCHITECTURE.md, "Audit history").
import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../../shared/api/domain';

/** The previous hash of the first row. */
export const GENESIS = '0'.repeat(64);

/** The row's content, in a fixed order: what its hash covers. */
export function canonical(e: AuditEvent): string {
  return JSON.stringify([
    e.id,
    e.ts,
    e.actor,
    e.action,
    e.target,
    e.params,
    e.result,
    e.errorCode,
    e.durationMs,
    e.hostId,
    e.jobId,
    e.sessionId,
    // Added later: covered when set, so rows written before it keep their hashes.
    ...(e.experimentId != null ? [e.experimentId] : []),
  ]);
}

export function chainHash(prevHash: string, e: AuditEvent): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonical(e)}`)
    .digest('hex');
}

/** Words a person typed, as an FTS5 query that cannot be a syntax error: each a quoted prefix. */
export function ftsQuery(text: string): string | null {
  const words = text
    .split(/\s+/)
    .map((w) => w.replace(/["*^:(){}[\]]/g, '').trim())
    .filter(Boolean)
    .slice(0, 12);
  if (!words.length) return null;
  return words.map((w) => `"${w}"*`).join(' ');
}
