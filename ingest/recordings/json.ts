import { SampleCollector } from './collector.ts';
import { RecordingError } from './errors.ts';
import type { Recording } from './types.ts';
import { parseIsoTime } from './values.ts';

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 40) ?? String(value);
  } catch {
    // (nested arrays thousands deep overflow the stack)
    return Array.isArray(value) ? 'an array' : typeof value;
  }
}

function numberField(sample: Fields, key: string, where: string): number | null {
  const value = sample[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') throw new RecordingError(`${where}.${key} must be a number, found ${describe(value)}`);
  return value;
}

function timestamp(sample: Fields, where: string): number {
  const value = sample['ts'];
  if (value === undefined) throw new RecordingError(`${where} has no ts`);
  const ts = typeof value === 'number' ? value : typeof value === 'string' ? parseIsoTime(value) : null;
  if (ts === null) throw new RecordingError(`${where}.ts must be ms since epoch or ISO-8601, found ${describe(value)}`);
  return ts;
}

function rrField(sample: Fields, where: string): number[] {
  const value = sample['rr'];
  if (value === undefined || value === null) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (!list.every((rr): rr is number => typeof rr === 'number' && rr > 0)) {
    throw new RecordingError(`${where}.rr must be an array of positive ms, found ${describe(value)}`);
  }
  return list;
}

/** JSON array of `{ts, bpm?, rr?, cadence?, power?, speed?, steps?}`, or `{samples: [...]}`. */
export function parseJson(text: string): Recording {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RecordingError(`malformed JSON: ${(error as Error).message}`);
  }
  const found = isObject(document) ? document['samples'] : document;
  if (!Array.isArray(found)) {
    throw new RecordingError('JSON must be an array of samples or an object {"samples": [...]}');
  }
  const samples: unknown[] = found;
  const collector = new SampleCollector();
  samples.forEach((sample, i) => {
    const where = `samples[${i}]`;
    if (!isObject(sample)) throw new RecordingError(`${where} must be an object, found ${describe(sample)}`);
    collector.add(
      {
        ts: timestamp(sample, where),
        bpm: numberField(sample, 'bpm', where),
        rr: rrField(sample, where),
        cadence: numberField(sample, 'cadence', where),
        power: numberField(sample, 'power', where),
        speed: numberField(sample, 'speed', where),
        steps: numberField(sample, 'steps', where),
      },
      where,
    );
  });
  return collector.finish('json');
}
