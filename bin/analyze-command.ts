import { parseArgs } from 'node:util';
import { newLiveState, scoreWindow, type ScoredWindow } from '../inference/index.ts';
import { readRecording, RecordingError } from '../ingest/index.ts';
import type { Factor, Sex } from '../schemas/index.ts';
import { analyzeSeries, type RecordingAnalysis } from '../stream-processors/index.ts';
import { UsageError } from './usage.ts';

const round = (x: number | null, digits = 2): number | null => {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function intOption(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer ${min}–${max}, got ${v}`);
  return n;
}

export interface AnalysisReport {
  file: string;
  format: string;
  samples: number;
  durationSec: number | null;
  hr: { mean: number | null; min: number | null; max: number | null; sd: number | null };
  zones: { z1: number | null; z2: number | null; z3: number | null; z4: number | null; z5: number | null };
  trimp: { banister: number | null; edwards: number | null };
  hrv: {
    rmssd: number | null;
    sdnn: number | null;
    pnn50: number | null;
    meanNN: number | null;
    artifactPct: number | null;
  };
  drift: number | null;
  driftKind: string | null;
  hrr60: number | null;
  readiness: { score: number; band: string; factors: Factor[] } | null;
  personal: { maxHr: number; maxHrSource: string; restHr: number; restHrSource: string; sex: Sex; zoneBasis: string };
  activity: {
    cadenceMean: number | null;
    powerMean: number | null;
    powerMax: number | null;
    speedMean: number | null;
    steps: number | null;
  };
  quality: { duplicates: number; rejectedBpm: number; rejectedRr: number; rrCorrection: string };
  device: { avgHr?: number; maxHr?: number; timerSec?: number } | null;
}

/** Readiness after the recording: its live windows scored in order, as inference scores them live. */
function readinessOf(a: RecordingAnalysis): AnalysisReport['readiness'] {
  const state = newLiveState();
  let last: ReturnType<typeof scoreWindow> | null = null;
  for (const f of a.liveWindows) {
    if (Number.isNaN(f.hrMean)) continue;
    last = scoreWindow(state, f as ScoredWindow);
  }
  return last && { score: last.score, band: last.band, factors: last.factors };
}

/** `pulsecoach analyze <file>`: the features of one recording (CONTRACT.md). */
export async function analyzeCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      age: { type: 'string' },
      sex: { type: 'string' },
      rest: { type: 'string' },
      max: { type: 'string' },
      'rr-correction': { type: 'string', default: 'auto' },
      'zone-basis': { type: 'string', default: 'max' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('analyze takes one file: pulsecoach analyze <file> [--json]');
  const file = positionals[0]!;
  const sex = values.sex;
  if (sex !== undefined && sex !== 'm' && sex !== 'f') throw new UsageError(`--sex must be m or f, got ${sex}`);
  const rr = values['rr-correction'];
  if (rr !== 'auto' && rr !== 'none') throw new UsageError(`--rr-correction must be auto or none, got ${rr}`);
  const basis = values['zone-basis'];
  if (basis !== 'max' && basis !== 'reserve') throw new UsageError(`--zone-basis must be max or reserve, got ${basis}`);
  const input = {
    age: intOption('age', values.age, 5, 110),
    restHr: intOption('rest', values.rest, 25, 120),
    maxHr: intOption('max', values.max, 100, 240),
    sex: sex as Sex | undefined,
    rrCorrection: rr as 'auto' | 'none',
    zoneBasis: basis as 'max' | 'reserve',
  };
  if (input.restHr !== undefined && input.maxHr !== undefined && input.restHr >= input.maxHr) {
    throw new UsageError(`--rest (${input.restHr}) must be below --max (${input.maxHr})`);
  }
  let recording;
  try {
    recording = await readRecording(file);
  } catch (err) {
    if (err instanceof RecordingError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  const a = analyzeSeries(recording.samples, input);
  const w = a.whole;
  const z = w.zoneSeconds;
  const report: AnalysisReport = {
    file,
    format: recording.format,
    samples: w.samples,
    durationSec: round(w.durationSec, 1),
    hr: {
      mean: round(a.hrMeanTimeWeighted),
      // (an RR list's heart rates are 60000 / RR: not whole numbers)
      min: w.hrCount ? round(w.hrMin) : null,
      max: w.hrCount ? round(w.hrMax) : null,
      sd: round(w.hrSd),
    },
    zones: { z1: round(z[0]!, 1), z2: round(z[1]!, 1), z3: round(z[2]!, 1), z4: round(z[3]!, 1), z5: round(z[4]!, 1) },
    trimp: { banister: round(w.trimpBanister), edwards: round(w.trimpEdwards) },
    hrv: {
      rmssd: round(w.rmssd),
      sdnn: round(w.sdnn),
      pnn50: round(w.pnn50),
      meanNN: round(w.meanNN),
      artifactPct: round(w.artifactPct),
    },
    drift: round(w.drift),
    driftKind: w.driftKind,
    hrr60: w.hrr60,
    readiness: readinessOf(a),
    personal: { ...a.personal, maxHrSource: a.maxHrSource, restHrSource: a.restHrSource },
    activity: {
      cadenceMean: round(w.cadenceMean, 1),
      powerMean: round(w.powerMean, 1),
      powerMax: w.powerMax,
      speedMean: round(w.speedMean),
      steps: w.steps,
    },
    quality: {
      duplicates: recording.duplicates,
      rejectedBpm: recording.rejected,
      rejectedRr: recording.rejectedRr,
      rrCorrection: rr,
    },
    device: recording.summary ?? null,
  };
  out.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : table(report));
  return 0;
}

function table(r: AnalysisReport): string {
  const v = (x: unknown, unit = '') => (x === null || x === undefined ? '—' : `${String(x)}${unit}`);
  const rows: [string, string][] = [
    ['file', `${r.file} (${r.format}, ${r.samples} samples, ${v(r.durationSec, ' s')})`],
    ['heart rate', `mean ${v(r.hr.mean)}  min ${v(r.hr.min)}  max ${v(r.hr.max)}  sd ${v(r.hr.sd)} bpm`],
    [
      'zones (s)',
      `z1 ${v(r.zones.z1)}  z2 ${v(r.zones.z2)}  z3 ${v(r.zones.z3)}  z4 ${v(r.zones.z4)}  z5 ${v(r.zones.z5)}`,
    ],
    ['TRIMP', `Banister ${v(r.trimp.banister)}  Edwards ${v(r.trimp.edwards)}`],
    [
      'HRV',
      `RMSSD ${v(r.hrv.rmssd, ' ms')}  SDNN ${v(r.hrv.sdnn, ' ms')}  pNN50 ${v(r.hrv.pnn50, ' %')}  mean NN ${v(r.hrv.meanNN, ' ms')}  artefacts ${v(r.hrv.artifactPct, ' %')}`,
    ],
    ['drift', `${v(r.drift, ' %')}${r.driftKind ? ` (${r.driftKind})` : ''}`],
    ['HRR60', v(r.hrr60, ' bpm')],
    ['readiness', r.readiness ? `${r.readiness.score} (${r.readiness.band})` : '—'],
    [
      'using',
      `HRmax ${r.personal.maxHr} (${r.personal.maxHrSource}), rest ${r.personal.restHr} (${r.personal.restHrSource}), zones by % ${r.personal.zoneBasis === 'max' ? 'HRmax' : 'HRR'}`,
    ],
  ];
  if (r.device)
    rows.push([
      'device says',
      `avg ${v(r.device.avgHr)}  max ${v(r.device.maxHr)} bpm, timer ${v(r.device.timerSec, ' s')}`,
    ]);
  return rows.map(([k, val]) => `${k.padEnd(12)} ${val}`).join('\n') + '\n';
}
