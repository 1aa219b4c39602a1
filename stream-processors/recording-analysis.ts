import { parseWindowSpecs } from '../platform/index.ts';
import type { Features, Sex } from '../schemas/index.ts';
import { DEFAULT_MAX_HR, DEFAULT_REST_HR, WindowEngine } from './engine/engine.ts';
import {
  estimateMaxHr,
  MAX_RESTING_HR,
  restingHrFromSeries,
  summarise,
  timeWeightedMeanHr,
  type ArtifactMode,
  type FeatureValues,
  type Personal,
  type SeriesSample,
} from './features/index.ts';

export interface AnalysisInput {
  age?: number;
  sex?: Sex;
  restHr?: number;
  maxHr?: number;
  rrCorrection: ArtifactMode;
  zoneBasis: Personal['zoneBasis'];
}

export interface RecordingAnalysis {
  personal: Personal;
  /** where HRmax and resting HR came from */
  maxHrSource: 'given' | 'tanaka' | 'default';
  restHrSource: 'given' | 'lowest stable minute' | 'default';
  /** the whole recording as one window */
  whole: FeatureValues;
  /** mean HR weighted by the time each reading holds (what a device's session average is) */
  hrMeanTimeWeighted: number | null;
  /** the recording's live (10 s) windows, as the live pipeline computes them */
  liveWindows: Features[];
}

/**
 * A pause longer than this is not time at any heart rate: recordings (unlike live streams, 5 s)
 * may store a reading only when it changes (smart recording), several seconds apart.
 */
const RECORDING_MAX_GAP_S = 60;
const LIVE = 'live=tumbling:10s';

/**
 * The features of a whole recording with the same code as the live pipeline: the recording is one
 * window for the feature library, and it is also run through the window engine's live windows
 * (which readiness scores). HRmax: given, else Tanaka from the age, else the default; resting HR:
 * given, else the recording's lowest stable minute, else the default.
 */
export function analyzeSeries(series: readonly SeriesSample[], input: AnalysisInput): RecordingAnalysis {
  const hr = series.flatMap((s) => (s.bpm === null ? [] : [{ ts: s.ts, bpm: s.bpm }]));
  const maxHrSource = input.maxHr !== undefined ? 'given' : input.age !== undefined ? 'tanaka' : 'default';
  const maxHr = input.maxHr ?? (input.age !== undefined ? Math.round(estimateMaxHr(input.age)) : DEFAULT_MAX_HR);
  const stable = input.restHr === undefined ? restingHrFromSeries(hr) : null;
  // the calmest minute of a workout is not rest; nor is one that leaves no heart-rate reserve
  const lowest = stable && stable.bpm <= MAX_RESTING_HR && Math.round(stable.bpm) < maxHr ? stable : null;
  const restHrSource = input.restHr !== undefined ? 'given' : lowest ? 'lowest stable minute' : 'default';
  const restHr = input.restHr ?? (lowest ? Math.round(lowest.bpm) : DEFAULT_REST_HR);
  const personal: Personal = { maxHr, restHr, sex: input.sex ?? 'm', zoneBasis: input.zoneBasis };
  const whole = summarise(series, personal, { rrCorrection: input.rrCorrection, maxGapS: RECORDING_MAX_GAP_S });

  const engine = new WindowEngine(parseWindowSpecs(LIVE), {
    outOfOrderMs: 0,
    graceMs: 0,
    staggered: false,
    zoneBasis: input.zoneBasis,
    rrCorrection: input.rrCorrection,
  });
  const st = engine.newStream('recording');
  st.maxHr = maxHr;
  st.restHr = restHr;
  st.sex = personal.sex === 'f' ? 2 : 1;
  const liveWindows: Features[] = [];
  const emit = (f: Features) => liveWindows.push(f);
  for (const s of series) {
    engine.add(st, { ...s, rr: [...s.rr], userId: 'recording', deviceId: 'recording', receivedAt: 0 }, emit);
  }
  const last = series[series.length - 1];
  if (last) engine.idle(st, 'recording', last.ts, 0, emit);
  return {
    personal,
    maxHrSource,
    restHrSource,
    whole,
    hrMeanTimeWeighted: timeWeightedMeanHr(hr, RECORDING_MAX_GAP_S),
    liveWindows,
  };
}
