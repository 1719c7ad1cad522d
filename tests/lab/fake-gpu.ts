// A stand-in `nvidia-smi` for a lab host: it replays the real H100 output in tests/fixtures
// (idle and busy seconds alternating) and reports, as its one compute app, a real process of a real
// Linux user on that host, so GPU figures, attribution and history can be checked end to end.
import fs from 'node:fs';
import path from 'node:path';

const FIXTURES = path.join(__dirname, '../fixtures/nvidia-smi-h100');
export const GPU_USER = 'exp_llama';
const PID_FILE = '/tmp/labdeck-fake-gpu-pid';

/** argv (run as root on the host) that installs the stand-in and starts the user's process. */
export function installFakeGpu(): string[] {
  const read = (f: string): string => fs.readFileSync(path.join(FIXTURES, f), 'utf8').trim();
  const app = read('compute-apps.csv').replace(/^\d+/, `$(cat ${PID_FILE})`);
  const standIn = [
    '#!/bin/sh',
    'case "$1" in',
    `  --query-gpu=*) if [ $(( $(date +%s) % 2 )) -eq 0 ]; then echo '${read('query-gpu-busy.csv')}'; else echo '${read('query-gpu.csv')}'; fi ;;`,
    `  --query-compute-apps=*) echo "${app}" ;;`,
    'esac',
  ].join('\n');
  const setup = [
    `id ${GPU_USER} >/dev/null 2>&1 || useradd -M ${GPU_USER}`,
    `printf '%s\\n' "$1" >/usr/local/bin/nvidia-smi && chmod 755 /usr/local/bin/nvidia-smi`,
    // The user's own process says its pid (runuser itself stays as root, as the parent).
    `rm -f ${PID_FILE}; setsid runuser -u ${GPU_USER} -- sh -c 'echo $$ >${PID_FILE}; exec sleep 900' </dev/null >/dev/null 2>&1 &`,
    `n=0; while [ ! -s ${PID_FILE} ] && [ $n -lt 50 ]; do n=$((n+1)); sleep 0.1; done; test -s ${PID_FILE}`,
  ].join('\n');
  return ['sh', '-c', setup, 'setup', standIn];
}

/** argv that removes the stand-in and stops the user's process. */
export function removeFakeGpu(): string[] {
  return ['sh', '-c', `kill "$(cat ${PID_FILE})" 2>/dev/null; rm -f /usr/local/bin/nvidia-smi ${PID_FILE}`];
}
