import { describe, expect, it } from 'vitest';
import { checkpointHeader, decodeProcessorCheckpoint } from './processor-checkpoint.ts';

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
});
