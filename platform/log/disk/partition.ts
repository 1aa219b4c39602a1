import {
  closeSync,
  fdatasync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { checkFrame, encodeFrame, forEachRecord, HEADER_BYTES, type PendingRecord } from './frame.ts';
import type { LogRecord } from '../types.ts';

/** One segment file: frames from `base` on; a sparse index of its frames (one per flush). */
interface Segment {
  base: number;
  path: string;
  fd: number;
  size: number;
  /** next offset after this segment's records */
  end: number;
  /** first offset of each frame and its byte position */
  frameOffsets: number[];
  framePositions: number[];
  /** newest record timestamp, for retention by age */
  lastTimestamp: number;
}

export interface RecoveryReport {
  truncatedBytes: number;
  file: string | null;
}

const SEGMENT_NAME = /^(\d{20})\.seg$/;
const segmentName = (base: number) => `${String(base).padStart(20, '0')}.seg`;

/**
 * One partition of a topic: an append-only sequence of segment files. Appends go to the last
 * segment; readers only ever see offsets below `durableEnd`, which moves after fdatasync.
 */
export class Partition {
  private readonly segments: Segment[] = [];
  /** next offset to assign */
  private nextOffset = 0;
  /** offsets below this are on disk and fsynced */
  durableEnd = 0;
  private pending: PendingRecord[] = [];

  private constructor(
    readonly topic: string,
    readonly index: number,
    private readonly dir: string,
    private readonly segmentBytes: number,
  ) {}

  /** Opens (or creates) the partition, cutting a torn tail off the last segment. */
  static open(
    topic: string,
    index: number,
    dir: string,
    segmentBytes: number,
  ): { partition: Partition; recovery: RecoveryReport } {
    const p = new Partition(topic, index, dir, segmentBytes);
    const names = readdirSync(dir)
      .filter((n) => SEGMENT_NAME.test(n))
      .sort();
    const recovery: RecoveryReport = { truncatedBytes: 0, file: null };
    names.forEach((name, i) => {
      const seg = p.scan(join(dir, name), Number(SEGMENT_NAME.exec(name)![1]), i === names.length - 1, recovery);
      p.segments.push(seg);
    });
    if (p.segments.length === 0) p.roll();
    p.nextOffset = p.segments[p.segments.length - 1]!.end;
    p.durableEnd = p.nextOffset;
    return { partition: p, recovery };
  }

  /** Reads a segment's frames; a bad frame in the last segment is a torn write and is cut off. */
  private scan(path: string, base: number, isLast: boolean, recovery: RecoveryReport): Segment {
    const fd = openSync(path, 'r+');
    const data = readFileSync(path);
    const seg: Segment = { base, path, fd, size: 0, end: base, frameOffsets: [], framePositions: [], lastTimestamp: 0 };
    let pos = 0;
    while (pos < data.length) {
      const frame = checkFrame(data, pos);
      if (!frame) break;
      seg.frameOffsets.push(frame.baseOffset);
      seg.framePositions.push(pos);
      forEachRecord(data, pos, frame, (_o, ts) => {
        if (ts > seg.lastTimestamp) seg.lastTimestamp = ts;
      });
      seg.end = frame.baseOffset + frame.count;
      pos += frame.length;
    }
    if (pos < data.length) {
      if (!isLast) {
        closeSync(fd);
        throw new Error(
          `log segment ${path} is corrupt at byte ${pos} of ${data.length} (not the last segment, so not a torn write)`,
        );
      }
      ftruncateSync(fd, pos);
      recovery.truncatedBytes = data.length - pos;
      recovery.file = path;
    }
    seg.size = pos;
    return seg;
  }

  get startOffset(): number {
    return this.segments[0]!.base;
  }

  get endOffset(): number {
    return this.nextOffset;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /** Queues a record for the next flush and returns its offset. */
  enqueue(record: PendingRecord): number {
    this.pending.push(record);
    return this.nextOffset + this.pending.length - 1;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Writes the pending records as one frame (to the page cache); returns the fd to fsync. */
  writePending(): number | null {
    if (this.pending.length === 0) return null;
    let seg = this.segments[this.segments.length - 1]!;
    if (seg.size >= this.segmentBytes) seg = this.roll();
    const frame = encodeFrame(this.nextOffset, this.pending);
    let written = 0;
    while (written < frame.length)
      written += writeSync(seg.fd, frame, written, frame.length - written, seg.size + written);
    seg.frameOffsets.push(this.nextOffset);
    seg.framePositions.push(seg.size);
    seg.size += frame.length;
    for (const r of this.pending) if (r.timestamp > seg.lastTimestamp) seg.lastTimestamp = r.timestamp;
    this.nextOffset += this.pending.length;
    seg.end = this.nextOffset;
    this.pending = [];
    return seg.fd;
  }

  /** After fdatasync: everything written so far becomes visible to readers. */
  markDurable(): void {
    this.durableEnd = this.nextOffset;
  }

  private roll(): Segment {
    const base = this.nextOffset;
    const path = join(this.dir, segmentName(base));
    const fd = openSync(path, 'a+');
    const seg: Segment = { base, path, fd, size: 0, end: base, frameOffsets: [], framePositions: [], lastTimestamp: 0 };
    this.segments.push(seg);
    return seg;
  }

  /**
   * Reads durable records from `offset` on, at most about `maxBytes` (always at least one frame).
   * A fresh buffer per read: returned values are views into it.
   */
  read(offset: number, maxRecords: number, maxBytes = 4 * 1024 * 1024): LogRecord[] {
    const out: LogRecord[] = [];
    if (offset >= this.durableEnd) return out;
    let si = this.segmentIndexOf(offset);
    while (si < this.segments.length && out.length < maxRecords) {
      const seg = this.segments[si]!;
      let fi = upperBound(seg.frameOffsets, offset) - 1;
      if (fi < 0) fi = 0;
      if (fi >= seg.frameOffsets.length) {
        si++;
        continue;
      }
      const from = seg.framePositions[fi]!;
      const to = Math.min(seg.size, from + maxBytes);
      let buf = Buffer.allocUnsafe(to - from);
      let len = readSync(seg.fd, buf, 0, buf.length, from);
      let pos = 0;
      let first = true;
      while (pos < len && out.length < maxRecords) {
        let frame = checkFrame(buf, pos, len);
        if (!frame && first) {
          // a single frame bigger than maxBytes: read exactly it
          const whole = Buffer.allocUnsafe(HEADER_BYTES);
          readSync(seg.fd, whole, 0, HEADER_BYTES, from + pos);
          buf = Buffer.allocUnsafe(HEADER_BYTES + whole.readUInt32LE(4));
          len = readSync(seg.fd, buf, 0, buf.length, from + pos);
          pos = 0;
          frame = checkFrame(buf, 0, len);
        }
        if (!frame) break;
        first = false;
        if (frame.baseOffset >= this.durableEnd) return out;
        forEachRecord(buf, pos, frame, (o, timestamp, key, value) => {
          if (o >= offset && o < this.durableEnd && out.length < maxRecords) {
            out.push({ topic: this.topic, partition: this.index, offset: o, key, value, timestamp });
          }
        });
        pos += frame.length;
      }
      if (out.length > 0) return out;
      si++;
    }
    return out;
  }

  private segmentIndexOf(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Deletes whole old segments (never the active one) beyond the size or age limit. */
  applyRetention(retentionBytes: number, retentionMs: number, now: number): number {
    let deleted = 0;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const tooBig = this.sizeBytes > retentionBytes;
      const tooOld = oldest.lastTimestamp < now - retentionMs;
      if (!tooBig && !tooOld) break;
      closeSync(oldest.fd);
      unlinkSync(oldest.path);
      this.segments.shift();
      deleted++;
    }
    return deleted;
  }

  fsync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    for (const s of this.segments) closeSync(s.fd);
    this.segments.length = 0;
  }
}

/** First index whose value is > x. */
function upperBound(values: number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
