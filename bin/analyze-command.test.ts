import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder, Profile, type Encodable, type FileIdMesg, type RecordMesg, type SessionMesg } from '@garmin/fitsdk';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCommand, type AnalysisReport } from './analyze-command.ts';
import { main } from './cli.ts';
import { UsageError } from './usage.ts';

const fixture = (name: string) => new URL(`../test/fixtures/fit/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'pulse-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function analyze(...args: string[]): Promise<AnalysisReport> {
  let text = '';
  const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
  expect(await analyzeCommand([...args, '--json'], out)).toBe(0);
  return JSON.parse(text) as AnalysisReport;
}

/** 30 min steady at `bpm`, one reading a second, as CSV `ts,bpm`. */
const steadyCsv = (bpm: number, minutes: number) =>
  ['ts,bpm', ...Array.from({ length: minutes * 60 + 1 }, (_, i) => `${1_700_000_000_000 + i * 1000},${bpm}`)].join(
    '\n',
  );

describe('pulsecoach analyze', () => {
  it('gives Banister TRIMP ≈ 75.3 for 45 min at 150 bpm (rest 60, max 190, male), the published example', async () => {
    const r = await analyze(file('steady.csv', steadyCsv(150, 45)), '--rest', '60', '--max', '190', '--sex', 'm');
    // x = 90/130; 45 · x · 0.64 · e^(1.92x) = 75.33 (Banister 1991; Morton, Fitz-Clarke & Banister 1990)
    expect(r.trimp.banister).toBeCloseTo(75.33, 1);
    expect(r.hr).toEqual({ mean: 150, min: 150, max: 150, sd: 0 });
    // 150/190 = 78.9 % HRmax: zone 3 for all 2,700 s
    expect(r.zones).toEqual({ z1: 0, z2: 0, z3: 2700, z4: 0, z5: 0 });
    expect(r.trimp.edwards).toBe(135);
    expect(r.durationSec).toBe(2700);
    expect(r.personal).toMatchObject({ maxHr: 190, maxHrSource: 'given', restHr: 60, restHrSource: 'given' });
    // readiness over the live windows: 80 − 0.35 per TRIMP point of session load (inference's rule);
    // the live windows' TRIMP is a little above the whole file's, as the last reading holds to its window's end
    expect(r.readiness).toMatchObject({ score: 54, band: 'yellow' });
    expect(r.readiness!.factors.map((f) => f.name)).toEqual(['session_load']);
  });

  it('estimates HRmax with Tanaka from --age and resting HR from the lowest stable minute', async () => {
    const rows = ['time_ms,hr'];
    for (let i = 0; i <= 120; i++) rows.push(`${i * 1000},${i < 60 ? 52 : 140}`);
    const r = await analyze(file('rest.csv', rows.join('\n')), '--age', '40');
    expect(r.personal).toMatchObject({
      maxHr: 180,
      maxHrSource: 'tanaka',
      restHr: 52,
      restHrSource: 'lowest stable minute',
    });
  });

  it('takes no lowest minute for resting HR that leaves no reserve below --max', async () => {
    const r = await analyze(file('flat.csv', steadyCsv(100, 5)), '--max', '100');
    expect(r.personal).toMatchObject({ maxHr: 100, restHr: 60, restHrSource: 'default' });
    expect(Number.isFinite(r.trimp.banister)).toBe(true);
  });

  it('computes HRV from an RR list, with and without artefact correction', async () => {
    // an ectopic pair (a short beat, then the compensatory pause) among normal beats
    const rr = [800, 850, 790, 860, 800, 810, 300, 1300, 805, 795, 810, 820];
    const path = file('beats.txt', rr.join('\n'));
    const auto = await analyze(path);
    expect(auto.hrv.artifactPct).toBe(16.67);
    const none = await analyze(path, '--rr-correction', 'none');
    expect(none.hrv.artifactPct).toBe(0);
    // every interval taken: mean NN = 9740 / 12
    expect(none.hrv.meanNN).toBe(811.67);
    // heart rates of 60000 / RR, rounded as the other figures: 60000 / 1300 and 60000 / 300
    expect(none.hr).toMatchObject({ min: 46.15, max: 200 });
    expect(auto.hrv.rmssd).toBeLessThan(none.hrv.rmssd!);
  });

  it('reads JSON samples and TCX with the same features for the same readings', async () => {
    // 10 min: 5 at 120 bpm and 200 W, 5 at 126 bpm and 200 W (one reading a second)
    const at = (i: number) => Date.UTC(2024, 2, 1, 8, 0, i);
    const bpm = (i: number) => (i < 300 ? 120 : 126);
    const json = JSON.stringify(Array.from({ length: 600 }, (_, i) => ({ ts: at(i), bpm: bpm(i), power: 200 })));
    const points = Array.from(
      { length: 600 },
      (_, i) =>
        `<Trackpoint><Time>${new Date(at(i)).toISOString()}</Time><HeartRateBpm><Value>${bpm(i)}</Value></HeartRateBpm>` +
        `<Extensions><ns3:TPX><ns3:Watts>200</ns3:Watts></ns3:TPX></Extensions></Trackpoint>`,
    ).join('');
    const tcx = `<?xml version="1.0"?><TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
      xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><Activities><Activity Sport="Biking">
      <Id>2024-03-01T08:00:00Z</Id><Lap StartTime="2024-03-01T08:00:00Z"><Track>${points}</Track></Lap></Activity></Activities></TrainingCenterDatabase>`;
    const fromJson = await analyze(file('ride.json', json), '--max', '190', '--rest', '60');
    const fromTcx = await analyze(file('ride.tcx', tcx), '--max', '190', '--rest', '60');
    expect(fromJson.format).toBe('json');
    expect(fromTcx.format).toBe('tcx');
    // 200 W per beat falls from 200/120 to 200/126: (1/120 − 1/126)/(1/120) = 4.76 % decoupling
    expect(fromJson.drift).toBe(4.76);
    expect(fromJson.driftKind).toBe('power');
    const { file: _a, format: _b, ...jsonFeatures } = fromJson;
    const { file: _c, format: _d, ...tcxFeatures } = fromTcx;
    expect(tcxFeatures).toEqual(jsonFeatures);
  });

  it('prints a readable table without --json', async () => {
    let text = '';
    const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
    await analyzeCommand([file('table.csv', steadyCsv(150, 45)), '--rest', '60', '--max', '190'], out);
    expect(text).toMatch(/^heart rate\s+mean 150 {2}min 150 {2}max 150 {2}sd 0 bpm$/m);
    expect(text).toMatch(/^TRIMP\s+Banister 75\.33 {2}Edwards 135$/m);
    expect(text).toMatch(/^using\s+HRmax 190 \(given\), rest 60 \(given\), zones by % HRmax$/m);
  });

  it('reads each real FIT recording; mean and max HR agree with the device session summary', async () => {
    const trainer = await analyze(fixture('sample-activity-indoor-trainer.fit'));
    expect(trainer.device).toMatchObject({ avgHr: 148, maxHr: 176 });
    expect(Math.abs(trainer.hr.mean! - 148)).toBeLessThanOrEqual(1);
    expect(trainer.hr.max).toBe(176);
    expect(trainer.driftKind).toBe('power');

    const fenix5 = await analyze(fixture('garmin-fenix-5-run.fit'));
    expect(Math.abs(fenix5.hr.mean! - 90)).toBeLessThanOrEqual(1);
    expect(fenix5.hr.max).toBe(112);
    // every interval as given: its 113 RR intervals sum to 75,005 ms (the importer's test), mean 663.76
    const fenix5Raw = await analyze(fixture('garmin-fenix-5-run.fit'), '--rr-correction', 'none');
    expect(fenix5Raw.hrv.meanNN).toBe(663.76);
    expect(fenix5Raw.hrv.artifactPct).toBe(0);

    const coros = await analyze(fixture('coros-pace-2-cycling-misaligned-fields.fit'));
    expect(coros.hr.max).toBe(168);
    expect(coros.hr.min).toBe(80);

    // the Fenix 2 session carries no heart-rate summary: its records are checked by the importer's tests
    const fenix2 = await analyze(fixture('activity-small-fenix2-run.fit'));
    expect(fenix2.hr.max).toBe(178);
    expect(fenix2.samples).toBe(2809);
  });

  it('reads a FIT file written by the SDK encoder', async () => {
    const encoder = new Encoder();
    const start = new Date('2024-03-01T08:00:00Z');
    const at = (s: number) => new Date(start.getTime() + s * 1000);
    const fileId: Encodable<FileIdMesg> = {
      mesgNum: Profile.MesgNum.FILE_ID!,
      type: 4, // activity
      manufacturer: 255, // development
      product: 1,
      timeCreated: start,
    };
    encoder.writeMesg(fileId);
    for (let s = 0; s < 600; s++) {
      const record: Encodable<RecordMesg> = {
        mesgNum: Profile.MesgNum.RECORD!,
        timestamp: at(s),
        heartRate: s < 300 ? 120 : 160,
      };
      encoder.writeMesg(record);
    }
    const session: Encodable<SessionMesg> = {
      mesgNum: Profile.MesgNum.SESSION!,
      timestamp: at(600),
      startTime: start,
      totalTimerTime: 600,
      totalElapsedTime: 600,
      avgHeartRate: 140,
      maxHeartRate: 160,
    };
    encoder.writeMesg(session);
    const r = await analyze(file('encoded.fit', encoder.close()), '--max', '200', '--rest', '50');
    expect(r.format).toBe('fit');
    expect(r.hr.max).toBe(160);
    // 300 s at 120 and 299 s held at 160 (the last reading holds nothing)
    expect(r.hr.mean).toBeCloseTo((300 * 120 + 299 * 160) / 599, 1);
    // 60 % and 80 % of 200: zones 2 and 4
    expect(r.zones).toEqual({ z1: 0, z2: 300, z3: 0, z4: 299, z5: 0 });
    expect(r.driftKind).toBe('hr');
  });

  it('refuses bad files and bad options with exit code 2 and a one-line reason', async () => {
    await expect(analyze(fixture('activity-unexpected-eof.fit'))).rejects.toThrow(/truncated FIT file/);
    await expect(analyze(file('empty.csv', ''))).rejects.toThrow(UsageError);
    await expect(analyze(file('cols.csv', 'time,heart\n1,2\n'))).rejects.toThrow(/expected "ts,bpm\[,rr\]"/);
    await expect(analyze(file('back.csv', 'ts,bpm\n2000,100\n1000,101\n'))).rejects.toThrow(/backwards/);
    await expect(analyze(join(dir, 'missing.fit'))).rejects.toThrow(/cannot read/);
    const seconds = file(
      'seconds.csv',
      ['ts,bpm', ...Array.from({ length: 3600 }, (_, i) => `${1_700_000_000 + i},120`)].join('\n'),
    );
    await expect(analyze(seconds)).rejects.toThrow(
      'line 2: time 1700000000 looks like seconds since the epoch; milliseconds expected',
    );
    expect(await main(['analyze', seconds])).toBe(2);
    await expect(analyze(file('seconds.txt', '0.812\n0.830\n0.790\n'))).rejects.toThrow(
      'RR intervals look like seconds (all below 10); milliseconds expected',
    );
    await expect(analyze(file('ok.csv', steadyCsv(120, 1)), '--sex', 'x')).rejects.toThrow('--sex must be m or f');
    await expect(analyze(file('ok2.csv', steadyCsv(120, 1)), '--rest', '110', '--max', '105')).rejects.toThrow(
      '--rest (110) must be below --max (105)',
    );
    expect(await main(['analyze', fixture('activity-unexpected-eof.fit')])).toBe(2);
    expect(await main(['analyze'])).toBe(2);
  });
});
