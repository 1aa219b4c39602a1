import { describe, expect, it } from 'vitest';
import { createTaskState, parseWindowSpecs } from '../platform/index.ts';
import { WindowEngine } from './engine/engine.ts';
import { userStreamSchema, userStreamSchemaV3, type UserStreamRecord } from './engine/user-stream.ts';
import { checkpointHeader, decodeProcessorCheckpoint, restoreProcessorCheckpoint } from './processor-checkpoint.ts';
import { testSample } from './test-samples.ts';

const T0 = 1_700_000_000_000;
const engine = new WindowEngine(parseWindowSpecs('live=tumbling:10s'), {
  outOfOrderMs: 5000,
  graceMs: 0,
  staggered: false,
  zoneBasis: 'max',
  rrCorrection: 'auto',
});
const newState = () => createTaskState(userStreamSchema, (r: UserStreamRecord) => engine.revive(r));

describe('processor checkpoint', () => {
  it('keeps the stream time with the users’ state', () => {
    const users = Buffer.from([1, 2, 3]);
    expect(decodeProcessorCheckpoint(Buffer.concat([checkpointHeader(1_700_000_061_000), users]))).toEqual({
      version: 4,
      streamTime: 1_700_000_061_000,
      users,
    });
    // a task that has seen nothing yet
    expect(decodeProcessorCheckpoint(checkpointHeader(-Infinity))).toEqual({
      version: 4,
      streamTime: -Infinity,
      users: null,
    });
  });

  it('reads versions 2 and 3 (before the resting-HR minute, before liveEnd), and says so: their state has an earlier schema', () => {
    const earlier = checkpointHeader(1_700_000_061_000);
    for (const version of [2, 3]) {
      earlier[2] = version;
      expect(decodeProcessorCheckpoint(earlier)).toMatchObject({ version, streamTime: 1_700_000_061_000 });
    }
    earlier[2] = 5;
    expect(decodeProcessorCheckpoint(earlier)).toEqual({
      unreadable: 'it is version 5, written by a later release (this one reads 2–4)',
    });
    earlier[2] = 1;
    expect(decodeProcessorCheckpoint(earlier)).toEqual({ unreadable: 'it is version 1 (this release reads 2–4)' });
  });

  it("restores a version 3 checkpoint's users with the schema it was written with", () => {
    const ana = engine.newStream('ana');
    for (let i = 0; i < 16; i++)
      engine.add(ana, testSample(T0 + i * 1000, 120 + i, { userId: 'ana' }), () => undefined);
    expect(ana.liveEnd).toBe(T0 + 10_000);
    // the users' bytes as version 3 wrote them: TaskState's snapshot with that schema
    const v3 = createTaskState(userStreamSchemaV3, (r: UserStreamRecord) => engine.revive(r));
    v3.set(0, 'ana', ana);
    const snapshot = v3.snapshot(0, checkpointHeader(T0 + 15_000))!;
    snapshot[2] = 3;
    const restored = newState();
    expect(restoreProcessorCheckpoint(restored, 0, snapshot)).toMatchObject({ version: 3, streamTime: T0 + 15_000 });
    expect(restored.get(0, 'ana')!.ts).toEqual(ana.ts);
    // (not saved then: nothing is counted into windows passed over before the next live window)
    expect(restored.get(0, 'ana')!.liveEnd).toBe(-Infinity);
  });

  it('does not read bytes of an earlier format as state', () => {
    const earlier = { unreadable: 'it is of an earlier format (before the window engine)' };
    // the lean windows' snapshot began with the Avro array's item count (a zigzag varint)
    expect(decodeProcessorCheckpoint(Buffer.from([0x02, 0x06, 0x61, 0x6e, 0x61]))).toEqual(earlier);
    // forty users, the first with a one-letter id
    expect(decodeProcessorCheckpoint(Buffer.from([0x50, 0x02, 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toEqual(earlier);
    expect(decodeProcessorCheckpoint(Buffer.alloc(0))).toEqual(earlier);
  });

  it("restores the users' state, and sets aside a checkpoint whose state does not decode instead of failing again and again", () => {
    const saved = newState();
    const ana = engine.newStream('ana');
    for (let i = 0; i < 12; i++)
      engine.add(ana, testSample(T0 + i * 1000, 120 + i, { userId: 'ana' }), () => undefined);
    saved.set(0, 'ana', ana);
    const snapshot = saved.snapshot(0, checkpointHeader(T0 + 11_000))!;

    const restored = newState();
    expect(restoreProcessorCheckpoint(restored, 0, snapshot)).toMatchObject({ version: 4, streamTime: T0 + 11_000 });
    expect(restored.get(0, 'ana')!.ts).toEqual(ana.ts);
    expect(restored.get(0, 'ana')!.heldCount).toBe(ana.heldCount);
    expect(restored.get(0, 'ana')!.liveEnd).toBe(ana.liveEnd);

    // the users' bytes cut short: the task starts empty, with the reason
    const cut = newState();
    cut.set(0, 'ben', engine.newStream('ben'));
    const result = restoreProcessorCheckpoint(cut, 0, snapshot.subarray(0, snapshot.length - 40));
    expect(result).toEqual({ unreadable: expect.stringMatching(/^its users' state does not decode \(.+\)$/) });
    expect(cut.get(0, 'ana')).toBeUndefined();
    expect(cut.get(0, 'ben')).toBeUndefined();

    // an unreadable version, and no checkpoint at all, start empty too
    const later = Buffer.from(snapshot);
    later[2] = 9;
    expect(restoreProcessorCheckpoint(cut, 0, later)).toMatchObject({
      unreadable: expect.stringContaining('version 9'),
    });
    expect(restoreProcessorCheckpoint(cut, 0, null)).toBeNull();
    expect(cut.get(0, 'ana')).toBeUndefined();
  });
});
