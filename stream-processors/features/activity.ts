/** A reading with optional movement channels; nulls are allowed as in the `Sample` schema. */
export interface ActivitySample {
  ts: number;
  /** steps or revolutions per minute */
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

function summarise(values: number[]): ChannelSummary | null {
  if (values.length === 0) return null;
  let sum = 0;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    max = Math.max(max, v);
  }
  return { n: values.length, mean: sum / values.length, max };
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

type Channel = 'cadence' | 'power' | 'speed' | 'steps';

function valuesOf(samples: readonly ActivitySample[], key: Channel): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const v = s[key];
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

/**
 * Mean and max of cadence, power and speed, and steps taken, for the channels the readings
 * carry. `stepsBefore` is the step counter's reading just before the series (a live window's
 * predecessor), so the steps between it and the first reading are counted here.
 */
export function summariseActivity(samples: readonly ActivitySample[], stepsBefore?: number): ActivitySummary {
  const steps = valuesOf(samples, 'steps');
  if (steps.length > 0 && stepsBefore !== undefined) steps.unshift(stepsBefore);
  return {
    cadence: summarise(valuesOf(samples, 'cadence')),
    power: summarise(valuesOf(samples, 'power')),
    speed: summarise(valuesOf(samples, 'speed')),
    steps: steps.length === 0 ? null : stepsTaken(steps),
  };
}
