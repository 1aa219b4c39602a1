import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hrvTimeDomain } from './hrv.ts';
import { testSample } from '../test-samples.ts';
import { banisterTrimpSeries } from './trimp.ts';
import { packValues, POOLED_SIZE, unpackValues } from './packed-values.ts';
import { mergeValues } from './pooled-values.ts';
import { summarise, toFeatures, type FeatureValues, type Personal, type SeriesSample } from './window-summary.ts';

const T0 = 1_700_000_000_000; // a multiple of 10 s
const P: Personal = { maxHr: 200, restHr: 60, sex: 'm', zoneBasis: 'max' };

/** a window reading: a Sample serves (only its channels are read) */
const reading = testSample;

/**
 * Ten readings 1 s apart at 100, 110, …, 190 bpm: 50, 55, …, 95 % of HRmax 200, two readings
 * in each of zones 1–5. Cadence 80…87 on the first eight, a step counter rising by 2 a second.
 */
const RR = [[800, 850], [800], [], [1200, 820], [780], [], [810], [790, 860], [], [805]];
const series: SeriesSample[] = RR.map((rr, i) =>
  reading(T0 + i * 1000, 100 + 10 * i, { rr, cadence: i < 8 ? 80 + i : null, steps: 1000 + 2 * i }),
);
const allRr = RR.flat();

