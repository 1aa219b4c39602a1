import { describe, expect, it } from 'vitest';
import { checkpointHeader, decodeProcessorCheckpoint } from './processor-checkpoint.ts';

describe('processor checkpoint', () => {
  it('keeps the stream time with the users’ state', () => {
    const users = Buffer.from([1, 2, 3]);
    expect(decodeProcessorCheckpoint(Buffer.concat([checkpointHeader(1_700_000_061_000), users]))).toEqual({
      streamTime: 1_700_000_061_000,
      users,
    });
    // a task that has seen nothing yet
    expect(decodeProcessorCheckpoint(checkpointHeader(-Infinity))).toEqual({
      streamTime: -Infinity,
      users: null,
    });
  });

  it('does not read bytes of an earlier format as state', () => {
    // the lean windows' snapshot began with the Avro array's item count (a zigzag varint)
    expect(decodeProcessorCheckpoint(Buffer.from([0x02, 0x06, 0x61, 0x6e, 0x61]))).toBeNull();
    // forty users, the first with a one-letter id
    expect(decodeProcessorCheckpoint(Buffer.from([0x50, 0x02, 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeNull();
    expect(decodeProcessorCheckpoint(Buffer.alloc(0))).toBeNull();
  });
});
