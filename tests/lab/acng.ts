// apt-cacher-ng on the bridge address, so containers can install Debian packages through the one
// archive this machine reaches. Its cache is kept between runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ArchiveUris } from './apt-sources';
import { PATHS } from './config';

const confDir = path.join(PATHS.run, 'acng-conf');
const pidFile = path.join(PATHS.run, 'acng.pid');
export const ACNG_PORT = 3142;

export function startAcng(bindAddress: string, uris: ArchiveUris): number {
  fs.rmSync(confDir, { recursive: true, force: true });
  fs.cpSync('/etc/apt-cacher-ng', confDir, { recursive: true, dereference: true });
  fs.writeFileSync(path.join(confDir, 'backends_debian'), `${uris.main}/\n`);
  fs.mkdirSync(PATHS.acngCache, { recursive: true });
  const logDir = path.join(PATHS.run, 'acng-log');
  fs.mkdirSync(logDir, { recursive: true });
  const log = fs.openSync(path.join(logDir, 'stdout.log'), 'a');
  const child = spawn(
    '/usr/sbin/apt-cacher-ng',
    [
      '-c',
      confDir,
      'ForeGround=1',
      `BindAddress=${bindAddress}`,
      `Port=${ACNG_PORT}`,
      `CacheDir=${PATHS.acngCache}`,
      `LogDir=${logDir}`,
      `SocketPath=${path.join(PATHS.run, 'acng.socket')}`,
      `PidFile=${path.join(PATHS.run, 'acng.own.pid')}`,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  fs.closeSync(log);
  fs.writeFileSync(pidFile, String(child.pid));
  return child.pid!;
}

export function stopAcng(): void {
  try {
    process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM');
  } catch {
    /* not running */
  }
  fs.rmSync(pidFile, { force: true });
}
