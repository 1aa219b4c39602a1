/** A reading for decoupling; nulls are allowed as in the `Sample` schema (ts in ms). */
export interface DriftSample {
  ts: number;
  bpm: number | null;
  /** watts */
  power?: number | null;
  /** m/s */
  speed?: number | null;
}

/** What was compared: power per beat, speed per beat, or (with no output at all) heart rate alone. */
export type DriftKind = 'power' | 'speed' | 'hr';

export interface Drift {
  kind: DriftKind;
  /** % decoupling (power, speed) or % HR drift (hr); > 0 means the second half cost more heart rate */
  pct: number;
}

/**
 * Aerobic decoupling, Friel's Pa:HR / Pw:HR (Joe Friel, "Aerobic Endurance and Decoupling",
 * TrainingPeaks): the series is cut at the midpoint of its time span, each
 * half's efficiency is mean output / mean HR (readings weighted equally), and decoupling % is
 * (ratio₁ − ratio₂) / ratio₁ · 100; Friel reads < 5 % on a steady endurance effort as good aerobic
 * fitness. Output is power when any reading has it, else speed. With neither, this returns the
 * heart-rate drift instead, (meanHR₂ − meanHR₁) / meanHR₁ · 100, which is only meaningful when
 * the effort was held constant. Null when a half has no usable reading.
 */
export function aerobicDecoupling(samples: readonly DriftSample[]): Drift | null {
  // loops, not filter/map: this runs on every closed live window
  let first = -1;
  let last = -1;
  let power = false;
  let speed = false;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (s.bpm === null) continue;
    if (first < 0) first = i;
    last = i;
    if (s.power != null) power = true;
    if (s.speed != null) speed = true;
  }
  if (first < 0) return null;
  const kind: DriftKind = power ? 'power' : speed ? 'speed' : 'hr';
  const mid = (samples[first]!.ts + samples[last]!.ts) / 2;
  // per half: output sum, HR sum, readings
  const out = [0, 0];
  const hr = [0, 0];
  const n = [0, 0];
  for (let i = first; i <= last; i++) {
    const s = samples[i]!;
    if (s.bpm === null) continue;
    const v = kind === 'hr' ? s.bpm : s[kind];
    if (v == null) continue;
    const h = s.ts < mid ? 0 : 1;
    out[h] = out[h]! + v;
    hr[h] = hr[h]! + s.bpm;
    n[h] = n[h]! + 1;
  }
  const a = kind === 'hr' ? hr[0]! / n[0]! : out[0]! / n[0]! / (hr[0]! / n[0]!);
  const b = kind === 'hr' ? hr[1]! / n[1]! : out[1]! / n[1]! / (hr[1]! / n[1]!);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) return null;
  return { kind, pct: kind === 'hr' ? ((b - a) / a) * 100 : ((a - b) / a) * 100 };
}