describe('summarise', () => {
  it('HR statistics, % HRmax, % HRR and zone of the mean', () => {
    const v = summarise(series, P);
    expect(v.samples).toBe(10);
    expect(v.hrCount).toBe(10);
    expect(v.hrMean).toBe(145);
    expect(v.hrMin).toBe(100);
    expect(v.hrMax).toBe(190);
    expect(v.hrLast).toBe(190);
    // population SD: deviations ±5, ±15, ±25, ±35, ±45 → (2·(25 + 225 + 625 + 1225 + 2025))/10 = 825
    expect(v.hrSd).toBeCloseTo(Math.sqrt(825), 12);
    expect(v.pctMax).toBe(72.5);
    expect(v.pctHrr).toBeCloseTo((85 / 140) * 100, 12);
    expect(v.zone).toBe(3);
    expect(v.maxHr).toBe(200);
    expect(v.restHr).toBe(60);
  });

  it('zone seconds: each reading holds until the next; the last 0 s without endTs', () => {
    const v = summarise(series, P);
    expect(v.zoneSeconds).toEqual([2, 2, 2, 2, 1]);
    expect(v.durationSec).toBe(9);
    expect(v.trimpEdwards).toBeCloseTo((2 + 2 * 2 + 3 * 2 + 4 * 2 + 5 * 1) / 60, 12);
  });

  it('zone seconds with endTs: the last reading holds until then, at most the max gap (5 s)', () => {
    const toEnd = summarise(series, P, { endTs: T0 + 10_000 });
    expect(toEnd.zoneSeconds).toEqual([2, 2, 2, 2, 2]);
    expect(toEnd.durationSec).toBe(10);
    expect(toEnd.trimpEdwards).toBeCloseTo((2 + 4 + 6 + 8 + 10) / 60, 12);
    const capped = summarise(series, P, { endTs: T0 + 60_000 });
    expect(capped.zoneSeconds).toEqual([2, 2, 2, 2, 6]);
    expect(capped.durationSec).toBe(14);
    // an endTs at the last reading adds nothing
    expect(summarise(series, P, { endTs: T0 + 9000 }).zoneSeconds).toEqual([2, 2, 2, 2, 1]);
  });

  it('caps a dropout inside the series at the max gap', () => {
    const v = summarise([reading(T0, 120), reading(T0 + 20_000, 120), reading(T0 + 21_000, 120)], P);
    expect(v.durationSec).toBe(6);
    expect(v.zoneSeconds).toEqual([0, 6, 0, 0, 0]);
  });

  it('Banister TRIMP is banisterTrimpSeries of the readings (plus the held end)', () => {
    const hr = series.map((s) => ({ ts: s.ts, bpm: s.bpm! }));
    const opts = { restHr: 60, maxHr: 200, sex: 'm' as const };
    expect(summarise(series, P).trimpBanister).toBe(banisterTrimpSeries(hr, opts));
    const end = T0 + 10_000;
    expect(summarise(series, P, { endTs: end }).trimpBanister).toBe(
      banisterTrimpSeries([...hr, { ts: end, bpm: 190 }], opts),
    );
    // by hand: each reading 1/60 min at x = (bpm − 60)/140, weighted 0.64·e^(1.92x); the last holds 0 s
    let byHand = 0;
    for (let i = 0; i < 9; i++) {
      const x = (100 + 10 * i - 60) / 140;
      byHand += (1 / 60) * x * 0.64 * Math.exp(1.92 * x);
    }
    expect(summarise(series, P).trimpBanister).toBeCloseTo(byHand, 12);
    const female = summarise(series, { ...P, sex: 'f' }).trimpBanister;
    expect(female).toBe(banisterTrimpSeries(hr, { ...opts, sex: 'f' }));
    expect(female).not.toBe(byHand);
  });

  it('HRV fields are hrvTimeDomain of all the RR intervals in reading order', () => {
    for (const mode of ['auto', 'none'] as const) {
      const v = summarise(series, P, { rrCorrection: mode });
      const h = hrvTimeDomain(allRr, mode)!;
      expect(v.rrCount).toBe(allRr.length);
      expect(v.nnCount).toBe(h.nnCount);
      expect(v.nnDiffCount).toBe(h.diffCount);
      expect(v.meanNN).toBe(h.meanNN);
      expect(v.sdnn).toBe(h.sdnn);
      expect(v.rmssd).toBe(h.rmssd);
      expect(v.pnn50).toBe(h.pnn50);
      expect(v.artifactPct).toBe(h.artifactPct);
    }
    // 'auto' is the default, and rejects the 1200 (> 20 % off its neighbours' median 810)
    expect(summarise(series, P)).toEqual(summarise(series, P, { rrCorrection: 'auto' }));
    expect(summarise(series, P).nnCount).toBe(9);
    expect(summarise(series, P).artifactPct).toBe(10);
    expect(summarise(series, P, { rrCorrection: 'none' }).nnCount).toBe(10);
  });

  it('HRV by hand: RR 800, 850, 800, 900 ms', () => {
    const v = summarise([reading(T0, 75, { rr: [800, 850] }), reading(T0 + 1000, 70, { rr: [800, 900] })], P, {
      rrCorrection: 'none',
    });
    expect(v.nnCount).toBe(4);
    expect(v.nnDiffCount).toBe(3);
    expect(v.meanNN).toBe(837.5);
    // deviations −37.5, 12.5, −37.5, 62.5: Σ² = 6875, sample SD ÷ 3
    expect(v.sdnn).toBeCloseTo(Math.sqrt(6875 / 3), 10);
    // differences 50, −50, 100
    expect(v.rmssd).toBeCloseTo(Math.sqrt(5000), 10);
    expect(v.pnn50).toBeCloseTo(100 / 3, 10);
    expect(v.artifactPct).toBe(0);
  });

  it('counts lone NN beats (no successive difference): NN count, mean and artefact %, no RMSSD', () => {
    const one = summarise([reading(T0, 75, { rr: [800] })], P);
    expect(one).toMatchObject({ rrCount: 1, nnCount: 1, nnDiffCount: 0, meanNN: 800, sdnn: null, rmssd: null });
    expect(one).toMatchObject({ pnn50: null, artifactPct: 0 });
    // 'auto' rejects the 3000 ms interval, leaving two beats that are not consecutive
    const split = summarise([reading(T0, 75, { rr: [800, 3000, 810] })], P);
    expect(split).toMatchObject({ rrCount: 3, nnCount: 2, nnDiffCount: 0, meanNN: 805, rmssd: null, pnn50: null });
    expect(split.sdnn).toBeCloseTo(Math.sqrt(50), 12);
    expect(split.artifactPct).toBeCloseTo(100 / 3, 12);
    expect(summarise([reading(T0, 75)], P)).toMatchObject({ rrCount: 0, nnCount: 0, meanNN: null, artifactPct: null });
    // pooled with a window that has differences, the lone beat counts as a beat, not as an artefact
    const m = mergeValues(one, summarise([reading(T0 + 10_000, 75, { rr: [820, 840] })], P), P);
    expect(m).toMatchObject({ rrCount: 3, nnCount: 3, nnDiffCount: 1, meanNN: 820, artifactPct: 0, rmssd: 20 });
    expect(m.sdnn).toBeCloseTo(20, 12);
  });

  it('activity: cadence mean/max over the readings that have it; steps from the counter', () => {
    const v = summarise(series, P);
    expect(v.cadenceCount).toBe(8);
    expect(v.cadenceMean).toBe(83.5);
    expect(v.cadenceMax).toBe(87);
    expect(v.powerCount).toBe(0);
    expect(v.powerMean).toBeNull();
    expect(v.speedMax).toBeNull();
    expect(v.steps).toBe(18);
    // the counter just before the series: its steps up to the first reading count here
    expect(summarise(series, P, { stepsBefore: 995 }).steps).toBe(23);
    // a counter restart counts the new reading in full
    const restarted = [reading(T0, 90, { steps: 500 }), reading(T0 + 1000, 90, { steps: 3 })];
    expect(summarise(restarted, P).steps).toBe(3);
    expect(summarise([reading(T0, 90)], P, { stepsBefore: 995 }).steps).toBeNull();
  });

  it('readings without bpm count as samples only; no bpm at all gives NaN mean and zone 0', () => {
    const v = summarise([reading(T0, 120), reading(T0 + 1000, null), reading(T0 + 2000, 140)], P);
    expect(v.samples).toBe(3);
    expect(v.hrCount).toBe(2);
    expect(v.hrMean).toBe(130);
    expect(v.durationSec).toBe(2);
    const none = summarise([reading(T0, null, { rr: [800] })], P, { endTs: T0 + 10_000 });
    expect(none.samples).toBe(1);
    expect(none.hrCount).toBe(0);
    expect(none.hrMean).toBeNaN();
    expect(none.pctMax).toBeNaN();
    expect(none.pctHrr).toBeNull();
    expect(none.zone).toBe(0);
    expect(none.hrSd).toBeNull();
    expect(none.durationSec).toBe(0);
    expect(none.zoneSeconds).toEqual([0, 0, 0, 0, 0]);
  });

  it('credits the reading before a window from its start, at most the max gap after the reading, and only when it is before the start', () => {
    const w = [reading(T0 + 3000, 120), reading(T0 + 8000, 120)];
    const at = (beforeTs: number) =>
      summarise(w, P, { startTs: T0, endTs: T0 + 10_000, hrBefore: { ts: beforeTs, bpm: 100 } });
    // 5 s between the two, the last holds 2 s to the end; before that, the reading 1 s before the start holds 3 s
    expect(at(T0 - 1000).durationSec).toBeCloseTo(10, 9);
    expect(at(T0 - 1000).zoneSeconds[0]).toBeCloseTo(3, 9);
    // 4.5 s before the start: its 5 s end 0.5 s into the window
    expect(at(T0 - 4500).durationSec).toBeCloseTo(7.5, 9);
    // one at or after the start is not one before it (a live size changed across a restart)
    expect(at(T0).durationSec).toBeCloseTo(7, 9);
    expect(at(T0 + 1000).durationSec).toBeCloseTo(7, 9);
  });

  it('zones by heart-rate reserve use restHr', () => {
    const v = summarise(series, { ...P, zoneBasis: 'reserve' });
    // %HRR of 100…190 at rest 60, max 200: 28.6, 35.7, 42.9, 50, 57.1, 64.3, 71.4, 78.6, 85.7, 92.9
    expect(v.zoneSeconds).toEqual([2, 1, 2, 1, 0]);
    expect(v.zone).toBe(2);
  });

  it('toFeatures keeps the values and adds identity and daily fields', () => {
    const v = summarise(series, P);
    const f = toFeatures(
      { userId: 'u', window: 'live', kind: 'tumbling', windowStart: T0, windowEnd: T0 + 10_000, traceArrivalMs: 7 },
      v,
    );
    expect(f).toMatchObject({ ...v, userId: 'u', window: 'live', kind: 'tumbling', traceArrivalMs: 7, atl: null });
  });
});

