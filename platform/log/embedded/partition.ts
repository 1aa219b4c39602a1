import { mkdirSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { PendingFrame } from './frame-builder.ts';
import { sealFrame } from './frame.ts';
import { closeFile, fdatasync, fsyncDir, fsyncDirSync, ftruncate, openFile, withPath, writeAllAt } from './fs-io.ts';
import { listSegments, scanSegment, segmentPath, type Segment } from './segment.ts';

/** Something waiting for durable appends to a partition (a consumer task). */
export interface AppendListener {
  wake(): void;
}

/**
 * The files of one topic-partition: its segments, the durable end offset, appends (write, then
 * fdatasync, then publish), roll-over, recovery on open and segment deletion for retention.
 * Appends are serialized by the log's flusher: at most one append runs per partition at a time.
 */
export class PartitionStore {
  readonly name: string;
  /** oldest first; the last one is the active segment appends go to */
  readonly segments: Segment[] = [];
  /** the next offset to be assigned = durable end */
  end = 0;
  /** total durable bytes over all segments */
  bytes = 0;
  private fd = -1;
  private listeners: AppendListener[] = [];
  /** set after an fsync failure: the page cache may have dropped data, so no more appends */
  private failure: Error | null = null;

  /** why this partition takes no more appends (see `failure`), or null */
  get failed(): Error | null {
    return this.failure;
  }
  /** the active segment is past retention by age: the next append starts a new one (so it can go) */
  private rollSoon = false;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
  ) {
    this.name = `${topic}/${partition}`;
  }

  get logStart(): number {
    return this.segments[0]!.base;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /**
   * Opens (creating if needed) the partition directory. Closed segments are taken as they are
   * (they were fsynced before the next one was created); the last segment is scanned frame by
   * frame and a torn tail is truncated away and logged with the bytes dropped.
   */
  static async open(topic: string, partition: number, dir: string, logger: Logger): Promise<PartitionStore> {
    const store = new PartitionStore(topic, partition, dir);
    // (a directory made here, also when reopening after a crash that came before it, is synced
    // into its parent: without that its entry may not survive a power loss)
    const made = mkdirSync(dir, { recursive: true });
    if (made !== undefined) {
      fsyncDirSync(dirname(made));
      if (made !== dir) fsyncDirSync(dirname(dir));
    }
    let bases = listSegments(dir);
    if (bases.length === 0) {
      await openFile(segmentPath(dir, 0), 'wx').then(closeFile);
      fsyncDirSync(dir);
      bases = [0];
    }
    for (let i = 0; i < bases.length - 1; i++) {
      const base = bases[i]!;
      const path = segmentPath(dir, base);
      const size = statSync(path).size;
      store.segments.push({ base, path, size, end: bases[i + 1]!, maxTimestamp: null });
      store.bytes += size;
    }
    const base = bases[bases.length - 1]!;
    const path = segmentPath(dir, base);
    const fileSize = statSync(path).size;
    const scan = await scanSegment(path, base, fileSize);
    store.fd = await openFile(path, 'r+');
    if (scan.validBytes < fileSize) {
      if (scan.problem?.startsWith('frame base offset')) {
        // a whole, CRC-valid frame at the wrong offset is no torn write: refuse, don't truncate
        await closeFile(store.fd);
        throw new Error(`${path}: at byte ${scan.validBytes}: ${scan.problem}; the segment is out of place`);
      }
      await ftruncate(store.fd, scan.validBytes);
      await fdatasync(store.fd);
      logger.warn(
        {
          topic,
          partition,
          file: path,
          droppedBytes: fileSize - scan.validBytes,
          keptBytes: scan.validBytes,
          reason: scan.problem,
        },
        'log recovery: truncated a torn or corrupt tail',
      );
    }
    store.segments.push({ base, path, size: scan.validBytes, end: scan.end, maxTimestamp: scan.maxTimestamp });
    store.bytes += scan.validBytes;
    store.end = scan.end;
    return store;
  }

  addListener(l: AppendListener): void {
    this.listeners.push(l);
  }

  removeListener(l: AppendListener): void {
    const i = this.listeners.indexOf(l);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** The segment holding `offset`, or undefined when it is below the log start. */
  segmentFor(offset: number): Segment | undefined {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    if (hi < 0 || offset < segs[0]!.base) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return segs[lo];
  }

  /** The segment after `seg`, or undefined when seg is the active one (or was deleted). */
  nextSegment(seg: Segment): Segment | undefined {
    const i = this.segments.indexOf(seg);
    return i >= 0 ? this.segments[i + 1] : this.segmentFor(seg.end);
  }

  /**
   * Seals the frames with their offsets, writes them at the end of the active segment (rolling
   * to a new one first when it would pass segmentBytes), fdatasyncs, and only then moves the
   * durable end and wakes the readers. Returns whether a segment was rolled.
   */
  async append(frames: PendingFrame[], segmentBytes: number): Promise<boolean> {
    if (this.failure) throw this.failure;
    let total = 0;
    let count = 0;
    let maxTimestamp = -Infinity;
    const bufs: Buffer[] = new Array(frames.length);
    let offset = this.end;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      bufs[i] = sealFrame(f.buf, f.length, offset, f.count, f.maxTimestamp);
      offset += f.count;
      count += f.count;
      total += f.length;
      if (f.maxTimestamp > maxTimestamp) maxTimestamp = f.maxTimestamp;
    }
    let rolled = false;
    if (this.active.size > 0 && (this.rollSoon || this.active.size + total > segmentBytes)) {
      await this.roll();
      rolled = true;
    }
    const seg = this.active;
    try {
      await writeAllAt(this.fd, bufs, seg.size);
    } catch (err) {
      // drop whatever part of the frames reached the file, so the next append starts clean; synced,
      // or a crash could leave the part behind in a segment that is closed (and not checked) by then
      try {
        await ftruncate(this.fd, seg.size);
        await fdatasync(this.fd);
      } catch (truncErr) {
        this.failure = withPath(truncErr, `${seg.path}: cannot truncate after a failed write`);
      }
      throw withPath(err, `append to ${this.name} (${seg.path})`);
    }
    try {
      await fdatasync(this.fd);
      if (rolled) await fsyncDir(this.dir);
    } catch (err) {
      // the frames are in the file (the page cache) though their produce fails: cut off (best
      // effort), or recovery would keep them and the producer's retry would store them twice
      await ftruncate(this.fd, seg.size)
        .then(() => fdatasync(this.fd))
        .catch(() => undefined);
      this.failure = withPath(err, `fdatasync of ${seg.path} failed; reopen the log to recover`);
      throw this.failure;
    }
    seg.size += total;
    seg.end += count;
    if (seg.maxTimestamp === null || maxTimestamp > seg.maxTimestamp) seg.maxTimestamp = maxTimestamp;
    this.end += count;
    this.bytes += total;
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!.wake();
    return rolled;
  }

  /** Starts a new active segment at the durable end. The old one was fsynced by earlier appends. */
  private async roll(): Promise<void> {
    const base = this.end;
    const path = segmentPath(this.dir, base);
    const fd = await openFile(path, 'wx').catch((err: unknown) => {
      throw withPath(err, `create segment ${path}`);
    });
    const old = this.fd;
    this.fd = fd;
    this.rollSoon = false;
    this.segments.push({ base, path, size: 0, end: base, maxTimestamp: null });
    await closeFile(old);
  }

  /**
   * Deletes the oldest closed segments while the partition is bigger than retentionBytes or the
   * oldest segment's newest record is older than retentionMs. The active segment always stays.
   * Returns the number of segments deleted.
   */
  async applyRetention(retentionMs: number, retentionBytes: number, now: number, logger: Logger): Promise<number> {
    let deleted = 0;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      let reason: string | null = null;
      if (this.bytes > retentionBytes)
        reason = `partition holds ${this.bytes} bytes > retentionBytes ${retentionBytes}`;
      else {
        if (oldest.maxTimestamp === null) {
          const scan = await scanSegment(oldest.path, oldest.base, oldest.size);
          if (scan.problem) throw new Error(`${oldest.path}: ${scan.problem} (found by the retention scan)`);
          oldest.maxTimestamp = scan.maxTimestamp ?? -Infinity;
        }
        if (now - oldest.maxTimestamp > retentionMs) {
          reason = `newest record is ${now - oldest.maxTimestamp} ms old > retentionMs ${retentionMs}`;
        }
      }
      if (reason === null) break;
      // the log start moves first, so no new reader picks this segment; readers that hold it
      // open keep their descriptor (unlinked files stay readable) and then skip ahead
      this.segments.shift();
      this.bytes -= oldest.size;
      deleted++;
      await unlink(oldest.path).catch((err: unknown) => {
        throw withPath(err, `delete segment ${oldest.path}`);
      });
      logger.info(
        { topic: this.topic, partition: this.partition, file: oldest.path, bytes: oldest.size, reason },
        'log retention: deleted segment',
      );
    }
    if (deleted > 0) await fsyncDir(this.dir);
    // a quiet partition may never fill its active segment: once all of it is past retention,
    // roll at the next append so that a later pass can delete it (Kafka's segment.ms, in effect)
    const active = this.active;
    if (active.size > 0 && active.maxTimestamp !== null && now - active.maxTimestamp > retentionMs)
      this.rollSoon = true;
    return deleted;
  }

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = -1;
    this.listeners = [];
    if (fd >= 0) await closeFile(fd);
  }
}
