// Reads files a person names (a private key, an SSH config, known_hosts) safely: only regular
// files, only small ones. A FIFO, /dev/zero or a tty named as a key must neither hang the app nor
// fill its memory, and it must not tie up Node's file-I/O threads (so the read is synchronous,
// non-blocking on open, and bounded).
import fs from 'node:fs';

export class SmallFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: 'not-regular' | 'too-large' | 'unreadable',
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SmallFileError';
  }
}

const kib = (n: number): string => `${Math.max(1, Math.round(n / 1024))} KiB`;

/** The bytes of `file`, which must be a regular file of at most `maxBytes`. */
export function readSmallFile(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new SmallFileError(file, 'unreadable', `${file} cannot be read (${code}).`, code);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      const what = st.isDirectory()
        ? 'a folder'
        : st.isFIFO()
          ? 'a named pipe'
          : st.isCharacterDevice() || st.isBlockDevice()
            ? 'a device'
            : st.isSocket()
              ? 'a socket'
              : 'not a regular file';
      throw new SmallFileError(file, 'not-regular', `${file} is ${what}, not a regular file.`);
    }
    if (st.size > maxBytes) {
      throw new SmallFileError(file, 'too-large', `${file} is ${kib(st.size)}, more than ${kib(maxBytes)}.`);
    }
    // Read one byte more than allowed: a file that grows while we read is still caught.
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) {
        throw new SmallFileError(file, 'too-large', `${file} is larger than ${kib(maxBytes)}.`);
      }
    }
    return buf.subarray(0, n);
  } catch (err) {
    if (err instanceof SmallFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new SmallFileError(file, 'unreadable', `${file} cannot be read (${code}).`, code);
  } finally {
    fs.closeSync(fd);
  }
}
