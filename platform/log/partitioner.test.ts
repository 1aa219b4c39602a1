import { describe, expect, it } from 'vitest';
import { murmur2, partitionFor } from './partitioner.ts';

describe('murmur2', () => {
  // Expected values from Kafka's own UtilsTest.testMurmur2 (clients/src/test/.../UtilsTest.java).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s like Kafka', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it('maps keys into range and is stable', () => {
    for (let i = 0; i < 1000; i++) {
      const p = partitionFor(`user-${i}`, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
      expect(partitionFor(`user-${i}`, 7)).toBe(p);
    }
  });
});
