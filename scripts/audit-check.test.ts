import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { advisories, checkAudit, readAllowlist } from './audit-check.mjs';

const root = path.resolve(__dirname, '..');
const fixture = (name: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/npm-audit', name), 'utf8'));
const tarFs = {
  id: 'GHSA-8cj5-5rvv-wf4v',
  package: 'tar-fs',
  why: 'Labdeck only builds tarballs (image contexts), never extracts one.',
};

describe('audit-check', () => {
  it('finds each advisory once, by its GHSA id, not the packages that merely depend on it', () => {
    expect(advisories(fixture('two-advisories.json')).map((a) => `${a.package} ${a.id}`)).toEqual([
      'ws GHSA-3h5v-q93c-6h6q',
      'tar-fs GHSA-8cj5-5rvv-wf4v',
    ]);
  });

  it('fails on an advisory that is not allowlisted, and passes when all are', () => {
    const partly = checkAudit(fixture('two-advisories.json'), [tarFs]);
    expect(partly.status).toBe('fail');
    expect(partly.lines.join('\n')).toContain('high GHSA-3h5v-q93c-6h6q in ws');
    expect(partly.lines.join('\n')).not.toContain('in tar-fs');
    const ws = { id: '1098392', package: 'ws', why: 'The server only listens on 127.0.0.1 with a token.' };
    expect(checkAudit(fixture('two-advisories.json'), [tarFs, ws]).status).toBe('ok');
  });

  it('flags allowlist entries no longer reported, and refuses entries without a reason', () => {
    const clean = { auditReportVersion: 2, vulnerabilities: {}, metadata: {} };
    const v = checkAudit(clean, [tarFs]);
    expect(v.status).toBe('ok');
    expect(v.lines[0]).toMatch(/no longer reported/);
    expect(() => readAllowlist({ advisories: [{ id: 'GHSA-x', package: 'ws', why: '' }] })).toThrow(/reason/);
  });

  it('warns and passes when the audit endpoint cannot be reached (recorded here: a 405)', () => {
    const v = checkAudit(fixture('unreachable-405.json'), []);
    expect(v.status).toBe('unavailable');
    expect(v.lines[0]).toMatch(/WARNING: npm audit could not run \(405 Method Not Allowed/);
  });

  it('runs from the command line with the repository allowlist', () => {
    const run = (report: string): { status: number | null; stdout: string } =>
      spawnSync(
        process.execPath,
        ['scripts/audit-check.mjs', '--report', `tests/fixtures/npm-audit/${report}`],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
    expect(run('unreachable-405.json').status).toBe(0);
    const failed = run('two-advisories.json');
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('[audit] FAILED: 2 advisory(ies)');
    readAllowlist(JSON.parse(fs.readFileSync(path.join(root, '.ci/audit-allowlist.json'), 'utf8')));
  });
});
