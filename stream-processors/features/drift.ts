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

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
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
  const usable = samples.filter((s) => s.bpm !== null);
  const first = usable[0];
  const last = usable[usable.length - 1];
  if (!first || !last) return null;
  const kind: DriftKind = usable.some((s) => s.power != null)
    ? 'power'
    : usable.some((s) => s.speed != null)
      ? 'speed'
      : 'hr';
  const mid = (first.ts + last.ts) / 2;
  const halves = [usable.filter((s) => s.ts < mid), usable.filter((s) => s.ts >= mid)].map((half) => {
    if (kind === 'hr') return mean(half.map((s) => s.bpm!));
    const rows = half.filter((s) => s[kind] != null);
    return mean(rows.map((s) => s[kind]!)) / mean(rows.map((s) => s.bpm!));
  });
  const [a, b] = halves as [number, number];
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) return null;
  return { kind, pct: kind === 'hr' ? ((b - a) / a) * 100 : ((a - b) / a) * 100 };
}
