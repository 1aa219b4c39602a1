/** A reading with optional movement channels; nulls are allowed as in the `Sample` schema. */
export interface ActivitySample {
  ts: number;
  /** per minute as the device counts: steps, strides (FIT running files) or pedal revolutions */
  cadence?: number | null;
  /** watts */
  power?: number | null;
  /** m/s */
  speed?: number | null;
  /** the device's cumulative step counter */
  steps?: number | null;
}

export interface ChannelSummary {
  /** readings with a value */
  n: number;
  /** mean of the readings, each counting once, zeros (stops, coasting) included */
  mean: number;
  max: number;
}

export interface ActivitySummary {
  cadence: ChannelSummary | null;
  power: ChannelSummary | null;
  speed: ChannelSummary | null;
  /** steps taken during the series; null when no reading has a step count */
  steps: number | null;
}

/**
 * Steps taken, from readings of a cumulative step counter (as watches and foot pods report it,
 * and as the simulator emits): the sum of increases between consecutive readings, i.e. last −
 * first; a decrease means the counter restarted (device reboot, reconnect), and the new reading
 * counts in full as steps since that restart.
 */
export function stepsTaken(counter: readonly number[]): number {
  let total = 0;
  for (let i = 1; i < counter.length; i++) {
    const d = counter[i]! - counter[i - 1]!;
    total += d >= 0 ? d : counter[i]!;
  }
  return total;
}

export function summariseActivity(samples: readonly ActivitySample[], stepsBefore?: number): ActivitySummary {
  // one pass, sums in reading order (a window's readings are many and its channels few)
  const cadence = new ChannelSum();
  const power = new ChannelSum();
  const speed = new ChannelSum();
  const steps: number[] = [];
  for (const s of samples) {
    cadence.add(s.cadence);
    power.add(s.power);
    speed.add(s.speed);
    if (s.steps !== null && s.steps !== undefined) steps.push(s.steps);
  }
  if (steps.length > 0 && stepsBefore !== undefined) steps.unshift(stepsBefore);
  return {
    cadence: cadence.summary(),
    power: power.summary(),
    speed: speed.summary(),
    steps: steps.length === 0 ? null : stepsTaken(steps),
  };
}

/** Count, sum and max of a channel's readings, each counting once. */
class ChannelSum {
  n = 0;
  sum = 0;
  max = -Infinity;

  add(v: number | null | undefined): void {
    if (v === null || v === undefined) return;
    this.n++;
    this.sum += v;
    this.max = Math.max(this.max, v);
  }

  summary(): ChannelSummary | null {
    return this.n === 0 ? null : { n: this.n, mean: this.sum / this.n, max: this.max };
  }
}
