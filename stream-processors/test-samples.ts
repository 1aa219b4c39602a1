import type { Sample } from '../schemas/index.ts';

/**
 * For this module's tests: a Sample with no channels but `bpm` (user u1, device d1, received
 * 100 ms after its ts), and whatever `extra` sets. A Sample also serves where a window reading
 * (EngineSample, SeriesSample) is expected.
 */
export function testSample(ts: number, bpm: number | null, extra: Partial<Sample> = {}): Sample {
  return {
    userId: 'u1',
    deviceId: 'd1',
    ts,
    bpm,
    rr: [],
    cadence: null,
    power: null,
    speed: null,
    steps: null,
    receivedAt: ts + 100,
    ...extra,
  };
}
