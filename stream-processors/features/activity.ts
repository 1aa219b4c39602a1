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
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { n: values.length, mean, max: values.reduce((a, b) => Math.max(a, b), -Infinity) };
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

/** Mean and max of cadence, power and speed, and steps taken, for the channels the readings carry. */
export function summariseActivity(samples: readonly ActivitySample[]): ActivitySummary {
  const values = (key: 'cadence' | 'power' | 'speed' | 'steps'): number[] =>
    samples.flatMap((s) => (s[key] == null ? [] : [s[key]]));
  const steps = values('steps');
  return {
    cadence: summarise(values('cadence')),
    power: summarise(values('power')),
    speed: summarise(values('speed')),
    steps: steps.length === 0 ? null : stepsTaken(steps),
  };
}
