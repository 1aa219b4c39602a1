import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * A consumer task's checkpoint, `<dir>/_groups/<group>/<task>.ckpt`: the next offset per topic
 * AND the task's state snapshot in one file, replaced atomically (fs-io writeFileAtomic), so the
 * state and the offsets it corresponds to can never disagree.
 *
 *   0 u32 magic 'PCK1'   4 u32 CRC32 of bytes [8, end)   8 u32 topic count
 *   per topic: u16 name length, name (utf8), f64 next offset
 *   i32 state length (-1: no state), state bytes
 */
const MAGIC = 0x314b4350; // 'PCK1' little-endian

export interface Checkpoint {
  offsets: Map<string, number>;
  state: Buffer | null;
}

export function encodeCheckpoint(topics: readonly string[], offsets: ArrayLike<number>, state: Buffer | null): Buffer {
  const names = topics.map((t) => Buffer.from(t, 'utf8'));
  let size = 12 + 4 + (state?.length ?? 0);
  for (const n of names) size += 2 + n.length + 8;
  const buf = Buffer.alloc(size);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(names.length, 8);
  let p = 12;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    buf.writeUInt16LE(n.length, p);
    n.copy(buf, p + 2);
    p += 2 + n.length;
    buf.writeDoubleLE(offsets[i]!, p);
    p += 8;
  }
  buf.writeInt32LE(state ? state.length : -1, p);
  p += 4;
  if (state) state.copy(buf, p);
  buf.writeUInt32LE(crc32(buf.subarray(8)), 4);
  return buf;
}

export function decodeCheckpoint(buf: Buffer, path: string): Checkpoint {
  try {
    return decode(buf, path);
  } catch (err) {
    if (err instanceof RangeError) throw new Error(`corrupt checkpoint ${path}: ${err.message}`);
    throw err;
  }
}

function decode(buf: Buffer, path: string): Checkpoint {
  const bad = (why: string) => new Error(`corrupt checkpoint ${path}: ${why}`);
  if (buf.length < 16 || buf.readUInt32LE(0) !== MAGIC) throw bad('bad magic or too short');
  if (crc32(buf.subarray(8)) !== buf.readUInt32LE(4)) throw bad('CRC mismatch');
  const count = buf.readUInt32LE(8);
  const offsets = new Map<string, number>();
  let p = 12;
  for (let i = 0; i < count; i++) {
    const len = buf.readUInt16LE(p);
    const name = buf.toString('utf8', p + 2, p + 2 + len);
    p += 2 + len;
    offsets.set(name, buf.readDoubleLE(p));
    p += 8;
  }
  const stateLength = buf.readInt32LE(p);
  p += 4;
  if (stateLength >= 0 && p + stateLength !== buf.length) throw bad('state length does not match the file size');
  // a copy, so the caller may keep the state without holding the whole file buffer
  const state = stateLength < 0 ? null : Buffer.from(buf.subarray(p, p + stateLength));
  return { offsets, state };
}

/** The task's checkpoint, or null when the group never committed this task. */
export function readCheckpoint(path: string): Checkpoint | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return decodeCheckpoint(buf, path);
}
