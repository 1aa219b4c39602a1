import { CHANNEL_RANGES, RR_RANGE_MS } from '../../schemas/index.ts';
import { RecordingError } from './errors.ts';
import type { Recording, RecordingFormat, RecordingSample, RecordingSummary } from './types.ts';

const MIN_BPM = 20;
const MAX_BPM = 250;
/** 2100-01-01: a later time is not a recording's (and beyond 2^53 ms, window arithmetic stops) */
const MAX_TS = 4_102_444_800_000;
/** 1973-03-03 in ms: a smaller ts is ms since the start (relative formats) or seconds since the epoch */
const MIN_EPOCH_MS = 1e11;
/**
 * 2001-09-09 in seconds: from here up to MIN_EPOCH_MS a ts is seconds since the epoch, as ms it
 * would be 11.6 days to 3 years after a start or a time in 1970–1973, neither a recording's
 */
const MIN_EPOCH_S = 1e9;
/** No RR interval of a human heart is this short in ms (6000 bpm); in seconds every one is. */
const MAX_RR_SECONDS = 10;
const CHANNELS = ['cadence', 'power', 'speed', 'steps'] as const;

export type SampleInput = Partial<Omit<RecordingSample, 'ts'>> & { ts: number };

/** ms since epoch as ISO text, small values (relative formats) as ms. */
function describeTime(ts: number): string {
  return ts >= MIN_EPOCH_MS ? new Date(ts).toISOString() : `${ts} ms`;
}

/**
 * Merges a later sample of the same ts into `kept`, in place (a run of them costs its length, not
 * its square): the RR intervals of both (a file stamped to the second writes two beats in one
 * second as two rows, each with its own beat) and `kept`'s values, any missing one taken from `dup`.
 */
function mergeInto(kept: RecordingSample, dup: RecordingSample): void {
  kept.bpm ??= dup.bpm;
  for (const rr of dup.rr) kept.rr.push(rr);
  kept.cadence ??= dup.cadence;
  kept.power ??= dup.power;
  kept.speed ??= dup.speed;
  kept.steps ??= dup.steps;
}

/**
 * Turns a reader's samples, in file order, into a Recording: refuses times in seconds since the
 * epoch and time going backwards, merges samples sharing a ts into the first (`merge`), and
 * imports heart rates outside MIN_BPM–MAX_BPM as missing.
 */
export class SampleCollector {
  private readonly samples: RecordingSample[] = [];
  private duplicates = 0;
  private rejected = 0;

  /** `where` names the sample's place in the file for error messages, e.g. "line 12". */
  add(input: SampleInput, where: string): void {
    if (!(input.ts >= 0 && input.ts < MAX_TS)) {
      throw new RecordingError(`${where}: time ${input.ts} is not one of a recording (0 up to 2100-01-01 in ms)`);
    }
    if (input.ts >= MIN_EPOCH_S && input.ts < MIN_EPOCH_MS) {
      throw new RecordingError(`${where}: time ${input.ts} looks like seconds since the epoch; milliseconds expected`);
    }
    for (const c of CHANNELS) {
      const v = input[c];
      const [least, most] = CHANNEL_RANGES[c];
      if (v !== null && v !== undefined && !(v >= least && v <= most)) {
        throw new RecordingError(`${where}: ${c} ${v} is outside ${least}–${most}`);
      }
    }
    const last = this.samples.at(-1);
    if (last !== undefined && input.ts < last.ts) {
      throw new RecordingError(
        `${where}: time goes backwards (${describeTime(input.ts)} after ${describeTime(last.ts)})`,
      );
    }
    let bpm = input.bpm ?? null;
    if (bpm !== null && (bpm < MIN_BPM || bpm > MAX_BPM)) {
      this.rejected += 1;
      bpm = null;
    }
    const sample: RecordingSample = {
      ts: input.ts,
      bpm,
      // (its own array: a later sample of the same ts appends to it)
      rr: input.rr === undefined ? [] : [...input.rr],
      cadence: input.cadence ?? null,
      power: input.power ?? null,
      speed: input.speed ?? null,
      steps: input.steps ?? null,
    };
    if (last !== undefined && input.ts === last.ts) {
      this.duplicates += 1;
      mergeInto(last, sample);
    } else {
      this.samples.push(sample);
    }
  }

  /**
   * Refuses RR intervals that are all in seconds (refusing is clearer than guessing the unit),
   * drops (and counts) the others outside RR_RANGE_MS, what a live sample may carry (as a heart
   * rate out of range, a beat of 60 s is the device's error, and HRV without artefact rejection
   * would average it in), and refuses a recording left with no heart rate and no RR interval:
   * analysing it would give nothing but empty features.
   */
  finish(format: RecordingFormat, summary?: RecordingSummary): Recording {
    const rrCount = this.samples.reduce((n, s) => n + s.rr.length, 0);
    if (rrCount > 0 && this.samples.every((s) => s.rr.every((rr) => rr < MAX_RR_SECONDS))) {
      throw new RecordingError(`RR intervals look like seconds (all below ${MAX_RR_SECONDS}); milliseconds expected`);
    }
    const [least, most] = RR_RANGE_MS;
    const isBeat = (rr: number) => rr >= least && rr <= most;
    let rejectedRr = 0;
    for (const s of this.samples) {
      if (s.rr.every(isBeat)) continue;
      const beats = s.rr.filter(isBeat);
      rejectedRr += s.rr.length - beats.length;
      s.rr = beats;
    }
    if (!this.samples.some((s) => s.bpm !== null || s.rr.length > 0)) {
      const why = [
        this.rejected > 0 ? `every heart rate (${this.rejected}) was outside ${MIN_BPM}–${MAX_BPM} bpm` : '',
        rrCount > 0 ? `no RR interval (of ${rrCount}) was within ${least}–${most} ms` : '',
      ].filter((reason) => reason !== '');
      const what = this.samples.length === 0 ? 'no samples' : 'no heart-rate data';
      throw new RecordingError(
        `${what} in this ${format.toUpperCase()} file${why.length > 0 ? `: ${why.join(' and ')}` : ''}`,
      );
    }
    const recording: Recording = {
      format,
      samples: this.samples,
      duplicates: this.duplicates,
      rejected: this.rejected,
      rejectedRr,
    };
    return summary === undefined ? recording : { ...recording, summary };
  }
}
