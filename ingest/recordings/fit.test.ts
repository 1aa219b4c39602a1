import { readFile } from 'node:fs/promises';
import {
  Decoder,
  Encoder,
  Profile,
  Stream,
  type Encodable,
  type FileIdMesg,
  type HrvMesg,
  type RecordMesg,
  type SessionMesg,
} from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { parseRecording, readRecording, RecordingError, type RecordingSample } from './index.ts';

const fixture = (name: string) => new URL(`../../test/fixtures/fit/${name}`, import.meta.url).pathname;

/** Intervals longer than this are pauses (timer stopped): the device leaves them out of its averages. */
const MAX_GAP_MS = 60_000;

/**
 * Time-weighted mean of a field: the trapezoid rule between consecutive samples that both carry it.
 * Devices average their 1 Hz sensor stream over timer time, while "smart recording" writes records
 * unevenly (more often when values change), so a plain mean of the records over-weights those stretches.
 */
function timeWeightedMean(samples: RecordingSample[], pick: (s: RecordingSample) => number | null): number {
  let weight = 0;
  let sum = 0;
  samples.slice(1).forEach((b, i) => {
    const a = samples[i] as RecordingSample;
    const [va, vb, dt] = [pick(a), pick(b), b.ts - a.ts];
    if (va === null || vb === null || dt > MAX_GAP_MS) return;
    weight += dt;
    sum += (dt * (va + vb)) / 2;
  });
  return sum / weight;
}

function values(samples: RecordingSample[], pick: (s: RecordingSample) => number | null): number[] {
  return samples.flatMap((s) => {
    const v = pick(s);
    return v === null ? [] : [v];
  });
}

const bpm = (s: RecordingSample) => s.bpm;
const spanSec = (samples: RecordingSample[]) => ((samples.at(-1)?.ts ?? 0) - (samples[0]?.ts ?? 0)) / 1000;

/*
 * Tolerance for the average: ±1 bpm. The device stores its average as a whole number (up to 1 bpm of
 * rounding) and computes it from every second of timer time, of which the records are a sample.
 * Measured differences are below 0.7 bpm. A plain mean would not do: on the Fenix 5 file it is
 * 84.95 against the device's 90, because the records crowd into the minute's warm-up.
 */
