import { createRequire } from 'node:module';

/** kafkajs's filter of a fetch's records under read_committed (patched: patches/kafkajs+2.2.4.patch). */
export type AbortedFilter = (args: {
  messages: { offset: string; key: Buffer | null; isControlRecord: boolean; batchContext: object }[];
  abortedTransactions: { producerId: string; firstOffset: string }[];
}) => { offset: string }[];

export const kafkajsFilter = (): AbortedFilter =>
  createRequire(import.meta.url)('kafkajs/src/consumer/filterAbortedMessages.js') as AbortedFilter;

/** A record of a transaction, or (`control`) its abort marker, as kafkajs decodes them. */
export const transactionalRecord = (offset: number, producerId: string, control = false) => ({
  offset: String(offset),
  key: Buffer.from(control ? [0, 0, 0, 0] : [1]),
  isControlRecord: control,
  batchContext: { producerId, inTransaction: true },
});

/**
 * Refuses a kafkajs whose read_committed filter is not patched (an install with
 * --ignore-scripts skips patch-package): it lets through a transaction that began before another
 * whose abort completed first, and exactly-once restores would then drop outputs never committed.
 */
export function assertReadCommittedFilter(filter: AbortedFilter = kafkajsFilter()): void {
  const kept = filter({
    messages: [
      transactionalRecord(0, '1'),
      transactionalRecord(1, '2'),
      transactionalRecord(2, '2', true),
      transactionalRecord(3, '1', true),
    ],
    abortedTransactions: [
      { producerId: '2', firstOffset: '1' },
      { producerId: '1', firstOffset: '0' },
    ],
  });
  if (kept.some((m) => m.offset === '0' || m.offset === '1'))
    throw new Error(
      'kafkajs is not patched (patches/kafkajs+2.2.4.patch): its read_committed filter lets aborted ' +
        'transactions through. Install with `npm ci` without --ignore-scripts, or run `npx patch-package`.',
    );
}
