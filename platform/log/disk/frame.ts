import { crc32 } from 'node:zlib';

/**
 * On-disk frame: one flush of one partition. A frame is written whole and checked whole, so a
 * crash mid-write leaves at most one torn frame at the tail, which recovery cuts off.
 *
 *   header (16 B): magic 'PC' (2) · version (1) · reserved (1) · body length u32 · CRC32 of body u32 · record count u32
 *   body:          base offset f64, then per record: timestamp f64 · key length u16 · key utf8 · value length u32 · value
 */
export const HEADER_BYTES = 16;
const MAGIC0 = 0x50;
const MAGIC1 = 0x43;
const VERSION = 1;

export interface PendingRecord {
  key: string;
  value: Buffer;
  timestamp: number;
}

export function encodeFrame(baseOffset: number, records: PendingRecord[]): Buffer {
  let size = HEADER_BYTES + 8;
  for (const r of records) size += 8 + 2 + Buffer.byteLength(r.key) + 4 + r.value.length;
  const buf = Buffer.allocUnsafe(size);
  let pos = HEADER_BYTES;
  buf.writeDoubleLE(baseOffset, pos);
  pos += 8;
  for (const r of records) {
    buf.writeDoubleLE(r.timestamp, pos);
    const keyLen = buf.write(r.key, pos + 10, 'utf8');
    buf.writeUInt16LE(keyLen, pos + 8);
    pos += 10 + keyLen;
    buf.writeUInt32LE(r.value.length, pos);
    r.value.copy(buf, pos + 4);
    pos += 4 + r.value.length;
  }
  buf[0] = MAGIC0;
  buf[1] = MAGIC1;
  buf[2] = VERSION;
  buf[3] = 0;
  buf.writeUInt32LE(size - HEADER_BYTES, 4);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER_BYTES)), 8);
  buf.writeUInt32LE(records.length, 12);
  return buf;
}

export interface FrameInfo {
  /** total bytes including the header */
  length: number;
  baseOffset: number;
  count: number;
}

/**
 * Checks the frame at `pos` of `buf`: null when the bytes there are not a whole, intact frame
 * (too short, wrong magic, length past the end, CRC mismatch).
 */
export function checkFrame(buf: Buffer, pos: number, end = buf.length): FrameInfo | null {
  if (end - pos < HEADER_BYTES + 8) return null;
  if (buf[pos] !== MAGIC0 || buf[pos + 1] !== MAGIC1 || buf[pos + 2] !== VERSION) return null;
  const bodyLen = buf.readUInt32LE(pos + 4);
  if (bodyLen < 8 || pos + HEADER_BYTES + bodyLen > end) return null;
  const body = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + bodyLen);
  if (crc32(body) !== buf.readUInt32LE(pos + 8)) return null;
  return { length: HEADER_BYTES + bodyLen, baseOffset: body.readDoubleLE(0), count: buf.readUInt32LE(pos + 12) };
}

/** Calls `each` for every record of an intact frame at `pos` (see checkFrame). */
export function forEachRecord(
  buf: Buffer,
  pos: number,
  frame: FrameInfo,
  each: (offset: number, timestamp: number, key: string, value: Buffer) => void,
): void {
  let p = pos + HEADER_BYTES + 8;
  for (let i = 0; i < frame.count; i++) {
    const timestamp = buf.readDoubleLE(p);
    const keyLen = buf.readUInt16LE(p + 8);
    const key = buf.toString('utf8', p + 10, p + 10 + keyLen);
    p += 10 + keyLen;
    const valueLen = buf.readUInt32LE(p);
    // a view, not a copy: each read gets a fresh buffer, so records may keep it
    const value = buf.subarray(p + 4, p + 4 + valueLen);
    p += 4 + valueLen;
    each(frame.baseOffset + i, timestamp, key, value);
  }
}