describe('FIT import of real recordings', () => {
  it('Garmin indoor trainer: heart rate and power agree with the session summary', async () => {
    const r = await readRecording(fixture('sample-activity-indoor-trainer.fit'));
    expect(r.format).toBe('fit');
    expect(r.samples).toHaveLength(2263);
    expect(r.summary).toEqual({ avgHr: 148, maxHr: 176, timerSec: 2261.85 });
    expect(timeWeightedMean(r.samples, bpm)).toBeCloseTo(147.76, 2);
    expect(Math.abs(timeWeightedMean(r.samples, bpm) - 148)).toBeLessThanOrEqual(1);
    expect(Math.max(...values(r.samples, bpm))).toBe(176);
    // power: the session says avg 201 W, max 331 W
    expect(values(r.samples, (s) => s.power)).toHaveLength(2222);
    expect(Math.max(...values(r.samples, (s) => s.power))).toBe(331);
    expect(Math.abs(timeWeightedMean(r.samples, (s) => s.power) - 201)).toBeLessThanOrEqual(1);
    expect(Math.abs(spanSec(r.samples) - 2261.85)).toBeLessThanOrEqual(2);
    expect([r.duplicates, r.rejected]).toEqual([0, 0]);
  });

  it('Garmin Fenix 5: RR intervals from HRV messages, heart rate agrees with the session', async () => {
    const r = await readRecording(fixture('garmin-fenix-5-run.fit'));
    expect(r.samples).toHaveLength(21);
    expect(r.summary).toEqual({ avgHr: 90, maxHr: 112, timerSec: 56.887 });
    expect(timeWeightedMean(r.samples, bpm)).toBeCloseTo(90.63, 2);
    expect(Math.abs(timeWeightedMean(r.samples, bpm) - 90)).toBeLessThanOrEqual(1);
    expect(Math.max(...values(r.samples, bpm))).toBe(112);
    const rr = r.samples.flatMap((s) => s.rr);
    expect(rr).toHaveLength(113);
    expect(Math.min(...rr)).toBe(456);
    expect(Math.max(...rr)).toBe(1448);
    expect(rr.every((ms) => Number.isInteger(ms) && ms >= 250 && ms <= 2000)).toBe(true);
    // the beats cover the whole file, start 14:34:09 to session end 14:35:24: 75 s
    expect(rr.reduce((a, b) => a + b, 0)).toBe(75005);
    // 113 beats in 75 s is 90.4 bpm, the device's average
    expect(Math.abs((rr.length / 75.005) * 60 - 90)).toBeLessThanOrEqual(1);
    expect(r.samples[0]?.rr).toEqual([]);
    expect(r.samples[1]?.rr).toEqual([1093]);
  });

  it('Coros Pace 2: max equals the session, average agrees with the laps (the session has none)', async () => {
    const bytes = await readFile(fixture('coros-pace-2-cycling-misaligned-fields.fit'));
    const r = parseRecording(bytes);
    expect(r.samples).toHaveLength(11272);
    expect(r.summary).toEqual({ avgHr: undefined, maxHr: 168, timerSec: 11287 });
    const hr = values(r.samples, bpm);
    expect(hr).toHaveLength(8946);
    expect(Math.max(...hr)).toBe(168);
    expect(Math.min(...hr)).toBe(80); // the session's minHeartRate
    const laps = new Decoder(Stream.fromBuffer(bytes)).read().messages.lapMesgs ?? [];
    const withHr = laps.filter((l) => (l.avgHeartRate ?? 0) > 0);
    const lapTime = withHr.reduce((t, l) => t + (l.totalTimerTime ?? 0), 0);
    const lapAvg = withHr.reduce((t, l) => t + (l.avgHeartRate ?? 0) * (l.totalTimerTime ?? 0), 0) / lapTime;
    expect(lapAvg).toBeCloseTo(131.55, 2); // laps: 124 bpm over 600 s, 132 bpm over 10077 s
    expect(timeWeightedMean(r.samples, bpm)).toBeCloseTo(131.94, 2);
    expect(Math.abs(timeWeightedMean(r.samples, bpm) - lapAvg)).toBeLessThanOrEqual(1);
  });

  it('Garmin Fenix 2: no heart rate in its session, so cadence and timer time are the references', async () => {
    const r = await readRecording(fixture('activity-small-fenix2-run.fit'));
    expect(r.samples).toHaveLength(2809);
    expect(r.summary).toEqual({ avgHr: undefined, maxHr: undefined, timerSec: 2832 });
    const hr = values(r.samples, bpm);
    expect(hr).toHaveLength(2808);
    expect(timeWeightedMean(r.samples, bpm)).toBeCloseTo(153.95, 2);
    expect(Math.max(...hr)).toBe(178);
    // the session: avg cadence 81, timer 2832 s with no pause
    expect(Math.abs(timeWeightedMean(r.samples, (s) => s.cadence) - 81)).toBeLessThanOrEqual(1);
    expect(Math.abs(spanSec(r.samples) - 2832)).toBeLessThanOrEqual(2);
  });

  it('refuses a truncated file', async () => {
    const read = readRecording(fixture('activity-unexpected-eof.fit'));
    await expect(read).rejects.toThrow(RecordingError);
    await expect(read).rejects.toThrow('truncated FIT file: the header announces 771 bytes, the file has 768');
  });
});

function mesgNum(name: string): number {
  const num = Profile.MesgNum[name];
  if (num === undefined) throw new Error(`no FIT message ${name}`);
  return num;
}

const START = new Date('2024-03-01T08:00:00Z');
const at = (sec: number) => new Date(START.getTime() + sec * 1000);