const EXACT = [
  'samples',
  'hrCount',
  'hrMean',
  'hrSd',
  'hrMin',
  'hrMax',
  'hrLast',
  'trimpBanister',
  'trimpEdwards',
  'durationSec',
  'rrCount',
  'nnCount',
  'meanNN',
  'sdnn',
  'cadenceCount',
  'cadenceMean',
  'cadenceMax',
  'steps',
] as const satisfies readonly (keyof FeatureValues)[];

function expectClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || Number.isNaN(expected)) {
    expect(actual, what).toEqual(expected);
    return;
  }
  expect(actual, what).not.toBeNull();
  // relative: TRIMP and sums of squares grow with the series
  expect(actual! / Math.max(1, Math.abs(expected)), what).toBeCloseTo(expected / Math.max(1, Math.abs(expected)), 6);
}

/** A ts-sorted series: gaps of 0.2–8 s (some over the max gap), some readings without bpm, 0–3 RR intervals each. */
const seriesArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 200, max: 8000 }),
      bpm: fc.option(fc.integer({ min: 40, max: 220 }), { freq: 8 }),
      rr: fc.array(fc.integer({ min: 300, max: 2000 }), { maxLength: 3 }),
      cadence: fc.option(fc.integer({ min: 0, max: 200 }), { freq: 2 }),
      stepInc: fc.option(fc.integer({ min: 0, max: 5 }), { freq: 3 }),
    }),
    { minLength: 2, maxLength: 40 },
  )
  .map((rows) => {
    let ts = T0;
    let steps = 0;
    return rows.map((r) => {
      ts += r.gap;
      if (r.stepInc !== null) steps += r.stepInc;
      return reading(ts, r.bpm, { rr: r.rr, cadence: r.cadence, steps: r.stepInc === null ? null : steps });
    });
  });

