import type { Sample } from '../../schemas/index.ts';

export type RecordingFormat = 'csv' | 'json' | 'fit' | 'tcx' | 'rr';

/**
 * One moment of a recording: a Sample without the identity a file does not carry; `ts` is ms
 * since the epoch, or ms since the start for relative formats; `rr` holds the RR intervals (ms)
 * that ended at (or were reported with) this moment.
 */
export type RecordingSample = Omit<Sample, 'userId' | 'deviceId' | 'receivedAt'>;

/** What the recording device itself reported (FIT session messages). */
export interface RecordingSummary {
  avgHr?: number;
  maxHr?: number;
  timerSec?: number;
}

export interface Recording {
  format: RecordingFormat;
  /** Sorted by ts, one sample per ts. */
  samples: RecordingSample[];
  summary?: RecordingSummary;
  /** Samples merged into an earlier sample with the same ts (RR appended, missing values filled). */
  duplicates: number;
  /** Heart rates outside 20–250 bpm, imported as bpm: null. */
  rejected: number;
  /** RR intervals outside 200–3000 ms (RR_RANGE_MS), dropped. */
  rejectedRr: number;
}