function encode(write: (encoder: Encoder) => void): Buffer {
  const encoder = new Encoder();
  const fileId: Encodable<FileIdMesg> = {
    mesgNum: mesgNum('FILE_ID'),
    type: 4, // activity
    manufacturer: 255, // development
    product: 1,
    timeCreated: START,
  };
  encoder.writeMesg(fileId);
  write(encoder);
  return Buffer.from(encoder.close());
}

function record(sec: number, heartRate: number, extra: Partial<RecordMesg> = {}): Encodable<RecordMesg> {
  return { mesgNum: mesgNum('RECORD'), timestamp: at(sec), heartRate, ...extra };
}

function session(start: number, timer: number, avg: number, max: number): Encodable<SessionMesg> {
  return {
    mesgNum: mesgNum('SESSION'),
    timestamp: at(start + timer),
    startTime: at(start),
    totalTimerTime: timer,
    totalElapsedTime: timer,
    avgHeartRate: avg,
    maxHeartRate: max,
  };
}

describe('FIT files written with the SDK Encoder', () => {
  it('round-trips records, HRV and the session', () => {
    const hrv: Encodable<HrvMesg> = { mesgNum: mesgNum('HRV'), time: [0.6, 0.625] };
    const bytes = encode((e) => {
      e.writeMesg(record(0, 100, { cadence: 80, power: 210, speed: 3.5 }));
      e.writeMesg(hrv);
      e.writeMesg(record(1, 110));
      e.writeMesg(record(1, 250)); // same second: merged, the first reading's 110 stays
      e.writeMesg(record(2, 254)); // above 250: bpm null (255 would be FIT's 'invalid')
      e.writeMesg(record(3, 120));
      e.writeMesg(session(0, 3, 110, 120));
    });
    const r = parseRecording(bytes, 'ride.fit');
    expect(r.samples).toEqual([
      { ts: START.getTime(), bpm: 100, rr: [600, 625], cadence: 80, power: 210, speed: 3.5, steps: null },
      { ts: START.getTime() + 1000, bpm: 110, rr: [], cadence: null, power: null, speed: null, steps: null },
      { ts: START.getTime() + 2000, bpm: null, rr: [], cadence: null, power: null, speed: null, steps: null },
      { ts: START.getTime() + 3000, bpm: 120, rr: [], cadence: null, power: null, speed: null, steps: null },
    ]);
    expect(r).toMatchObject({ format: 'fit', duplicates: 1, rejected: 1 });
    expect(r.summary).toEqual({ avgHr: 110, maxHr: 120, timerSec: 3 });
  });

  it('adds up several sessions (multisport), weighting averages by timer time', () => {
    const bytes = encode((e) => {
      e.writeMesg(record(0, 100));
      e.writeMesg(session(0, 100, 120, 150));
      e.writeMesg(session(100, 300, 140, 170));
    });
    expect(parseRecording(bytes).summary).toEqual({ avgHr: 135, maxHr: 170, timerSec: 400 });
  });

  it('refuses a file whose CRC does not match', () => {
    const bytes = encode((e) => e.writeMesg(record(0, 100)));
    const offset = bytes.length - 3; // inside the last message, before the CRC
    bytes.writeUInt8(bytes.readUInt8(offset) ^ 0xff, offset);
    expect(() => parseRecording(bytes)).toThrow('corrupt FIT file: CRC check failed');
  });

  it('refuses a FIT file without heart rate', () => {
    const cadenceOnly: Encodable<RecordMesg> = { mesgNum: mesgNum('RECORD'), timestamp: at(0), cadence: 80 };
    const bytes = encode((e) => e.writeMesg(cadenceOnly));
    expect(() => parseRecording(bytes)).toThrow('no heart-rate data in this FIT file');
  });

  it('refuses a .fit file that is not FIT', () => {
    expect(() => parseRecording(Buffer.from([0x0e, 0x10, 0, 0, 1, 2]), 'x.fit')).toThrow(
      'not a FIT file: the ".FIT" header is missing or incomplete',
    );
  });
});
