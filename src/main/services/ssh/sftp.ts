// Files to and from a host over SFTP on a pooled connection (the SFTP channel counts against the
// host's channels). A folder tree is uploaded atomically to a versioned path: written to a temp
// folder, then renamed into place, and skipped when the same content is already there. A download
// reports progress and is checked against a SHA-256 computed on both ends.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { ApiError } from '../../../shared/api/errors';
import { shCommand } from './quote';
import type { ExecResult, Lease } from './types';

export interface TreeEntry {
  /** Relative to the tree's root, with "/" separators. */
  rel: string;
  kind: 'dir' | 'file';
  mode: number;
  size: number;
  sha256: string | null;
}

export interface LocalTree {
  entries: TreeEntry[];
  /** Over every entry's path, kind, mode and content: the version's name. */
  hash: string;
  bytes: number;
}

export interface UploadResult {
  /** Where the tree is on the host (relative paths are under the login's home). */
  path: string;
  hash: string;
  /** The same content was already there: nothing was sent. */
  skipped: boolean;
  files: number;
  bytes: number;
}

export interface Progress {
  done: number;
  total: number;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** The host's own sha256sum of the file matched (null where the host has no sha256sum). */
  verified: boolean | null;
}

/** The marker written last into a version folder: its presence means the upload completed. */
export const TREE_MARKER = '.labdeck-tree.json';
const MAX_FILES = 10_000;

/** Reads a local folder tree (regular files and folders only) and its content hash. */
export async function readLocalTree(root: string): Promise<LocalTree> {
  const entries: TreeEntry[] = [];
  let bytes = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = (await fs.promises.readdir(dir)).sort();
    for (const name of names) {
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await fs.promises.lstat(abs);
      if (entries.length >= MAX_FILES)
        throw new ApiError('VALIDATION', `${root} has more than ${MAX_FILES} entries.`);
      if (st.isDirectory()) {
        entries.push({ rel: r, kind: 'dir', mode: st.mode & 0o7777, size: 0, sha256: null });
        await walk(abs, r);
      } else if (st.isFile()) {
        const sha256 = createHash('sha256')
          .update(await fs.promises.readFile(abs))
          .digest('hex');
        entries.push({ rel: r, kind: 'file', mode: st.mode & 0o7777, size: st.size, sha256 });
        bytes += st.size;
      } else {
        throw new ApiError('VALIDATION', `${abs} is neither a file nor a folder (links are not uploaded).`);
      }
    }
  };
  await walk(root, '');
  const h = createHash('sha256');
  for (const e of entries) h.update(`${e.kind}\0${e.rel}\0${e.mode.toString(8)}\0${e.sha256 ?? ''}\n`);
  return { entries, hash: h.digest('hex'), bytes };
}

