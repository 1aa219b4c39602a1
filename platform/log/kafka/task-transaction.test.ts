import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { whileConcurrent } from './task-transaction.ts';

/** The errors a broker's answer becomes in kafkajs (by Kafka error code). */
const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error & { type: string };
};
const CONCURRENT_TRANSACTIONS = 51;
const INVALID_PRODUCER_EPOCH = 47;

describe('whileConcurrent', () => {
  it('asks again while the previous transaction is still being completed', async () => {
    let calls = 0;
    const result = await whileConcurrent(async () => {
      if (++calls < 3) throw createErrorFromCode(CONCURRENT_TRANSACTIONS);
      return 'added';
    });
    expect(result).toBe('added');
    expect(calls).toBe(3);
  });

  it('passes any other error on at once', async () => {
    let calls = 0;
    const fenced = createErrorFromCode(INVALID_PRODUCER_EPOCH);
    await expect(
      whileConcurrent(async () => {
        calls++;
        throw fenced;
      }),
    ).rejects.toBe(fenced);
    expect(calls).toBe(1);
  });

  it('gives up after its attempts', async () => {
    let calls = 0;
    await expect(
      whileConcurrent(async () => {
        calls++;
        throw createErrorFromCode(CONCURRENT_TRANSACTIONS);
      }, 3),
    ).rejects.toMatchObject({ type: 'CONCURRENT_TRANSACTIONS' });
    expect(calls).toBe(3);
  });
});
