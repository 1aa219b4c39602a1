import { describe, expect, it } from 'vitest';
import type { Sample } from '../../schemas/index.ts';
import { defaultFaults, noFaults } from './faults.ts';
import { createSimulation, type SimulationOptions } from './simulation.ts';

const T0 = Date.UTC(2026, 10, 2, 18, 0, 0);
const base: SimulationOptions = { seed: 21, users: 24, floorId: 'f', startTs: T0, durationSec: 2700 };

/** Delivered like the live demo: next() once per simulated second. */
function deliver(opts: SimulationOptions): Sample[] {
  const sim = createSimulation(opts);
  const out: Sample[] = [];
  for (let t = sim.startTs; t <= sim.endTs; t += 1000) out.push(...sim.next(t));
  return out;
}

function byDevice(samples: readonly Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = m.get(s.deviceId);
    if (list) list.push(s);
    else m.set(s.deviceId, [s]);
  }
  return m;
}

describe('device faults (defaults)', () => {
  const samples = deliver(base);
  const devices = byDevice(samples);

  it('delivers some samples out of order, never more than 3 s behind the newest of their device', () => {
    let late = 0;
    let worst = 0;
    for (const list of devices.values()) {
      let max = -Infinity;
      for (const s of list) {
        if (s.ts < max) {
          late++;
          worst = Math.max(worst, max - s.ts);
        }
        max = Math.max(max, s.ts);
      }
    }
    expect(late).toBeGreaterThan(50);
    // skew is constant per device, so it cancels: the bound is the 3 s delay itself
    expect(worst).toBeGreaterThan(1000);
    expect(worst).toBeLessThanOrEqual(3000);
  });

  it('resends samples after reconnects as exact copies', () => {
    const first = new Map<string, Sample>();
    const copies: [Sample, Sample][] = [];
    for (const s of samples) {
      const key = `${s.deviceId}|${s.ts}`;
      const seen = first.get(key);
      if (seen) copies.push([seen, s]);
      else first.set(key, s);
    }
    expect(copies.length).toBeGreaterThan(20);
    for (const [a, b] of copies) {
      expect(b).toEqual(a);
      expect(b).not.toBe(a);
    }
  });

  it('drops the sensor for 5–30 s at times', () => {
    const gaps: number[] = [];
    for (const list of devices.values()) {
      const ts = [...new Set(list.map((s) => s.ts))].sort((a, b) => a - b);
      for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! > 1000) gaps.push(ts[i]! - ts[i - 1]!);
    }
    expect(gaps.length).toBeGreaterThan(10);
    // a gap of L s loses the readings within it: the next reading comes L to L+1 s later
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(31_000);
    expect(Math.max(...gaps)).toBeGreaterThan(15_000);
  });

  it('holds samples back in bursts and then delivers them together', () => {
    // with bursts only, some next() calls return several seconds of one device at once
    const sim = createSimulation({ ...base, faults: { ...noFaults, burstsPerHour: 20, burstSec: [3, 4] } });
    let bursts = 0;
    for (let t = sim.startTs; t <= sim.endTs; t += 1000) {
      const perDevice = byDevice(sim.next(t));
      for (const list of perDevice.values()) {
        if (list.length >= 3) {
          bursts++;
          // held samples keep their order
          expect(list.map((s) => s.ts)).toEqual([...list.map((s) => s.ts)].sort((a, b) => a - b));
        }
      }
    }
    expect(bursts).toBeGreaterThan(100);
  });

  it('skews each device clock by a constant within ±1.5 s and leaves the readings as they were', () => {
    const clean = byDevice(deliver({ ...base, faults: false }));
    const skewed = byDevice(deliver({ ...base, faults: { ...noFaults, maxSkewMs: defaultFaults.maxSkewMs } }));
    const skews = new Set<number>();
    for (const [device, list] of clean) {
      const other = skewed.get(device)!;
      expect(other.length).toBe(list.length);
      const offsets = new Set(list.map((s, i) => other[i]!.ts - s.ts));
      expect(offsets.size).toBe(1);
      const [skew] = [...offsets];
      expect(Math.abs(skew!)).toBeLessThanOrEqual(1500);
      skews.add(skew!);
      expect(other.map((s) => ({ ...s, ts: 0 }))).toEqual(list.map((s) => ({ ...s, ts: 0 })));
    }
    expect(skews.size).toBeGreaterThan(12);
  });
});

describe('a clean run (faults: false)', () => {
  it('delivers every reading once, per device strictly increasing, one per period', () => {
    for (const rateHz of [1, 5]) {
      const samples = deliver({ ...base, rateHz, durationSec: 900, faults: false });
      const devices = byDevice(samples);
      expect(devices.size).toBe(24);
      for (const list of devices.values()) {
        expect(list.length).toBe(900 * rateHz);
        const steps = new Set(list.slice(1).map((s, i) => s.ts - list[i]!.ts));
        for (const d of steps) expect(Math.abs(d - 1000 / rateHz)).toBeLessThanOrEqual(1);
      }
    }
  });
});