describe('mergeValues', () => {
  // Means pool count-weighted and sums of squared deviations by Chan, Golub & LeVeque (1979,
  // "Updating formulae and a pairwise algorithm for computing sample variances"): pooling two
  // consecutive parts must give the whole series' mean, SD and SDNN up to rounding.
  it('pools two consecutive parts as the whole series (property)', () => {
    const personalArb = fc.record({
      maxHr: fc.integer({ min: 160, max: 210 }),
      restHr: fc.integer({ min: 40, max: 80 }),
      sex: fc.constantFrom('m' as const, 'f' as const),
      zoneBasis: fc.constantFrom('max' as const, 'reserve' as const),
    });
    fc.assert(
      fc.property(seriesArb, fc.nat(), personalArb, (whole, at, p) => {
        const k = 1 + (at % (whole.length - 1));
        // the split reading has a bpm, so A's last HR reading holds until it as it does in the whole
        whole[k] = { ...whole[k]!, bpm: whole[k]!.bpm ?? 100 };
        const a = whole.slice(0, k);
        const b = whole.slice(k);
        const lastSteps = a.filter((s) => s.steps !== null).pop()?.steps ?? undefined;
        const sa = summarise(a, p, { endTs: b[0]!.ts, rrCorrection: 'none' });
        const sb = summarise(b, p, { rrCorrection: 'none', stepsBefore: lastSteps });
        const merged = mergeValues(sa, sb, p);
        const w = summarise(whole, p, { rrCorrection: 'none' });
        for (const key of EXACT) expectClose(merged[key], w[key], key);
        for (let z = 0; z < 5; z++) expectClose(merged.zoneSeconds[z]!, w.zoneSeconds[z]!, `zoneSeconds[${z}]`);
        expect(merged.zone).toBe(w.zone);
        expectClose(merged.pctMax, w.pctMax, 'pctMax');
        // RMSSD and pNN50 pool the differences of each part: the one across the boundary is missing
        const aRr = a.some((s) => s.rr.length > 0);
        const bRr = b.some((s) => s.rr.length > 0);
        expect(merged.nnDiffCount).toBe(aRr && bRr ? w.nnDiffCount - 1 : w.nnDiffCount);
        expect(merged.artifactPct).toBe(w.artifactPct);
      }),
      { numRuns: 300 },
    );
  });

  it('pools means and SDs exactly (Chan, Golub & LeVeque 1979)', () => {
    const a = summarise([reading(T0, 100, { rr: [800, 820] }), reading(T0 + 1000, 120, { rr: [840] })], P, {
      endTs: T0 + 2000,
      rrCorrection: 'none',
    });
    const b = summarise([reading(T0 + 2000, 150, { rr: [700, 720] }), reading(T0 + 3000, 170)], P, {
      rrCorrection: 'none',
    });
    const m = mergeValues(a, b, P);
    // bpm 100, 120, 150, 170: mean 135, deviations ±35, ±15 → population variance (2·1225 + 2·225)/4 = 725
    expect(m.hrMean).toBe(135);
    expect(m.hrSd).toBeCloseTo(Math.sqrt(725), 12);
    // NN 800, 820, 840, 700, 720: mean 776, sample variance Σ(d²)/4
    expect(m.meanNN).toBeCloseTo(776, 12);
    expect(m.sdnn).toBeCloseTo(Math.sqrt((24 ** 2 + 44 ** 2 + 64 ** 2 + 76 ** 2 + 56 ** 2) / 4), 10);
    expect(m.nnDiffCount).toBe(3);
    // differences 20, 20 (a) and 20 (b): RMSSD 20
    expect(m.rmssd).toBeCloseTo(20, 12);
    expect(m.drift).toBeNull();
  });

  it('packs values into numbers and back losslessly: nulls, NaN mean, drift kind', () => {
    const withDrift = summarise(
      series.map((s, i) => ({ ...s, power: 200, bpm: 120 + i })),
      P,
    );
    const noHr = summarise([reading(T0, null, { rr: [800] })], P);
    expect(withDrift.driftKind).toBe('power');
    expect(Number.isNaN(noHr.hrMean)).toBe(true);
    for (const v of [summarise(series, P), withDrift, noHr]) {
      const packed = new Array<number>(2 * POOLED_SIZE).fill(0);
      packValues(packed, POOLED_SIZE, v);
      expect(unpackValues(packed, POOLED_SIZE)).toEqual(v);
    }
  });

  it('an empty part is the identity', () => {
    const v = summarise(series, P);
    const empty = summarise([], P);
    expect(empty.samples).toBe(0);
    expect(mergeValues(empty, v, P)).toBe(v);
    expect(mergeValues(v, empty, P)).toBe(v);
  });
});
