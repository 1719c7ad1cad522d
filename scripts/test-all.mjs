#!/usr/bin/env node
// The full test run (README's test command): static checks, build, unit, integration and E2E suites.
// Each suite writes JSON; the last line sums them all: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const results = path.join(root, 'test-results');
fs.mkdirSync(results, { recursive: true });
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);

const rows = [];
const skipped = [];

function run(label, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${label}: ${args.map((a) => path.relative(root, a) || a).join(' ')}`);
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return { status: r.status ?? 1, seconds: (Date.now() - started) / 1000 };
}

function check(label, args) {
  const r = run(label, args);
  rows.push({
    suite: label,
    passed: r.status === 0 ? 1 : 0,
    failed: r.status === 0 ? 0 : 1,
    skipped: 0,
    seconds: r.seconds,
  });
}

/** A suite's JSON report, or null (and one failure counted) when it crashed before writing one. */
function readReport(suite, out, seconds) {
  if (fs.existsSync(out)) return JSON.parse(fs.readFileSync(out, 'utf8'));
  rows.push({ suite, passed: 0, failed: 1, skipped: 0, seconds, note: 'no report (crashed)' });
  return null;
}

function vitest(project) {
  const out = path.join(results, `${project}.json`);
  fs.rmSync(out, { force: true });
  const r = run(`vitest ${project}`, [
    bin('vitest', 'vitest.mjs'),
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  const j = readReport(project, out, r.seconds);
  if (!j) return;
  // A file that fails to load has no tests but a failed suite: count it.
  const brokenFiles = j.testResults.filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  ).length;
  for (const f of j.testResults) {
    for (const t of f.assertionResults) {
      if (t.status === 'skipped' || t.status === 'pending') skipped.push(`${project}: ${t.fullName}`);
    }
  }
  const failed = j.numFailedTests + brokenFiles;
  // A global setup that throws leaves no failed test behind but a non-zero exit: count it.
  const setupFailed = r.status !== 0 && failed === 0 ? 1 : 0;
  rows.push({
    suite: project,
    passed: j.numPassedTests,
    failed: failed + setupFailed,
    ...(setupFailed ? { note: `exited ${r.status} with no failed test: setup or unhandled error, see above` } : {}),
    skipped: j.numPendingTests + j.numTodoTests,
    seconds: r.seconds,
  });
}

function playwright() {
  const out = path.join(results, 'e2e.json');
  fs.rmSync(out, { force: true });
  const r = run('playwright e2e', [bin('@playwright/test', 'cli.js'), 'test']);
  const j = readReport('e2e', out, r.seconds);
  if (!j) return;
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status === 'skipped') {
          const why = (t.annotations ?? []).find((a) => a.type === 'skip')?.description ?? '';
          skipped.push(`e2e: ${spec.title}${why ? ` — ${why}` : ''}`);
        }
      }
    }
    for (const s of suite.suites ?? []) walk(s);
  };
  for (const s of j.suites ?? []) walk(s);
  const st = j.stats ?? {};
  const errors = (j.errors ?? []).length;
  const failed = (st.unexpected ?? 0) + errors;
  const setupFailed = r.status !== 0 && failed === 0 ? 1 : 0;
  rows.push({
    suite: 'e2e',
    passed: (st.expected ?? 0) + (st.flaky ?? 0),
    failed: failed + setupFailed,
    ...(setupFailed ? { note: `exited ${r.status} with no failed test, see above` } : {}),
    skipped: st.skipped ?? 0,
    seconds: r.seconds,
  });
}

check('typecheck', [bin('typescript', 'bin/tsc'), '--noEmit', '-p', 'tsconfig.node.json']);
check('typecheck (renderer)', [bin('typescript', 'bin/tsc'), '--noEmit', '-p', 'tsconfig.web.json']);
check('lint', [bin('eslint', 'bin/eslint.js'), '.']);
check('build', [bin('electron-vite', 'bin/electron-vite.js'), 'build']);
vitest('unit');
vitest('integration');
vitest('lab'); // needs root: real SSH hosts, LXC containers and a Docker engine (tests/lab)
playwright();

console.log('\n=== Summary');
for (const r of rows) {
  console.log(
    `${r.suite.padEnd(22)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${String(
      r.skipped,
    ).padStart(3)} skipped  ${r.seconds.toFixed(1).padStart(6)} s${r.note ? `  (${r.note})` : ''}`,
  );
}
for (const s of skipped) console.log(`skipped: ${s}`);
const passed = rows.reduce((a, r) => a + r.passed, 0);
const failed = rows.reduce((a, r) => a + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
