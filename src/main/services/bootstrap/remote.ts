// The shell side of a bootstrap run on a host: starting bootstrap.sh detached from the SSH channel
// (a systemd unit where systemd runs, else its own session with setsid), following its events file
// by byte offset, and stopping it. Each script is a fixed string; paths and names reach it only as
// positional arguments through shCommand, never spliced into the script.
import { shCommand } from '../ssh/quote';

/** Lines the follower prints itself start with this byte (events are JSON: they never contain it). */
export const MARK = '\u001e';

/**
 * $1 the playbooks' folder, $2 the run's folder (both relative to home or absolute), $3 the
 * systemd unit name, $4 "check" for a preview. Prints "systemd:<unit>" or "pid" (the pid is in
 * <run>/pid). Root runs it directly; another login needs passwordless sudo.
 */
const LAUNCH = `set -e
p=$(cd "$1" && pwd) r=$(cd "$2" && pwd) unit=$3 mode=$4
if [ "$(id -u)" = 0 ]; then sudo=""; else
  if ! sudo -n true 2>/dev/null; then
    echo "${MARK}labdeck-nosudo"; exit 0
  fi
  sudo="sudo -n"
fi
set -- sh "$p/bootstrap.sh" --run-dir "$r" --vars "$r/vars.json"
if [ "$mode" = check ]; then set -- "$@" --check; fi
if [ -z "\${LABDECK_NO_SYSTEMD:-}" ] && [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
  $sudo systemd-run --quiet --collect --unit="$unit" --service-type=exec \\
    --property=KillMode=mixed --property=TimeoutStopSec=180 \\
    --setenv=HOME=/root --working-directory="$r" "$@"
  echo "systemd:$unit"
else
  $sudo setsid sh -c 'echo $$ > "$0/pid"; cd "$0"; exec "$@"' "$r" "$@" </dev/null >/dev/null 2>&1 &
  i=0; while [ ! -s "$r/pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  echo "pid"
fi`;

export function launchCommand(ansibleDir: string, runDir: string, unit: string, check: boolean): string {
  return shCommand([
    'sh',
    '-c',
    LAUNCH,
    'labdeck-launch',
    ansibleDir,
    runDir,
    unit,
    check ? 'check' : 'apply',
  ]);
}

/**
 * $1 the run's folder, $2 the byte offset already read, $3 the launcher ("systemd:<unit>" or
 * "pid"). Streams the events file from the offset as it grows; ends with a marker line:
 * "exit=<status>" when the run wrote its exit status, "gone" when its process is gone without one,
 * "nodir" when the run's folder is not there.
 */
const FOLLOW = `r=$1 off=$2 launcher=$3
cd "$r" 2>/dev/null || { printf '${MARK}labdeck-nodir\\n'; exit 0; }
alive() {
  case $launcher in
    systemd:*) systemctl is-active --quiet "\${launcher#systemd:}" ;;
    *) [ -s pid ] && [ -d "/proc/$(cat pid)" ] && ! grep -q '^State:.*zombie' "/proc/$(cat pid)/status" 2>/dev/null ;;
  esac
}
tail -c +$((off + 1)) -F -s 0.05 events.jsonl 2>/dev/null &
t=$!
trap 'kill $t 2>/dev/null' EXIT
n=0
while [ ! -e exit ]; do
  n=$((n + 1))
  if [ $((n % 4)) -eq 0 ] && ! alive; then
    sleep 0.5
    if [ ! -e exit ]; then kill $t 2>/dev/null; wait $t 2>/dev/null; printf '${MARK}labdeck-gone\\n'; exit 0; fi
  fi
  sleep 0.25
done
sleep 0.3
kill $t 2>/dev/null; wait $t 2>/dev/null
printf '${MARK}labdeck-exit=%s\\n' "$(cat exit)"`;

export function followCommand(runDir: string, offset: number, launcher: string): string {
  return shCommand(['sh', '-c', FOLLOW, 'labdeck-follow', runDir, String(offset), launcher]);
}

/** What is in the events file past `offset` (the follower may stop a moment before the end). */
export function catchUpCommand(runDir: string, offset: number): string {
  return shCommand([
    'sh',
    '-c',
    'tail -c +$(($2 + 1)) "$1/events.jsonl" 2>/dev/null; true',
    'labdeck-catchup',
    runDir,
    String(offset),
  ]);
}

/**
 * Stops the run on the host. TERM goes to bootstrap.sh first (the unit's KillMode=mixed): it stops
 * ansible-playbook, lets a running apt/dpkg finish, writes its exit status; the rest of the unit
 * is killed only after TimeoutStopSec. Without systemd, TERM to bootstrap.sh the same way.
 */
const STOP = `r=$1 launcher=$2
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo -n"; fi
case $launcher in
  systemd:*) $sudo systemctl stop --no-block "\${launcher#systemd:}" ;;
  *) [ -s "$r/pid" ] && $sudo kill -s TERM "$(cat "$r/pid")" ;;
esac
true`;

export function stopCommand(runDir: string, launcher: string): string {
  return shCommand(['sh', '-c', STOP, 'labdeck-stop', runDir, launcher]);
}

/** Ansible's output (its tail, up to maxBytes) and its full size, then the vars file removed. */
export function finishCommand(runDir: string, maxBytes: number): string {
  return shCommand([
    'sh',
    '-c',
    'rm -f "$1/vars.json"; wc -c < "$1/output.log" 2>/dev/null || echo 0; tail -c "$2" "$1/output.log" 2>/dev/null; true',
    'labdeck-finish',
    runDir,
    String(maxBytes),
  ]);
}

export type FollowItem = { kind: 'line'; text: string; bytes: number } | { kind: 'mark'; mark: string };

/**
 * Splits the follower's output into whole event lines (with their size in the file, for the
 * offset) and marker lines. A partial line cut by a marker is dropped: it was not counted, so
 * the catch-up reads it again.
 */
export class FollowParser {
  private buf = '';

  push(chunk: string): FollowItem[] {
    this.buf += chunk;
    const out: FollowItem[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const m = line.indexOf(MARK);
      if (m >= 0) {
        out.push({ kind: 'mark', mark: line.slice(m + 1) });
        continue;
      }
      out.push({ kind: 'line', text: line, bytes: Buffer.byteLength(line) + 1 });
    }
    return out;
  }

  /** Bytes of a line not yet ended (not counted in any offset). */
  get pending(): number {
    return Buffer.byteLength(this.buf);
  }
}
