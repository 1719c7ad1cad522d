// The shell side of a run, executed here with the system's sh (dash on Debian) exactly as a host
// runs it: started detached (the setsid path), followed by byte offset to its exit status, read on
// from an offset, a run killed without a result, a stop; in folders named with hostile strings.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { HOSTILE } from '../../../../tests/support/hostile-strings';
import { tempDir } from '../../../../tests/support/temp-db';
import {
  catchUpCommand,
  finishCommand,
  FollowParser,
  followCommand,
  launchCommand,
  stopCommand,
  type FollowItem,
} from './remote';

const run = promisify(execFile);
const root = tempDir('labdeck-remote-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A stand-in bootstrap.sh: writes N events (one per `delay`), its output, then its exit status. */
function fakeAnsible(dir: string, events: number, delay: string, status = 0): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'bootstrap.sh'),
    `#!/bin/sh
r=$2
echo "$@" > "$r/args"
i=0
echo "PLAY RECAP" > "$r/output.log"
while [ $i -lt ${events} ]; do
  printf '{"event":"task_start","id":"t%s","task":"step %s"}\\n' $i $i >> "$r/events.jsonl"
  sleep ${delay}
  i=$((i+1))
done
printf '${status}' > "$r/exit.tmp"; mv "$r/exit.tmp" "$r/exit"
`,
  );
}

async function sh(command: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', command], { env: { ...process.env, LABDECK_NO_SYSTEMD: '1' } });
  return stdout;
}

/** Runs the follower to its end, as the app reads it. */
function follow(
  runDir: string,
  offset: number,
  launcher: string,
): Promise<{ lines: string[]; bytes: number; mark: string | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', followCommand(runDir, offset, launcher)]);
    const parser = new FollowParser();
    const items: FollowItem[] = [];
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => items.push(...parser.push(d)));
    p.on('error', reject);
    p.on('close', () => {
      const lines = items.filter((i): i is FollowItem & { kind: 'line' } => i.kind === 'line');
      const mark = items.find((i): i is FollowItem & { kind: 'mark' } => i.kind === 'mark');
      resolve({
        lines: lines.map((l) => l.text),
        bytes: lines.reduce((n, l) => n + l.bytes, 0),
        mark: mark?.mark ?? null,
      });
    });
  });
}

describe('a run on the host, by the scripts the app sends', () => {
  it('starts detached, is followed to its exit status, and read on from an offset', async () => {
    const ansible = path.join(root, 'ansible');
    fakeAnsible(ansible, 4, '0.2');
    const runDir = path.join(root, 'run1');
    fs.mkdirSync(runDir);
    const said = (await sh(launchCommand(ansible, runDir, 'labdeck-bootstrap-test', false))).trim();
    expect(said).toBe('pid');
    expect(Number(fs.readFileSync(path.join(runDir, 'pid'), 'utf8'))).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 100));
    // An apply: no --check.
    expect(fs.readFileSync(path.join(runDir, 'args'), 'utf8').trim()).toBe(
      `--run-dir ${runDir} --vars ${runDir}/vars.json`,
    );
    const all = await follow(runDir, 0, 'pid');
    expect(all.mark).toBe('labdeck-exit=0');
    expect(all.lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['t0', 't1', 't2', 't3']);
    expect(all.bytes).toBe(fs.statSync(path.join(runDir, 'events.jsonl')).size);
    // From an offset (a reconnect): only what comes after it.
    const first = Buffer.byteLength(`${all.lines[0]}\n`);
    const rest = await follow(runDir, first, 'pid');
    expect(rest.lines).toEqual(all.lines.slice(1));
    const tail = await sh(catchUpCommand(runDir, all.bytes - Buffer.byteLength(`${all.lines[3]}\n`)));
    expect(tail).toBe(`${all.lines[3]}\n`);
    // The end: Ansible's output (size first), and the variables file gone.
    fs.writeFileSync(path.join(runDir, 'vars.json'), '{"secret":"x"}');
    expect(await sh(finishCommand(runDir, 6))).toBe('11\nRECAP\n');
    expect(fs.existsSync(path.join(runDir, 'vars.json'))).toBe(false);
  }, 20_000);

  it('says "gone" for a run killed without a result, and stop ends a run (TERM to its session)', async () => {
    const ansible = path.join(root, 'ansible-slow');
    fakeAnsible(ansible, 100, '0.2');
    const a = path.join(root, 'run-killed');
    fs.mkdirSync(a);
    expect((await sh(launchCommand(ansible, a, 'u', false))).trim()).toBe('pid');
    const pid = Number(fs.readFileSync(path.join(a, 'pid'), 'utf8'));
    setTimeout(() => process.kill(-pid, 'SIGKILL'), 500);
    const killed = await follow(a, 0, 'pid');
    expect(killed.mark).toBe('labdeck-gone');
    expect(killed.lines.length).toBeGreaterThan(0);

    const b = path.join(root, 'run-stopped');
    fs.mkdirSync(b);
    await sh(launchCommand(ansible, b, 'u', false));
    const pidB = Number(fs.readFileSync(path.join(b, 'pid'), 'utf8'));
    await sh(stopCommand(b, 'pid'));
    await new Promise((r) => setTimeout(r, 300));
    // Gone, or a zombie its parent has not reaped yet: not running either way.
    const status = fs.existsSync(`/proc/${pidB}/status`)
      ? fs.readFileSync(`/proc/${pidB}/status`, 'utf8')
      : '';
    expect(status).not.toMatch(/^State:\s+[RSD]/m);
    const stopped = await follow(b, 0, 'pid');
    expect(stopped.mark).toBe('labdeck-gone');
  }, 20_000);

  it('works in folders named with hostile strings (paths reach the scripts only as arguments)', async () => {
    const ansible = path.join(root, 'ansible');
    for (const [i, name] of HOSTILE.filter(
      (s) => s && s.length < 100 && !s.includes('/') && !s.includes('\u0000'),
    ).entries()) {
      const runDir = path.join(root, `h${i}-${name}`);
      fs.mkdirSync(runDir);
      fakeAnsible(ansible, 1, '0');
      expect((await sh(launchCommand(ansible, runDir, 'u', true))).trim(), name).toBe('pid');
      const r = await follow(runDir, 0, 'pid');
      expect(r.mark, name).toBe('labdeck-exit=0');
      expect(r.lines.length, name).toBe(1);
      // A preview: --check, and the paths arrived whole.
      expect(fs.readFileSync(path.join(runDir, 'args'), 'utf8'), name).toBe(
        `--run-dir ${runDir} --vars ${runDir}/vars.json --check\n`,
      );
    }
    expect(fs.existsSync('/tmp/labdeck-pwned')).toBe(false);
  }, 60_000);
});
