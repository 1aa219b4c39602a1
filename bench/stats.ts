/** Percentile by nearest rank over a copy of the values (ms). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Calls global.gc when the process was started with --expose-gc or can enable it. */
export async function collectGarbage(): Promise<void> {
  const g = globalThis as { gc?: () => void };
  if (!g.gc) {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    g.gc = vm.runInNewContext('gc') as () => void;
  }
  g.gc!();
  await new Promise((r) => setImmediate(r));
  g.gc!();
}
