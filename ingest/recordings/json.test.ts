import { describe, expect, it } from 'vitest';
import { parseRecording, RecordingError } from './index.ts';

const parse = (text: string) => parseRecording(Buffer.from(text), 'session.json');

describe('JSON recordings', () => {
  it('reads an array of samples with every field', () => {
    const r = parse(
      JSON.stringify([
        { ts: 1000, bpm: 120, rr: [500, 498], cadence: 85, power: 230, speed: 8.2, steps: 12 },
        { ts: '2024-03-01T08:00:00Z', cadence: 86, extra: 'ignored' },
      ]),
    );
    expect(r.format).toBe('json');
    expect(r.samples).toEqual([
      { ts: 1000, bpm: 120, rr: [500, 498], cadence: 85, power: 230, speed: 8.2, steps: 12 },
      { ts: Date.UTC(2024, 2, 1, 8), bpm: null, rr: [], cadence: 86, power: null, speed: null, steps: null },
    ]);
  });

  it('accepts {samples: [...]} with a byte-order mark, counts duplicates and rejected bpm', () => {
    const r = parse('\uFEFF{"samples":[{"ts":0,"bpm":10},{"ts":0,"bpm":80},{"ts":1,"bpm":80,"rr":null}]}');
    // the duplicate's 80 fills the bpm that 10 (outside 20–250) left missing
    expect(r.samples.map((s) => [s.ts, s.bpm])).toEqual([
      [0, 80],
      [1, 80],
    ]);
    expect([r.duplicates, r.rejected]).toEqual([1, 1]);
  });

  it('fills the channels a reading lacks from a duplicate of its timestamp, keeping its own', () => {
    const r = parse('[{"ts":0,"bpm":80,"power":200},{"ts":0,"bpm":81,"power":210,"cadence":85,"rr":[750]}]');
    expect(r.samples).toEqual([{ ts: 0, bpm: 80, rr: [750], cadence: 85, power: 200, speed: null, steps: null }]);
  });

  it('takes RR intervals alone as heart-rate data', () => {
    expect(parse('[{"ts":0,"rr":[800]}]').samples[0]?.rr).toEqual([800]);
  });

  it.each([
    ['[{"ts":0,"bpm":80},', /^malformed JSON: .+/],
    ['{"data":[]}', 'JSON must be an array of samples or an object {"samples": [...]}'],
    ['[{"ts":0,"bpm":80}, 7]', 'samples[1] must be an object, found 7'],
    [`[${'['.repeat(10_000)}${']'.repeat(10_000)}]`, 'samples[0] must be an object, found an array'],
    ['[{"ts":0,"bpm":"80"}]', 'samples[0].bpm must be a number, found "80"'],
    ['[{"ts":0,"power":true,"bpm":80}]', 'samples[0].power must be a number, found true'],
    ['[{"bpm":80}]', 'samples[0] has no ts'],
    ['[{"ts":"noon","bpm":80}]', 'samples[0].ts must be ms since epoch or ISO-8601, found "noon"'],
    ['[{"ts":0,"rr":[800,"x"]}]', 'samples[0].rr must be an array of positive ms, found [800,"x"]'],
    ['[{"ts":5,"bpm":80},{"ts":4,"bpm":80}]', 'samples[1]: time goes backwards (4 ms after 5 ms)'],
    ['[{"ts":0,"cadence":80}]', 'no heart-rate data in this JSON file'],
    ['[{"ts":0,"rr":[3500]}]', 'no heart-rate data in this JSON file: no RR interval (of 1) was within 200–3000 ms'],
    ['[{"ts":1e22,"bpm":80}]', 'samples[0]: time 1e+22 is not one of a recording (0 up to 2100-01-01 in ms)'],
    ['[{"ts":-5,"bpm":80}]', 'samples[0]: time -5 is not one of a recording'],
    [
      '[{"ts":1700000000,"bpm":80}]',
      'samples[0]: time 1700000000 looks like seconds since the epoch; milliseconds expected',
    ],
    ['[{"ts":0,"bpm":80,"power":-50}]', 'samples[0]: power -50 is outside 0–3000'],
    ['[{"ts":0,"bpm":80,"steps":-5}]', 'samples[0]: steps -5 is outside 0–2147483647'],
    ['[{"ts":0,"bpm":80,"speed":1e400}]', 'samples[0]: speed Infinity is outside 0–50'],
    ['[]', 'no samples in this JSON file'],
  ])('refuses %s', (text, message) => {
    expect(() => parse(text)).toThrow(RecordingError);
    expect(() => parse(text)).toThrow(message);
  });
});
