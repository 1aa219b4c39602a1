import { describe, expect, it } from 'vitest';
import { parseRecording, RecordingError } from './index.ts';

const trackpoint = (time: string, body: string) => `
          <Trackpoint>
            <Time>${time}</Time>${body}
          </Trackpoint>`;

const tcx = (points: string) => `<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
    xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">
  <Activities>
    <Activity Sport="Biking">
      <Id>2024-03-01T08:00:00Z</Id>
      <Lap StartTime="2024-03-01T08:00:00Z">
        <TotalTimeSeconds>2</TotalTimeSeconds>
        <Track>${points}
        </Track>
      </Lap>
    </Activity>
  </Activities>
</TrainingCenterDatabase>
`;

const GOOD = tcx(
  [
    trackpoint(
      '2024-03-01T08:00:00Z',
      `<HeartRateBpm><Value>118</Value></HeartRateBpm><Cadence>84</Cadence>
            <Extensions><ns3:TPX><ns3:Speed>7.5</ns3:Speed><ns3:Watts>205</ns3:Watts></ns3:TPX></Extensions>`,
    ),
    trackpoint('2024-03-01T08:00:01.000Z', '<HeartRateBpm><Value>121</Value></HeartRateBpm>'),
    trackpoint('2024-03-01T08:00:01Z', '<HeartRateBpm><Value>122</Value></HeartRateBpm>'),
    trackpoint(
      '2024-03-01T08:00:02Z',
      '<Extensions><TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><RunCadence>88</RunCadence></TPX></Extensions>',
    ),
  ].join(''),
);

const parse = (text: string) => parseRecording(Buffer.from(text), 'ride.tcx');
const T0 = Date.UTC(2024, 2, 1, 8);

describe('TCX recordings', () => {
  it('reads Time, HeartRateBpm, Cadence and the TPX extension (Speed, Watts, RunCadence)', () => {
    const r = parse(GOOD);
    expect(r.format).toBe('tcx');
    expect(r.samples).toEqual([
      { ts: T0, bpm: 118, rr: [], cadence: 84, power: 205, speed: 7.5, steps: null },
      { ts: T0 + 1000, bpm: 121, rr: [], cadence: null, power: null, speed: null, steps: null },
      { ts: T0 + 2000, bpm: null, rr: [], cadence: 88, power: null, speed: null, steps: null },
    ]);
    expect(r.duplicates).toBe(1);
  });

  it.each([
    [
      GOOD.replace('<Value>121</Value>', '<Value>fast</Value>'),
      'Trackpoint at line 14: HeartRateBpm/Value "fast" is not a number',
    ],
    [
      GOOD.replace('<ns3:Watts>205', '<ns3:Watts>n/a'),
      'Trackpoint at line 10: Extensions/TPX/Watts "n/a" is not a number',
    ],
    [
      GOOD.replace('08:00:02Z', '07:59:59Z'),
      'Trackpoint at line 20: time goes backwards (2024-03-01T07:59:59.000Z after 2024-03-01T08:00:01.000Z)',
    ],
    [
      GOOD.replace('<Time>2024-03-01T08:00:00Z</Time>', '<Time>soon</Time>'),
      'Trackpoint at line 10: Time "soon" is not ISO-8601',
    ],
    [
      GOOD.replace('</Track>', '</Trak>'),
      "malformed XML at line 23, column 9: Expected closing tag 'Track' (opened in line 9, col 9) instead of closing tag 'Trak'.",
    ],
    ['<gpx version="1.1"><trk/></gpx>', 'not a TCX document: root element is <gpx>, expected <TrainingCenterDatabase>'],
    [
      `<TrainingCenterDatabase>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</TrainingCenterDatabase>`,
      'malformed XML: elements nested too deeply to read',
    ],
    [tcx(trackpoint('2024-03-01T08:00:00Z', '<Cadence>80</Cadence>')), 'no heart-rate data in this TCX file'],
  ])('refuses a bad document (%#)', (text, message) => {
    expect(() => parse(text)).toThrow(RecordingError);
    expect(() => parse(text)).toThrow(message);
  });
});
