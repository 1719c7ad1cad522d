// Types for scripts/audit-check.mjs (run by .ci/run with plain node).
export interface Advisory {
  id: string;
  source: number;
  package: string;
  severity: string;
  title: string;
  url?: string;
}
export interface AllowlistEntry {
  id: string;
  package: string;
  why: string;
}
export declare function advisories(report: unknown): Advisory[];
export declare function readAllowlist(json: unknown): AllowlistEntry[];
export declare function checkAudit(
  report: unknown,
  allowlist: AllowlistEntry[],
): { status: 'unavailable' | 'ok' | 'fail'; lines: string[] };
