/**
 * A task's checkpoint as kept in its group's changelog topic: the next offset per topic and the
 * stage's state bytes, in one record, so the two are always read back together.
 */
export interface Checkpoint {
  positions: Record<string, number>;
  state: Buffer | null;
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const header = Buffer.from(JSON.stringify({ positions: c.positions, hasState: c.state !== null }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([len, header, c.state ?? Buffer.alloc(0)]);
}

export function decodeCheckpoint(b: Buffer): Checkpoint {
  const n = b.readUInt32BE(0);
  const header = JSON.parse(b.subarray(4, 4 + n).toString()) as {
    positions: Record<string, number>;
    hasState: boolean;
  };
  return { positions: header.positions, state: header.hasState ? Buffer.from(b.subarray(4 + n)) : null };
}
