import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Producer, ProducerRecord, Transaction } from 'kafkajs';
import type { OutputLedger } from './output-ledger.ts';

/**
 * One task's exactly-once producer (Kafka Streams' EOS per task): a transactional producer whose
 * id is the group's and the task's, so the member that takes the task over fences this one off and
 * aborts what it left open. Everything the stage produces while it handles the task's records
 * (found through `transactionScope`), the task's checkpoint and the group's offsets commit in one
 * Kafka transaction, or none of them does.
 */
export class TaskTransaction implements ProduceScope {
  private current: Promise<Transaction> | null;
  /** a replayable stage's committed outputs since the snapshot (SubscribeOptions.replayable) */
  ledger: OutputLedger | null = null;
  /**
   * The open transaction's sends, one after another. The stage goes on with its next records
   * while they travel (awaited in the task's turn, a send's round trip held the task up for about
   * a fifth of the time in the kafka bench), and the commit waits for them: a failed one fails the
   * commit, which restores the task (Kafka Streams' record collector checks its sends at the
   * commit too). Its outputs are not visible before the commit either way.
   */
  private sending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly producer: Producer,
    first: Transaction,
  ) {
    this.current = Promise.resolve(first);
  }

  /** Connects and fences every earlier producer of this id (their open transaction is aborted). */
  static async open(kafka: Kafka, transactionalId: string): Promise<TaskTransaction> {
    const producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      // a transaction's first send right after a commit meets CONCURRENT_TRANSACTIONS while the
      // broker still writes the commit markers (milliseconds): with the client's 200 ms first retry
      // the task's next batch waited that long after every commit (Kafka's Java client retries it
      // after 20 ms)
      retry: { retries: 10, initialRetryTime: 10, maxRetryTime: 1000 },
    });
    await producer.connect();
    try {
      // kafkajs initialises the transactional id (the fencing) on the first transaction
      return new TaskTransaction(producer, await producer.transaction());
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async send(record: ProducerRecord, ids: (string | undefined)[] = []): Promise<void> {
    let messages = record.messages;
    if (this.ledger) {
      const keep = this.ledger.admit(
        record.topic,
        messages.map((m) => (m.key === null || m.key === undefined ? null : String(m.key))),
        ids,
      );
      if (keep.length === 0) return;
      if (keep.length < messages.length) messages = keep.map((i) => messages[i]!);
    }
    this.current ??= this.producer.transaction();
    const open = this.current;
    // (after a failed send the ones behind it are not sent: the commit fails anyway)
    this.sending = this.sending.then(async () => {
      await (await open).send({ ...record, messages });
    });
    this.sending.catch(() => undefined); // (the commit reports it)
  }

  /** Adds the changelog records (checkpoint, output ids) and the group's offsets to the open transaction and commits it. */
  async commit(
    changelog: ProducerRecord | null,
    offsets: {
      consumerGroupId: string;
      topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
    },
  ): Promise<void> {
    this.current ??= this.producer.transaction();
    const tx = await this.current;
    await this.sent();
    if (changelog && changelog.messages.length > 0) await tx.send(changelog);
    await whileConcurrent(() => tx.sendOffsets(offsets));
    this.current = null;
    await tx.commit();
  }

  /** Drops what the open transaction holds (its records are never read by read_committed readers). */
  async abort(): Promise<void> {
    const open = this.current;
    this.current = null;
    await this.sent().catch(() => undefined);
    if (!open) return;
    const tx = await open.catch(() => null);
    if (tx?.isActive()) await tx.abort();
  }

  /** Waits for the open transaction's sends (rejects when one failed); the next transaction's start afresh. */
  private sent(): Promise<void> {
    const sending = this.sending;
    this.sending = Promise.resolve();
    return sending;
  }

  async close(): Promise<void> {
    await this.abort().catch(() => undefined);
    await this.producer.disconnect();
  }
}

/**
 * Runs a transactional request again while the broker answers CONCURRENT_TRANSACTIONS: the
 * producer's previous transaction is still being completed (its markers written; milliseconds).
 * kafkajs retries that for a send's AddPartitionsToTxn but not for sendOffsets' AddOffsetsToTxn,
 * the first request of a transaction that produced nothing: the commit failed and the task was
 * restored from its checkpoint and read again (twice in six kafka bench runs, every task at once:
 * a stall of seconds). Kafka's Java client retries it.
 */
export async function whileConcurrent<T>(request: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if ((err as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || attempt >= attempts) throw err;
      await sleep(Math.min(10 * 2 ** (attempt - 1), 1000));
    }
  }
}

/** Where produce() sends while a task's records are handled: its transaction. */
export interface ProduceScope {
  /** `ids`: the records' ProduceRecord.id, by index */
  send(record: ProducerRecord, ids?: (string | undefined)[]): Promise<void>;
}

/** The scope of the task whose records are being handled (see KafkaSubscription.deliver). */
export const transactionScope = new AsyncLocalStorage<ProduceScope>();
