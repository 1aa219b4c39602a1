import type { Logger } from 'pino';
import type { LogRecord } from '../types.ts';
import { checkFrame, frameBaseOffset, frameCount, frameLength, HEADER_BYTES, RECORD_OVERHEAD } from './frame.ts';
import { closeFile, openFile, readExact, withPath } from './fs-io.ts';
import type { PartitionStore } from './partition.ts';
import type { Segment } from './segment.ts';

/** Bytes read per call: big enough that a catching-up reader makes few syscalls. */
const READ_CHUNK = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * A reading position in one topic-partition. Reads the segment files with positional reads on
 * its own descriptor (the OS page cache serves freshly written data, so this is a memcpy, not
 * disk I/O), keeps the current chunk, and decodes records straight from it: a record's value is
 * a view into the chunk, not a copy. Only bytes up to the durable size are read, so a reader
 * never sees a record before it is fsynced.
 *
 * Positioning at an arbitrary offset walks the frames of its segment from the start (no offset
 * index): that happens once per subscription start, and sequential reading never needs it again.
 */
export class Cursor {
  /** the next offset to hand out */
  offset: number;
  private seg: Segment | undefined;
  private fd = -1;
  private buf: Buffer = EMPTY;
  /** file position of buf[0] */
  private bufFile = 0;
  /** next unread byte of buf: a frame start, or a record start while recLeft > 0 */
  private at = 0;
  private recLeft = 0;
  private recOffset = 0;
  private frameEnd = 0;

  constructor(
    readonly store: PartitionStore,
    offset: number,
    private readonly logger: Logger,
    private readonly group: string,
  ) {
    this.offset = offset;
  }

  /** Appends records from `offset` on to `out` until it holds `max` records or the durable end. */
  async fill(out: LogRecord[], max: number): Promise<void> {
    const store = this.store;
    while (out.length < max && this.offset < store.end) {
      if (this.offset < store.logStart) this.skipToLogStart();
      else if (this.recLeft > 0) this.decode(out, max);
      else if (this.seg === undefined) await this.switchTo(store.segmentFor(this.offset));
      else {
        const problem = checkFrame(this.buf, this.at, this.buf.length);
        if (problem === null) this.enterFrame();
        else if (problem === 'incomplete') await this.readMore(this.seg);
        else throw this.corrupt(problem);
      }
    }
  }

  /** Moves to the log start: retention deleted the records this position pointed at. */
  private skipToLogStart(): void {
    const to = this.store.logStart;
    this.logger.warn(
      { group: this.group, topic: this.store.topic, partition: this.store.partition, from: this.offset, to },
      'consumer position is below the log start (deleted by retention); skipping ahead',
    );
    this.offset = to;
    this.recLeft = 0;
    void this.switchTo(undefined).catch((err: unknown) =>
      this.logger.error({ err, topic: this.store.topic }, 'closing a segment reader failed'),
    );
  }

  private enterFrame(): void {
    const buf = this.buf;
    const at = this.at;
    const base = frameBaseOffset(buf, at);
    const count = frameCount(buf, at);
    const length = frameLength(buf, at);
    if (base > this.offset) throw this.corrupt(`frame base offset ${base}, expected at most ${this.offset}`);
    if (base + count <= this.offset) {
      this.at = at + length; // wholly before the position: skip it
      return;
    }
    this.recOffset = base;
    this.recLeft = count;
    this.frameEnd = at + length;
    this.at = at + HEADER_BYTES;
  }

  /** The hot loop: one LogRecord per record, key decoded, value a view into the chunk. */
  private decode(out: LogRecord[], max: number): void {
    const buf = this.buf;
    const topic = this.store.topic;
    const partition = this.store.partition;
    const from = this.offset;
    let p = this.at;
    let left = this.recLeft;
    let off = this.recOffset;
    while (left > 0 && out.length < max) {
      const keyLength = buf.readUInt16LE(p + 8);
      const valueLength = buf.readUInt32LE(p + 10);
      const keyStart = p + RECORD_OVERHEAD;
      const valueStart = keyStart + keyLength;
      const next = valueStart + valueLength;
      if (off >= from) {
        out.push({
          topic,
          partition,
          offset: off,
          key: buf.toString('utf8', keyStart, valueStart),
          value: buf.subarray(valueStart, next),
          timestamp: buf.readDoubleLE(p),
        });
      }
      off++;
      left--;
      p = next;
    }
    if (left === 0 && p !== this.frameEnd) {
      throw this.corrupt(`records end at byte ${this.bufFile + p}, frame ends at ${this.bufFile + this.frameEnd}`);
    }
    this.at = p;
    this.recLeft = left;
    this.recOffset = off;
    if (off > this.offset) this.offset = off;
  }

  private async readMore(seg: Segment): Promise<void> {
    const filePos = this.bufFile + this.at;
    if (filePos >= seg.size) {
      const next = this.store.nextSegment(seg);
      if (next === undefined) {
        if (this.offset < this.store.logStart) return; // deleted meanwhile: fill() skips ahead
        throw this.corrupt(`end of segment at offset ${this.offset}, but the partition ends at ${this.store.end}`);
      }
      if (seg.end !== this.offset || next.base !== this.offset) {
        throw this.corrupt(`segment ends at offset ${seg.end}, position ${this.offset}, next segment at ${next.base}`);
      }
      await this.switchTo(next);
      return;
    }
    const have = this.buf.length - this.at;
    if (have > 0 && this.bufFile + this.buf.length >= seg.size) {
      throw this.corrupt('frame runs past the durable end of the segment');
    }
    const want = have >= HEADER_BYTES ? Math.max(READ_CHUNK, frameLength(this.buf, this.at)) : READ_CHUNK;
    const length = Math.min(want, seg.size - filePos);
    try {
      this.buf = await readExact(this.fd, filePos, length, seg.path);
    } catch (err) {
      throw withPath(err, `read ${seg.path}`);
    }
    this.bufFile = filePos;
    this.at = 0;
  }

  /** Opens `seg` from its start (undefined: just close). */
  private async switchTo(seg: Segment | undefined): Promise<void> {
    const old = this.fd;
    this.fd = -1;
    this.seg = undefined;
    this.buf = EMPTY;
    this.bufFile = 0;
    this.at = 0;
    this.recLeft = 0;
    if (old >= 0) await closeFile(old);
    if (seg === undefined) return;
    try {
      this.fd = await openFile(seg.path, 'r');
    } catch (err) {
      // retention may delete the segment between the lookup and the open: fill() skips ahead
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && seg.base < this.store.logStart) return;
      throw withPath(err, `open ${seg.path}`);
    }
    this.seg = seg;
  }

  private corrupt(problem: string): Error {
    const where = this.seg ? `${this.seg.path} at byte ${this.bufFile + this.at}` : this.store.name;
    return new Error(`corrupt log data in ${this.store.name} (${where}): ${problem}`);
  }

  /** Drops what was read ahead and continues from `offset` (after a failed read). */
  async seek(offset: number): Promise<void> {
    await this.switchTo(undefined);
    this.offset = offset;
  }

  async close(): Promise<void> {
    await this.switchTo(undefined);
  }
}
