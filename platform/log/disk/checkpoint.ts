import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * A consumer group's checkpoint for one task: the next offset per topic and the stage's state
 * snapshot, in one file replaced atomically (write, fsync, rename, fsync the directory), so
 * offsets and state always agree.
 *   u32 JSON length · JSON {offsets} · u32 CRC32 of everything before and after · state bytes
 */
export interface Checkpoint {
  offsets: Record<string, number>;
  state: Buffer | null;
}

export function writeCheckpoint(path: string, cp: Checkpoint): void {
  const json = Buffer.from(JSON.stringify({ offsets: cp.offsets, hasState: cp.state !== null }));
  const state = cp.state ?? Buffer.alloc(0);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(json.length);
  const crc = Buffer.allocUnsafe(4);
  crc.writeUInt32LE(crc32(state, crc32(json)));
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [head, json, crc, state]) {
      let n = 0;
      while (n < part.length) n += writeSync(fd, part, n, part.length - n);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export function readCheckpoint(path: string): Checkpoint | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const jsonLen = buf.readUInt32LE(0);
  const json = buf.subarray(4, 4 + jsonLen);
  const crc = buf.readUInt32LE(4 + jsonLen);
  const state = buf.subarray(8 + jsonLen);
  if (crc32(state, crc32(json)) !== crc) throw new Error(`checkpoint ${path} is corrupt (CRC mismatch)`);
  const parsed = JSON.parse(json.toString()) as { offsets: Record<string, number>; hasState: boolean };
  return { offsets: parsed.offsets, state: parsed.hasState ? Buffer.from(state) : null };
}
