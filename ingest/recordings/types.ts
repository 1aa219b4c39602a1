export type RecordingFormat = 'csv' | 'json' | 'fit' | 'tcx' | 'rr';

/** One moment of a recording; `ts` is ms since epoch, or ms since start for relative formats. */
export interface RecordingSample {
  ts: number;
  bpm: number | null;
  /** RR intervals in ms that ended at (or were reported with) this sample. */
  rr: number[];
  cadence: number | null;
  /** Watts. */
  power: number | null;
  /** Metres per second. */
  speed: number | null;
  steps: number | null;
}

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
  /** Samples dropped because an earlier sample had the same ts. */
  duplicates: number;
  /** Heart rates outside 20–250 bpm, imported as bpm: null. */
  rejected: number;
}
