import type { TaskState } from '../platform/index.ts';
import { userStreamSchemaV2, userStreamSchemaV3, type UserStream } from './engine/user-stream.ts';

/**
 * The processor's snapshot of a task: a version, the task's stream time, then the users' state
 * (TaskState's bytes). Stream time is kept because the idle sweeps run at its boundaries: a
 * restored task must sweep where the task it continues would have.
 */
/**
 * 'P', 'C': no TaskState snapshot of the lean windows begins so (as an Avro array, its second byte
 * would be a string length, a zigzag varint, and 0x43 is a negative one)
 */
const MAGIC = [0x50, 0x43];
/**
 * 4: the users' state has `liveEnd` (how far the held reading's time was counted); 3 did not,
 * and 2 had not the resting-HR minute (`minute`) either
 */
const VERSION = 4;
const EARLIEST = 2;
/** the users' state schema by the versions that wrote another one than today's */
const EARLIER_SCHEMAS: Record<number, Record<string, unknown>> = { 2: userStreamSchemaV2, 3: userStreamSchemaV3 };
const HEADER = 11;

export interface ProcessorCheckpoint {
  version: number;
  streamTime: number;
  users: Buffer | null;
}

/** What goes before the users' state (TaskState.snapshot's prefix). */
export function checkpointHeader(streamTime: number): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = MAGIC[0]!;
  header[1] = MAGIC[1]!;
  header[2] = VERSION;
  header.writeDoubleBE(streamTime, 3);
  return header;
}

/** Why a task's checkpoint cannot be restored (its open windows then start empty). */
export interface UnreadableCheckpoint {
  unreadable: string;
}

/**
 * The checkpoint, or why it cannot be read: bytes of an earlier format (the lean windows'
 * snapshots before version 2, which the window engine's state cannot be rebuilt from), or of a
 * later release's version.
 */
export function decodeProcessorCheckpoint(b: Buffer): ProcessorCheckpoint | UnreadableCheckpoint {
  if (b.length < HEADER || b[0] !== MAGIC[0] || b[1] !== MAGIC[1])
    return { unreadable: 'it is of an earlier format (before the window engine)' };
  const version = b[2]!;
  if (version > VERSION)
    return {
      unreadable: `it is version ${version}, written by a later release (this one reads ${EARLIEST}–${VERSION})`,
    };
  if (version < EARLIEST) return { unreadable: `it is version ${version} (this release reads ${EARLIEST}–${VERSION})` };
  return { version, streamTime: b.readDoubleBE(3), users: b.length > HEADER ? b.subarray(HEADER) : null };
}

/**
 * Puts a task's users back from its checkpoint (null: none yet). A checkpoint that cannot be
 * restored, by its version or because its users' state does not decode, is set aside with the
 * reason: the task's windows then start empty from the checkpoint's offsets, as a task without
 * state would, rather than the task failing its assignment again and again.
 */
export function restoreProcessorCheckpoint(
  state: TaskState<UserStream>,
  task: number,
  snapshot: Buffer | null,
): ProcessorCheckpoint | UnreadableCheckpoint | null {
  const read = snapshot ? decodeProcessorCheckpoint(snapshot) : null;
  if (read === null || 'unreadable' in read) {
    state.restore(task, null);
    return read;
  }
  try {
    state.restore(task, read.users, EARLIER_SCHEMAS[read.version]);
    return read;
  } catch (err) {
    state.restore(task, null);
    return { unreadable: `its users' state does not decode (${(err as Error).message})` };
  }
}
