import { describe, expect, it } from 'vitest';
import { parseRecording, RecordingError } from './index.ts';

describe('plain RR lists', () => {
  it('stamps each interval with the beat that ends it and derives bpm', () => {
    const r = parseRecording(Buffer.from('800\r\n750\n\n1000\n3500\n'));
    expect(r.format).toBe('rr');
    expect(r.samples.map((s) => [s.ts, s.bpm, s.rr])).toEqual([
      [800, 75, [800]],
      [1550, 80, [750]],
      [2550, 60, [1000]],
      [6050, null, []], // 17 bpm: outside 20–250, and the interval outside 200–3000 ms
    ]);
    expect([r.rejected, r.rejectedRr]).toEqual([1, 1]);
  });

  it.each([
    ['800\n810\nabc\n', 'line 3: "abc" is not a positive number of ms'],
    ['800\n0\n', 'line 2: "0" is not a positive number of ms'],
    ['0.812\n0.830\n0.790\n', 'RR intervals look like seconds (all below 10); milliseconds expected'],
    [
      '3500\n4000\n',
      'no heart-rate data in this RR file: every heart rate (2) was outside 20–250 bpm and no RR interval (of 2) was within 200–3000 ms',
    ],
  ])('refuses %j', (text, message) => {
    expect(() => parseRecording(Buffer.from(text), 'beats.txt')).toThrow(RecordingError);
    expect(() => parseRecording(Buffer.from(text), 'beats.txt')).toThrow(message);
  });
});
