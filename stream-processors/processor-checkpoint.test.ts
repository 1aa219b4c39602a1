import { describe, expect, it } from 'vitest';
import { createTaskState, parseWindowSpecs } from '../platform/index.ts';
import { WindowEngine } from './engine/engine.ts';
import { userStreamSchema, type UserStreamRecord } from './engine/user-stream.ts';
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
      version: 3,
      streamTime: 1_700_000_061_000,
      users,
    });
    // a task that has seen nothing yet
    expect(decodeProcessorCheckpoint(checkpointHeader(-Infinity))).toEqual({
      version: 3,
      streamTime: -Infinity,
      users: null,
    });
  });

  it('reads version 2 (before the resting-HR minute), and says so: its state has an earlier schema', () => {
    const v2 = checkpointHeader(1_700_000_061_000);
    v2[2] = 2;
    expect(decodeProcessorCheckpoint(v2)).toMatchObject({ version: 2, streamTime: 1_700_000_061_000 });
    v2[2] = 4;
    expect(decodeProcessorCheckpoint(v2)).toEqual({
      unreadable: 'it is version 4, written by a later release (this one reads 2–3)',
    });
    v2[2] = 1;
    expect(decodeProcessorCheckpoint(v2)).toEqual({ unreadable: 'it is version 1 (this release reads 2–3)' });
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
    expect(restoreProcessorCheckpoint(restored, 0, snapshot)).toMatchObject({ version: 3, streamTime: T0 + 11_000 });
    expect(restored.get(0, 'ana')!.ts).toEqual(ana.ts);
    expect(restored.get(0, 'ana')!.heldCount).toBe(ana.heldCount);

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
