import { SampleCollector } from './collector.ts';
import { RecordingError } from './errors.ts';
import type { Recording } from './types.ts';
import { parseNumber, quote } from './values.ts';

/**
 * One RR interval in ms per line. The first beat is t = 0 and each interval is stamped with the
 * beat that ends it, so ts is the running sum of the intervals so far; bpm = 60000 / rr.
 */
export function parseRrList(text: string): Recording {
  const collector = new SampleCollector();
  let ts = 0;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `line ${i + 1}`;
    const rr = parseNumber(line);
    if (rr === null || rr <= 0)
      throw new RecordingError(`${where}: ${quote(line.trim())} is not a positive number of ms`);
    ts += rr;
    collector.add({ ts, bpm: 60000 / rr, rr: [rr] }, where);
  });
  return collector.finish('rr');
}
