import { Decoder, Profile, Stream, Utils, type RecordMesg, type SessionMesg } from '@garmin/fitsdk';
import { SampleCollector } from './collector.ts';
import { RecordingError } from './errors.ts';
import type { Recording, RecordingSummary } from './types.ts';

const CRC_SIZE = 2;

function toMs(time: RecordMesg['timestamp']): number | null {
  if (time instanceof Date) return time.getTime();
  return typeof time === 'number' ? Utils.convertDateTimeToDate(time).getTime() : null;
}

/** Refuses a file whose header is missing, whose data is shorter than the header says, or whose CRC fails. */
function checkFile(bytes: Buffer, decoder: Decoder): void {
  if (!decoder.isFIT()) throw new RecordingError('not a FIT file: the ".FIT" header is missing or incomplete');
  const headerSize = bytes.readUInt8(0);
  const expected = headerSize + bytes.readUInt32LE(4) + CRC_SIZE;
  if (bytes.length < expected) {
    throw new RecordingError(
      `truncated FIT file: the header announces ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  if (!decoder.checkIntegrity()) throw new RecordingError('corrupt FIT file: CRC check failed');
}

/** The device's own totals; several sessions (multisport) add up, their averages weighted by timer time. */
function summarise(sessions: SessionMesg[]): RecordingSummary | undefined {
  const [first, ...rest] = sessions;
  if (first === undefined) return undefined;
  if (rest.length === 0)
    return { avgHr: first.avgHeartRate, maxHr: first.maxHeartRate, timerSec: first.totalTimerTime };
  const timed = sessions.filter((s) => s.avgHeartRate !== undefined && s.totalTimerTime !== undefined);
  const time = timed.reduce((sum, s) => sum + (s.totalTimerTime ?? 0), 0);
  const maxima = sessions.flatMap((s) => (s.maxHeartRate === undefined ? [] : [s.maxHeartRate]));
  return {
    avgHr:
      time > 0 ? timed.reduce((sum, s) => sum + (s.avgHeartRate ?? 0) * (s.totalTimerTime ?? 0), 0) / time : undefined,
    // (a loop: Math.max(...maxima) takes one argument per session, and a bad file may hold millions)
    maxHr: maxima.length > 0 ? maxima.reduce((a, b) => Math.max(a, b)) : undefined,
    timerSec: sessions.reduce((sum, s) => sum + (s.totalTimerTime ?? 0), 0),
  };
}

/**
 * FIT activity via @garmin/fitsdk: record messages become samples; HRV messages (RR in seconds,
 * no timestamp of their own) go, in ms, to the record written just before them in the file.
 */
export function parseFit(bytes: Buffer): Recording {
  const decoder = new Decoder(Stream.fromBuffer(bytes));
  checkFile(bytes, decoder);
  const rrByRecord: number[][] = [];
  let records = 0;
  const { messages, errors } = decoder.read({
    mesgListener: (mesgNum, mesg) => {
      if (mesgNum === Profile.MesgNum.RECORD) records += 1;
      if (mesgNum !== Profile.MesgNum.HRV || !('time' in mesg) || !Array.isArray(mesg.time)) return;
      const owner = Math.max(records - 1, 0);
      const rr = mesg.time.filter((s): s is number => typeof s === 'number').map((s) => Math.round(s * 1000));
      // (appended in place: a copy per message made a long HRV stream quadratic)
      const held = (rrByRecord[owner] ??= []);
      for (const x of rr) held.push(x);
    },
  });
  const [error] = errors;
  if (error !== undefined) {
    // the SDK's one gap: a valid file that uses compressed timestamp headers
    const unsupported = /not currently supported/.test(error.message);
    throw new RecordingError(`${unsupported ? 'unsupported' : 'corrupt'} FIT file: ${error.message}`);
  }
  const collector = new SampleCollector();
  (messages.recordMesgs ?? []).forEach((record, i) => {
    const where = `record ${i + 1}`;
    const ts = toMs(record.timestamp);
    if (ts === null) throw new RecordingError(`${where}: no usable timestamp`);
    collector.add(
      {
        ts,
        bpm: record.heartRate ?? null,
        rr: rrByRecord[i] ?? [],
        cadence: record.cadence ?? null,
        power: record.power ?? null,
        speed: record.enhancedSpeed ?? record.speed ?? null,
      },
      where,
    );
  });
  return collector.finish('fit', summarise(messages.sessionMesgs ?? []));
}