const call = <T>(fn: (cb: (err: Error | undefined | null, v?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

/** An SFTP session on a leased channel; `end()` closes it and counts the channel back. */
export class SftpSession {
  private ended = false;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly lease: Lease,
    private readonly where: string,
    /** Runs a command on the same host (cleanup and remote checksums). */
    private readonly exec: (command: string) => Promise<ExecResult>,
  ) {
    sftp.once('close', () => this.release());
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sftp.end();
  }

  private release(): void {
    this.ended = true;
    this.lease.release();
  }

  stat(p: string): Promise<Stats | null> {
    return call<Stats>((cb) => this.sftp.stat(p, cb)).catch(() => null);
  }

  /** Writes a small file whole, created with `mode` (e.g. 0600 for one holding secrets). */
  async writeFile(p: string, data: string, mode = 0o644): Promise<void> {
    try {
      await call<void>((cb) => this.sftp.writeFile(p, data, { mode }, cb));
      // writeFile's mode applies only when it creates the file: an existing one gets it too.
      await call<void>((cb) => this.sftp.chmod(p, mode, cb));
    } catch (err) {
      throw this.fail(`write ${p}`, err as Error);
    }
  }

  /** mkdir -p, each missing folder made with `mode`. */
  async mkdirs(p: string, mode = 0o755): Promise<void> {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (!sub || (await this.stat(sub))?.isDirectory()) continue;
      await call<void>((cb) => this.sftp.mkdir(sub, { mode }, cb)).catch(async (err: Error) => {
        if (!(await this.stat(sub))?.isDirectory()) throw this.fail(`create ${sub}`, err);
      });
    }
  }

  /**
   * Uploads `tree` (read from `localRoot`) to `${remoteBase}/${hash}`: into a temp folder first,
   * renamed into place only when complete, so a reader never sees half a version.
   */
  async uploadTree(
    localRoot: string,
    tree: LocalTree,
    remoteBase: string,
    onProgress?: (p: Progress) => void,
  ): Promise<UploadResult> {
    const name = tree.hash.slice(0, 16);
    const final = `${remoteBase}/${name}`;
    const files = tree.entries.filter((e) => e.kind === 'file').length;
    const result = { path: final, hash: tree.hash, files, bytes: tree.bytes };
    if (await this.stat(`${final}/${TREE_MARKER}`)) return { ...result, skipped: true };
    await this.mkdirs(remoteBase, 0o700);
    const tmp = `${remoteBase}/.tmp-${name}-${randomBytes(4).toString('hex')}`;
    try {
      await call<void>((cb) => this.sftp.mkdir(tmp, { mode: 0o700 }, cb));
      let done = 0;
      for (const e of tree.entries) {
        const dest = `${tmp}/${e.rel}`;
        if (e.kind === 'dir') {
          await call<void>((cb) => this.sftp.mkdir(dest, { mode: 0o700 }, cb));
          continue;
        }
        const base = done;
        await call<void>((cb) =>
          this.sftp.fastPut(
            path.join(localRoot, ...e.rel.split('/')),
            dest,
            { mode: e.mode, step: (sent) => onProgress?.({ done: base + sent, total: tree.bytes }) },
            cb,
          ),
        );
        await call<void>((cb) => this.sftp.chmod(dest, e.mode, cb));
        done += e.size;
        onProgress?.({ done, total: tree.bytes });
      }
      // Folder modes last: a read-only folder would refuse the files going into it.
      for (const e of [...tree.entries].reverse()) {
        if (e.kind === 'dir') await call<void>((cb) => this.sftp.chmod(`${tmp}/${e.rel}`, e.mode, cb));
      }
      const marker = JSON.stringify({
        hash: tree.hash,
        files,
        bytes: tree.bytes,
        at: new Date().toISOString(),
      });
      await call<void>((cb) => this.sftp.writeFile(`${tmp}/${TREE_MARKER}`, marker, { mode: 0o644 }, cb));
      await call<void>((cb) => this.sftp.chmod(tmp, 0o755, cb));
      try {
        await call<void>((cb) => this.sftp.rename(tmp, final, cb));
      } catch (err) {
        // Someone else put the same version in place meanwhile: theirs is as good as ours.
        if (await this.stat(`${final}/${TREE_MARKER}`)) {
          await this.removeTree(tmp);
          return { ...result, skipped: true };
        }
        throw err;
      }
      return { ...result, skipped: false };
    } catch (err) {
      await this.removeTree(tmp).catch(() => undefined);
      throw err instanceof ApiError ? err : this.fail(`upload to ${final}`, err as Error);
    }
  }

  /** Downloads a file with progress, then compares its SHA-256 with the host's sha256sum. */
  async download(
    remotePath: string,
    localPath: string,
    onProgress?: (p: Progress) => void,
  ): Promise<DownloadResult> {
    const st = await this.stat(remotePath);
    if (!st?.isFile()) throw new ApiError('NOT_FOUND', `${remotePath} is not a file on ${this.where}.`);
    await call<void>((cb) =>
      this.sftp.fastGet(
        remotePath,
        localPath,
        { step: (done, _chunk, total) => onProgress?.({ done, total }) },
        cb,
      ),
    ).catch((err: Error) => {
      throw this.fail(`download ${remotePath}`, err);
    });
    const sha256 = await new Promise<string>((resolve, reject) => {
      const h = createHash('sha256');
      fs.createReadStream(localPath)
        .on('data', (d) => h.update(d))
        .on('end', () => resolve(h.digest('hex')))
        .on('error', reject);
    });
    const bytes = (await fs.promises.stat(localPath)).size;
    const remote = await this.exec(shCommand(['sha256sum', '--', remotePath])).catch(() => null);
    const theirs = remote?.code === 0 ? remote.stdout.split(/\s/)[0] : null;
    if (theirs && theirs !== sha256) {
      throw new ApiError(
        'INTERNAL',
        `The copy of ${remotePath} from ${this.where} does not match the original (SHA-256 ${sha256.slice(0, 12)}… here, ${theirs.slice(0, 12)}… there). Download it again.`,
      );
    }
    return { bytes, sha256, verified: theirs ? true : null };
  }

  private async removeTree(p: string): Promise<void> {
    await this.exec(shCommand(['rm', '-rf', '--', p]));
  }

  private fail(what: string, err: Error): ApiError {
    return new ApiError('INTERNAL', `Could not ${what} on ${this.where}: ${err.message}.`);
  }
}
