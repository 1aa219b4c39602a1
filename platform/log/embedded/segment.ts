import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkFrame, frameBaseOffset, frameCount, frameLength, frameMaxTimestamp } from './frame.ts';
import { closeFile, openFile, readExact } from './fs-io.ts';

/**
 * One segment file of a partition, `<20-digit base offset>.seg`: the base offset is the offset
 * of its first record, so finding the segment of an offset is a binary search over names.
 */
export interface Segment {
  readonly base: number;
  readonly path: string;
  /** durable bytes (fsynced); readers never look past it */
  size: number;
  /** the offset after its last durable record */
  end: number;
  /** newest record timestamp; null while unknown (a closed segment found on open, not yet scanned) */
  maxTimestamp: number | null;
}

const SEGMENT_NAME = /^(\d{20})\.seg$/;

export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}.seg`;
}

/** Segment base offsets found in a partition directory, oldest first. */
export function listSegments(dir: string): number[] {
  const bases: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m) bases.push(Number(m[1]));
  }
  return bases.sort((a, b) => a - b);
}

export function segmentPath(dir: string, base: number): string {
  return join(dir, segmentName(base));
}

export interface ScanResult {
  /** bytes of whole, valid frames from the start of the file */
  validBytes: number;
  /** offset after the last valid record */
  end: number;
  maxTimestamp: number | null;
  /** why the scan stopped before the end of the file, if it did */
  problem: string | null;
}

const SCAN_CHUNK = 4 * 1024 * 1024;

/**
 * Walks the frames of a segment from the start, checking magic, length, CRC and offset
 * continuity, until the end of the file or the first bad frame. Used by recovery (the last
 * segment) and by retention (the newest timestamp of a closed segment).
 */
export async function scanSegment(path: string, base: number, fileSize: number): Promise<ScanResult> {
  const fd = await openFile(path, 'r');
  try {
    let pos = 0;
    let end = base;
    let maxTimestamp: number | null = null;
    let buf: Buffer = Buffer.alloc(0);
    let bufStart = 0;
    while (pos < fileSize) {
      let at = pos - bufStart;
      let problem = checkFrame(buf, at, buf.length);
      if (problem === 'incomplete') {
        const have = buf.length - at;
        const need = have >= 8 ? Math.max(frameLength(buf, at), SCAN_CHUNK) : SCAN_CHUNK;
        const len = Math.min(need, fileSize - pos);
        buf = await readExact(fd, pos, len, path);
        bufStart = pos;
        at = 0;
        problem = checkFrame(buf, at, buf.length);
        // still incomplete with everything up to the end of the file read: a torn tail
        if (problem === 'incomplete') {
          return { validBytes: pos, end, maxTimestamp, problem: `torn frame (${fileSize - pos} bytes at the end)` };
        }
      }
      if (problem !== null) return { validBytes: pos, end, maxTimestamp, problem };
      const frameBase = frameBaseOffset(buf, at);
      if (frameBase !== end) {
        return { validBytes: pos, end, maxTimestamp, problem: `frame base offset ${frameBase}, expected ${end}` };
      }
      end += frameCount(buf, at);
      const ts = frameMaxTimestamp(buf, at);
      if (maxTimestamp === null || ts > maxTimestamp) maxTimestamp = ts;
      pos += frameLength(buf, at);
    }
    return { validBytes: pos, end, maxTimestamp, problem: null };
  } finally {
    await closeFile(fd);
  }
}
