import * as fs from 'node:fs';
import { dirname } from 'node:path';

/**
 * Thin promise wrappers over the callback fs API. The log's hot paths (one write + one fdatasync
 * per partition per flush, one read per chunk) use raw fds rather than FileHandle objects:
 * fewer allocations per call, and the same fd can be shared by position-based reads.
 */

export function openFile(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function closeFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

/** Writes every buffer at `position`; a short write (disk full) is an error. */
export function writeAllAt(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let total = 0;
  for (const b of buffers) total += b.length;
  return new Promise((resolve, reject) =>
    fs.writev(fd, buffers, position, (err, written) => {
      if (err) reject(err);
      else if (written !== total) reject(new Error(`short write: ${written} of ${total} bytes`));
      else resolve();
    }),
  );
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function ftruncate(fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, length, (err) => (err ? reject(err) : resolve())));
}

/** Reads exactly `length` bytes at `position` into a new buffer (fewer means the file shrank). */
export function readExact(fd: number, position: number, length: number, path: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (): void =>
      fs.read(fd, buf, done, length - done, position + done, (err, n) => {
        if (err) return reject(err);
        if (n === 0) return reject(new Error(`${path}: unexpected end of file at byte ${position + done}`));
        done += n;
        if (done === length) resolve(buf);
        else step();
      });
    step();
  });
}

/**
 * fsync of a directory makes a created, renamed or deleted entry in it durable (without it a
 * power loss can forget a new segment file or a checkpoint rename even after the data fsync).
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = await openFile(dir, 'r');
  try {
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  } finally {
    await closeFile(fd);
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `path` atomically: write a temp file, fsync it, rename over, fsync the directory. */
export async function writeFileAtomic(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = await openFile(tmp, 'w');
  try {
    await writeAllAt(fd, [data], 0);
    await fdatasync(fd);
  } finally {
    await closeFile(fd);
  }
  await fs.promises.rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** The synchronous twin, for rare setup-time metadata (topic specs). */
export function writeFileAtomicSync(path: string, data: Buffer | string): void {
  const tmp = `${path}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
  fsyncDirSync(dirname(path));
}

/** Adds the file name to an fs error message so it says which file failed. */
export function withPath(err: unknown, what: string): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if (!e.message.includes(what)) e.message = `${what}: ${e.message}`;
  return e;
}
