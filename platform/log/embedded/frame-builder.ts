import { FRAME_TARGET_BYTES, HEADER_BYTES, RECORD_OVERHEAD } from './frame.ts';

/** Records encoded into a frame buffer, header still blank: offsets are assigned at flush. */
export interface PendingFrame {
  buf: Buffer;
  length: number;
  count: number;
  maxTimestamp: number;
}

const MIN_CAPACITY = 16 * 1024;

/**
 * The produce buffer of one partition: records are encoded straight into the bytes that will be
 * written (no per-record objects kept), and frames are cut at FRAME_TARGET_BYTES. A flush takes
 * the frames and the builder starts over.
 */
export class FrameBuilder {
  private buf: Buffer = Buffer.allocUnsafe(0);
  private pos = HEADER_BYTES;
  private count = 0;
  private maxTimestamp = -Infinity;
  private full: PendingFrame[] = [];
  /** size of the last frame taken, to size the next buffer right the first time */
  private lastLength = MIN_CAPACITY;
  /** set while this builder sits in the log's list of partitions to flush */
  queued = false;

  get isEmpty(): boolean {
    return this.count === 0 && this.full.length === 0;
  }

  append(timestamp: number, key: Buffer, keyLength: number, value: Uint8Array): void {
    const need = RECORD_OVERHEAD + keyLength + value.length;
    if (this.pos + need > this.buf.length) this.makeRoom(need);
    const buf = this.buf;
    let p = this.pos;
    buf.writeDoubleLE(timestamp, p);
    buf.writeUInt16LE(keyLength, p + 8);
    buf.writeUInt32LE(value.length, p + 10);
    p += RECORD_OVERHEAD;
    key.copy(buf, p, 0, keyLength);
    p += keyLength;
    buf.set(value, p);
    this.pos = p + value.length;
    this.count++;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }

  /** Hands over every frame built so far (oldest first) and starts empty. */
  take(): PendingFrame[] {
    const frames = this.full;
    if (this.count > 0) {
      frames.push({ buf: this.buf, length: this.pos, count: this.count, maxTimestamp: this.maxTimestamp });
      this.lastLength = this.pos;
    }
    this.full = [];
    this.buf = Buffer.allocUnsafe(0);
    this.pos = HEADER_BYTES;
    this.count = 0;
    this.maxTimestamp = -Infinity;
    return frames;
  }

  private makeRoom(need: number): void {
    if (this.count > 0 && this.pos + need > FRAME_TARGET_BYTES) {
      // cut the frame here; the record starts the next one
      this.full.push({ buf: this.buf, length: this.pos, count: this.count, maxTimestamp: this.maxTimestamp });
      this.buf = Buffer.allocUnsafe(0);
      this.pos = HEADER_BYTES;
      this.count = 0;
      this.maxTimestamp = -Infinity;
    }
    let capacity = Math.max(this.buf.length * 2, this.lastLength + (this.lastLength >> 2), MIN_CAPACITY);
    capacity = Math.max(Math.min(capacity, FRAME_TARGET_BYTES), this.pos + need);
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool, since the frame
    // may be kept by readers after it is written
    const next = Buffer.allocUnsafeSlow(capacity);
    if (this.pos > HEADER_BYTES) this.buf.copy(next, HEADER_BYTES, HEADER_BYTES, this.pos);
    this.buf = next;
  }
}
