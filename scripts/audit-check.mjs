#!/usr/bin/env node
// CI's dependency audit: `npm audit --omit=dev`, failing on any advisory for a shipped package that
// .ci/audit-allowlist.json does not name with a reason. When the registry's audit endpoint cannot be
// reached (no network, a proxy that refuses it) it warns and passes: an outage is not a finding.
// Usage: node scripts/audit-check.mjs [--report recorded.json] [--allowlist file.json]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Each advisory in an `npm audit --json` report (auditReportVersion 2), once per package. */
export function advisories(report) {
  const found = new Map();
  for (const vuln of Object.values(report.vulnerabilities ?? {})) {
    for (const via of vuln.via ?? []) {
      if (typeof via !== 'object' || via === null) continue; // a package that depends on one
      const id = /GHSA-[\w-]+$/.exec(via.url ?? '')?.[0] ?? String(via.source);
      found.set(`${via.name}:${id}`, {
        id,
        source: via.source,
        package: via.name,
        severity: via.severity,
        title: via.title,
        url: via.url,
      });
    }
  }
  return [...found.values()];
}

/** The allowlist's entries; each must say which advisory, which package, and why it does not apply. */
export function readAllowlist(json) {
  const entries = json.advisories ?? [];
  for (const e of entries) {
    if (!e.id || !e.package || typeof e.why !== 'string' || e.why.trim().length < 10) {
      throw new Error(`allowlist entry ${JSON.stringify(e)} needs id, package and a reason (why)`);
    }
  }
  return entries;
}

/**
 * The verdict on a report: 'unavailable' (no audit could be made: warn), 'ok' or 'fail', with the
 * lines to print.
 */
export function checkAudit(report, allowlist) {
  if (!report || typeof report !== 'object' || typeof report.vulnerabilities !== 'object') {
    const why = report?.message ?? report?.error?.summary ?? 'no report';
    return { status: 'unavailable', lines: [`[audit] WARNING: npm audit could not run (${why}); skipped`] };
  }
  const allowed = (a) =>
    allowlist.some((e) => e.package === a.package && (e.id === a.id || e.id === String(a.source)));
  const found = advisories(report);
  const bad = found.filter((a) => !allowed(a));
  const lines = [];
  for (const e of allowlist) {
    if (!found.some((a) => a.package === e.package && (e.id === a.id || e.id === String(a.source)))) {
      lines.push(`[audit] note: allowlisted ${e.id} (${e.package}) is no longer reported; remove it`);
    }
  }
  for (const a of bad)
    lines.push(`[audit] ${a.severity} ${a.id} in ${a.package}: ${a.title} ${a.url ?? ''}`.trim());
  lines.push(
    bad.length === 0
      ? `[audit] ok: ${found.length} advisory(ies), all allowlisted`
      : `[audit] FAILED: ${bad.length} advisory(ies) not in .ci/audit-allowlist.json`,
  );
  return { status: bad.length === 0 ? 'ok' : 'fail', lines };
}

function runNpmAudit() {
  const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { message: r.error?.message ?? (r.stderr.trim().split('\n').pop() || `npm exited ${r.status}`) };
  }
}

function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reportFile = arg('--report');
  const report = reportFile ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : runNpmAudit();
  const allowlistFile = arg('--allowlist') ?? path.join(root, '.ci', 'audit-allowlist.json');
  const allowlist = readAllowlist(JSON.parse(fs.readFileSync(allowlistFile, 'utf8')));
  const verdict = checkAudit(report, allowlist);
  for (const l of verdict.lines) console.log(l);
  return verdict.status === 'fail' ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
