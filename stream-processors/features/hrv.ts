/** RR intervals outside 300–2000 ms (200–30 bpm) are not sinus beats of a person at rest or exercising. */
export const RR_MIN_MS = 300;
export const RR_MAX_MS = 2000;
/** Largest accepted deviation from the local reference, as a fraction of it (Malik et al. 1989). */
export const RR_MAX_DEVIATION = 0.2;

/** 'auto' rejects artefacts and ectopic beats (see `acceptedBeats`); 'none' takes every interval as NN. */
export type ArtifactMode = 'auto' | 'none';

/** Median of up to four values, without allocating (it runs once per beat). */
function median4(a: number, b: number, c: number, d: number, n: number): number {
  if (n === 1) return a;
  if (n === 2) return (a + b) / 2;
  if (n === 3) return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  // of four: the mean of the two middle values = (sum − min − max) / 2
  return (a + b + c + d - Math.min(a, b, c, d) - Math.max(a, b, c, d)) / 2;
}

/**
 * Which RR intervals are normal-to-normal (NN) beats. Rule for 'auto':
 *  1. reject any interval outside [RR_MIN_MS, RR_MAX_MS];
 *  2. reject an in-range interval that differs by more than 20 % from the median of the in-range
 *     intervals up to two positions before and after it (itself excluded; kept if it has none).
 * The 20 % criterion is Malik et al.'s (1989, Eur Heart J 10:1060–1074), who compared each interval
 * with the preceding one; comparing with a local median instead, as Kubios' threshold
 * correction does (Tarvainen et al. 2014, Comput Methods Programs Biomed 113:210–220), means
 * no single bad beat (the first one included) becomes the reference for the next, and both
 * halves of a premature-beat pair (short, then compensatory long) are caught.
 */
export function acceptedBeats(rr: readonly number[], mode: ArtifactMode = 'auto'): boolean[] {
  const ok = new Array<boolean>(rr.length);
  if (mode === 'none') return ok.fill(true);
  // loops, not map/filter: this runs on every closed live window
  for (let i = 0; i < rr.length; i++) {
    const v = rr[i]!;
    if (!inRange(v)) {
      ok[i] = false;
      continue;
    }
    // the in-range neighbours, in order, in four locals (an array per beat cost more than the rule)
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    let n = 0;
    for (let j = Math.max(0, i - 2); j <= i + 2 && j < rr.length; j++) {
      const w = rr[j]!;
      if (j === i || !inRange(w)) continue;
      if (n === 0) a = w;
      else if (n === 1) b = w;
      else if (n === 2) c = w;
      else d = w;
      n++;
    }
    if (n === 0) {
      ok[i] = true;
      continue;
    }
    const ref = median4(a, b, c, d, n);
    ok[i] = Math.abs(v - ref) <= RR_MAX_DEVIATION * ref;
  }
  return ok;
}

function inRange(v: number): boolean {
  return v >= RR_MIN_MS && v <= RR_MAX_MS;
}

export interface HrvTimeDomain {
  /** accepted (NN) intervals */
  nnCount: number;
  /** successive differences taken (pairs of consecutive accepted beats): RMSSD's and pNN50's n */
  diffCount: number;
  /** % of the intervals rejected as artefacts */
  artifactPct: number;
  meanNN: number;
  /** sample SD (÷ n − 1) of the NN intervals, as the Task Force (1996) and Kubios compute it */
  sdnn: number;
  /** root mean square of successive NN differences */
  rmssd: number;
  /** % of successive NN differences larger than 50 ms */
  pnn50: number;
}

/**
 * Time-domain HRV (Task Force of the ESC and NASPE 1996, Circulation 93:1043–1065) of an RR
 * series in ms. A successive difference is only taken between two consecutive accepted beats,
 * never across a rejected one, which would fold the artefact back in. pNN50's denominator is
 * the number of such differences (NN50 / (N − 1) when nothing is rejected); neurokit2 divides by
 * the number of NN intervals (the Task Force's wording), which reads slightly lower. Null when
 * no two consecutive beats are accepted.
 */
export function hrvTimeDomain(rr: readonly number[], mode: ArtifactMode = 'auto'): HrvTimeDomain | null {
  const ok = acceptedBeats(rr, mode);
  let nnCount = 0;
  let sum = 0;
  let diffCount = 0;
  let sumSqDiff = 0;
  let nn50 = 0;
  for (let i = 0; i < rr.length; i++) {
    if (!ok[i]) continue;
    nnCount++;
    sum += rr[i]!;
    if (i > 0 && ok[i - 1]) {
      const d = rr[i]! - rr[i - 1]!;
      diffCount++;
      sumSqDiff += d * d;
      if (Math.abs(d) > 50) nn50++;
    }
  }
  if (diffCount === 0) return null;
  const meanNN = sum / nnCount;
  let ss = 0;
  for (let i = 0; i < rr.length; i++) if (ok[i]) ss += (rr[i]! - meanNN) ** 2;
  return {
    nnCount,
    diffCount,
    artifactPct: ((rr.length - nnCount) / rr.length) * 100,
    meanNN,
    sdnn: Math.sqrt(ss / (nnCount - 1)),
    rmssd: Math.sqrt(sumSqDiff / diffCount),
    pnn50: (nn50 / diffCount) * 100,
  };
}
