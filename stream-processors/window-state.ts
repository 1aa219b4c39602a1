/**
 * Per-user windowing state, kept compact because it exists for every active user.
 * `watermark` is this user's event-time watermark: max ts seen − allowed out-of-orderness,
 * or the end of windows closed early because the user went idle.
 */
export interface OpenWindow {
  start: number;
  count: number;
  bpmCount: number;
  bpmSum: number;
  bpmMin: number;
  bpmMax: number;
  /** ts − start of the latest sample with a bpm; −1 before one */
  lastOffset: number;
  lastBpm: number;
  /**
   * ts − start of every sample absorbed, for duplicate detection (same device + ts); small
   * integers, so snapshots encode them in 1–2 bytes each instead of 8.
   */
  seenOffsets: number[];
  /**
   * device hash per entry of seenOffsets; empty while every sample came from `firstDevice` (the
   * common case of one strap per athlete), which saves an array per open window
   */
  seenDevice: number[];
  firstDevice: number;
}

/** Shared by every user with no open window; never mutated (windows are replaced, not pushed). */
export const NO_WINDOWS: OpenWindow[] = [];

export interface UserWindows {
  maxTs: number;
  watermark: number;
  maxHr: number;
  restHr: number;
  windows: OpenWindow[];
}

/** Avro schema of UserWindows, for snapshots (platform/state.ts). */
export const userWindowsSchema = {
  type: 'record',
  name: 'UserWindows',
  fields: [
    { name: 'maxTs', type: 'double' },
    { name: 'watermark', type: 'double' },
    { name: 'maxHr', type: 'int' },
    { name: 'restHr', type: 'int' },
    {
      name: 'windows',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'OpenWindow',
          fields: [
            { name: 'start', type: 'double' },
            { name: 'count', type: 'int' },
            { name: 'bpmCount', type: 'int' },
            { name: 'bpmSum', type: 'double' },
            { name: 'bpmMin', type: 'int' },
            { name: 'bpmMax', type: 'int' },
            { name: 'lastOffset', type: 'int' },
            { name: 'lastBpm', type: 'int' },
            { name: 'seenOffsets', type: { type: 'array', items: 'int' } },
            { name: 'seenDevice', type: { type: 'array', items: 'int' } },
            { name: 'firstDevice', type: 'int', default: 0 },
          ],
        },
      },
    },
  ],
};

export function newUserWindows(): UserWindows {
  return { maxTs: -Infinity, watermark: -Infinity, maxHr: 0, restHr: 0, windows: NO_WINDOWS };
}

export { deviceHash } from './engine/user-stream.ts';
