import { crc32 } from 'node:zlib';

/**
 * The on-disk frame: one frame holds the records of one partition written by one flush, so a
 * flush costs one write per partition and one CRC per frame, not per record.
 *
 *   0  u16  magic 0x5043 ('PC')
 *   2  u8   format version (1)
 *   3  u8   reserved, 0
 *   4  u32  frame length in bytes, header included
 *   8  u32  CRC32 of bytes [12, length): everything after the CRC
 *  12  u32  base offset, high part  } offsets are dense per partition and stay below 2^53
 *  16  u32  base offset, low 32 bits }
 *  20  u32  record count
 *  24  f64  newest record timestamp in the frame (retention by age needs no record scan)
 *  32  records, each: f64 timestamp, u16 key length, u32 value length, key (utf8), value
 *
 * Little-endian throughout. A torn write shows up as a short frame, a length that runs past the
 * end of the file, or a CRC mismatch; recovery truncates the tail at the first such frame.
 */
export const MAGIC = 0x5043;
export const VERSION = 1;
export const HEADER_BYTES = 32;
export const RECORD_OVERHEAD = 14;
export const MAX_KEY_BYTES = 0xffff;
/** Frames are cut at about this size so that readers work in bounded chunks. */
export const FRAME_TARGET_BYTES = 1024 * 1024;
/** A frame may be bigger only when one record is; this is the sanity bound on a length field. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

const TWO_32 = 2 ** 32;

/** Fills the header of a frame whose records occupy [HEADER_BYTES, length) and returns the frame. */
export function sealFrame(
  buf: Buffer,
  length: number,
  baseOffset: number,
  count: number,
  maxTimestamp: number,
): Buffer {
  buf.writeUInt16LE(MAGIC, 0);
  buf[2] = VERSION;
  buf[3] = 0;
  buf.writeUInt32LE(length, 4);
  buf.writeUInt32LE(Math.floor(baseOffset / TWO_32), 12);
  buf.writeUInt32LE(baseOffset % TWO_32, 16);
  buf.writeUInt32LE(count, 20);
  buf.writeDoubleLE(maxTimestamp, 24);
  const frame = buf.subarray(0, length);
  frame.writeUInt32LE(crc32(frame.subarray(12)), 8);
  return frame;
}

export function frameLength(buf: Buffer, pos: number): number {
  return buf.readUInt32LE(pos + 4);
}
export function frameBaseOffset(buf: Buffer, pos: number): number {
  return buf.readUInt32LE(pos + 12) * TWO_32 + buf.readUInt32LE(pos + 16);
}
export function frameCount(buf: Buffer, pos: number): number {
  return buf.readUInt32LE(pos + 20);
}
export function frameMaxTimestamp(buf: Buffer, pos: number): number {
  return buf.readDoubleLE(pos + 24);
}

/**
 * Checks the frame starting at `pos` in buf[pos, end). Returns null when it is whole and valid,
 * 'incomplete' when more bytes are needed (at the end of a file: a torn tail), or why it is bad.
 */
export function checkFrame(buf: Buffer, pos: number, end: number): null | 'incomplete' | string {
  if (end - pos < HEADER_BYTES) return 'incomplete';
  if (buf.readUInt16LE(pos) !== MAGIC) return 'bad magic';
  if (buf[pos + 2] !== VERSION) return `unknown format version ${buf[pos + 2]}`;
  const length = buf.readUInt32LE(pos + 4);
  if (length < HEADER_BYTES || length > MAX_FRAME_BYTES) return `bad frame length ${length}`;
  if (end - pos < length) return 'incomplete';
  const expected = buf.readUInt32LE(pos + 8);
  if (crc32(buf.subarray(pos + 12, pos + length)) !== expected) return 'CRC mismatch';
  return null;
}
