import { describe, expect, it } from 'vitest';
import type { Features, Sample } from '../schemas/index.ts';
import { windowPhase } from './engine/engine.ts';
import { testSample } from './test-samples.ts';
import { TumblingWindows } from './tumbling.ts';
import { newUserWindows } from './window-state.ts';

const T0 = 1_700_000_000_000; // a multiple of 10 s
const sample = (ts: number, bpm: number | null, deviceId = 'd1'): Sample => testSample(ts, bpm, { deviceId });

function run(samples: Sample[], maxHr = 200) {
  const w = new TumblingWindows({ sizeMs: 10_000, outOfOrderMs: 5_000 });
  const state = newUserWindows();
  state.maxHr = maxHr;
  state.restHr = 50;
  const out: Features[] = [];
  const results = samples.map((s) => w.add(state, s, (f) => out.push(f)));
  return { out, results, state, w };
}

describe('TumblingWindows', () => {
  it('computes mean/min/max/last, % HRmax and zone of a closed window', () => {
    const bpms = [120, 130, 140, 150, 160, 150, 140, 130, 120, 110];
    const { out } = run([...bpms.map((b, i) => sample(T0 + i * 1000, b)), sample(T0 + 15_000, 100)]);
    expect(out).toHaveLength(1);
    const f = out[0]!;
    expect(f.windowStart).toBe(T0);
    expect(f.windowEnd).toBe(T0 + 10_000);
    expect(f.samples).toBe(10);
    expect(f.hrMean).toBe(135);
    expect(f.hrMin).toBe(110);
    expect(f.hrMax).toBe(160);
    expect(f.hrLast).toBe(110);
    expect(f.pctMax).toBe(67.5);
    expect(f.zone).toBe(2);
    expect(f.maxHr).toBe(200);
    // the sample at T0+15 s moved the watermark to T0+10 s and closed the window
    expect(f.traceArrivalMs).toBe(T0 + 15_100);
  });

  it('does not close a window before the watermark passes its end', () => {
    const { out } = run([sample(T0, 100), sample(T0 + 14_999, 100)]);
    expect(out).toHaveLength(0);
  });

  it('absorbs out-of-order samples within the allowance and gives the same result as in order', () => {
    const inOrder = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 26].map((s) =>
      sample(T0 + s * 1000, 100 + s),
    );
    const shuffled = [
      inOrder[0]!,
      inOrder[3]!,
      inOrder[1]!,
      inOrder[2]!,
      ...inOrder.slice(4, 12),
      inOrder[13]!,
      inOrder[9]!,
    ];
    shuffled.push(...inOrder.filter((s) => !shuffled.includes(s)));
    expect(run(shuffled).out).toEqual(run(inOrder).out.map((f) => ({ ...f, traceArrivalMs: f.traceArrivalMs })));
  });

  it('reports a sample whose window has closed as late and keeps it out of the features', () => {
    const { out, results } = run([sample(T0, 100), sample(T0 + 15_000, 100), sample(T0 + 9_000, 200)]);
    expect(results).toEqual(['added', 'added', 'late']);
    expect(out[0]!.hrMax).toBe(100);
  });

  it('drops a duplicate (same device and ts) but keeps the same ts from another device', () => {
    const { out, results } = run([sample(T0, 100), sample(T0, 100), sample(T0, 110, 'd2'), sample(T0 + 20_000, 100)]);
    expect(results).toEqual(['added', 'duplicate', 'added', 'added']);
    expect(out[0]!.samples).toBe(2);
    expect(out[0]!.hrMean).toBe(105);
  });

  it('marks a window without heart rate as not computable (NaN), never 0', () => {
    const { out } = run([sample(T0, null), sample(T0 + 20_000, 100)]);
    expect(out[0]!.samples).toBe(1);
    expect(out[0]!.hrMean).toBeNaN();
    expect(out[0]!.zone).toBe(0);
  });

  it('closes open windows on flush and treats later samples for them as late', () => {
    const { w, state } = run([sample(T0, 100), sample(T0 + 11_000, 120)]);
    const out: Features[] = [];
    w.flush(state, 'u1', 0, (f) => out.push(f));
    expect(out.map((f) => f.windowStart)).toEqual([T0, T0 + 10_000]);
    expect(w.add(state, sample(T0 + 12_000, 100), () => {})).toBe('late');
    expect(w.add(state, sample(T0 + 21_000, 100), () => {})).toBe('added');
  });

  it('staggers users: each user keeps contiguous windows of the size, at a phase of their own', () => {
    const w = new TumblingWindows({ sizeMs: 10_000, outOfOrderMs: 5_000, staggered: true });
    const starts = new Map<string, number[]>();
    for (const userId of ['ana', 'ben', 'chen', 'dev']) {
      const state = newUserWindows();
      const out: Features[] = [];
      for (let i = 0; i < 60; i++) w.add(state, { ...sample(T0 + i * 1000, 100), userId }, (f) => out.push(f));
      const s = out.map((f) => f.windowStart);
      expect(out.map((f) => f.windowEnd - f.windowStart)).toEqual(s.map(() => 10_000));
      expect(s.slice(1).map((x, i) => x - s[i]!)).toEqual(s.slice(1).map(() => 10_000));
      expect((((s[0]! - T0) % 10_000) + 10_000) % 10_000).toBe(windowPhase(userId, 10_000));
      // 1 Hz samples: every window after the first (which starts before T0) holds 10
      expect(out.slice(1).map((f) => f.samples)).toEqual(out.slice(1).map(() => 10));
      expect(out[0]!.samples).toBe(Math.ceil((s[0]! + 10_000 - T0) / 1000));
      starts.set(userId, s);
    }
    // not all in lockstep
    expect(new Set([...starts.values()].map((s) => s[0]! % 10_000)).size).toBeGreaterThan(1);
  });

  it('estimates HRmax with Tanaka at age 35 when the profile gives none', () => {
    const w = new TumblingWindows({ sizeMs: 10_000, outOfOrderMs: 5_000 });
    const state = newUserWindows();
    const out: Features[] = [];
    w.add(state, sample(T0, 184), (f) => out.push(f));
    w.add(state, sample(T0 + 20_000, 100), (f) => out.push(f));
    expect(out[0]!.maxHr).toBe(184);
    expect(out[0]!.pctMax).toBe(100);
    expect(out[0]!.restHr).toBe(60);
  });
});
