/**
 * The event log every stage talks through. Two implementations: the embedded on-disk log
 * (embedded/) and Kafka. Stages never know which one they run on.
 */

export interface TopicSpec {
  name: string;
  /** default: the log's configured partition count */
  partitions?: number;
  /** keep only the newest record per key (pulse.profiles.v1) */
  compacted?: boolean;
  /** delete whole segments older than this; default: the log's retention */
  retentionMs?: number;
  /** delete the oldest segments while a partition is bigger than this */
  retentionBytes?: number;
  /** Kafka: the largest record batch the topic takes (max.message.bytes); default: the broker's */
  maxMessageBytes?: number;
}

export interface ProduceRecord {
  /** userId on every topic; decides the partition (murmur2, as Kafka's default partitioner) */
  key: string;
  value: Buffer;
  /** ms since the epoch; default: now */
  timestamp?: number;
  /**
   * What the record is (a user's window, the dead letter of a source record), the same each time
   * a task computes it again and never that of another record of the same topic and key: see
   * SubscribeOptions.replayable.
   */
  id?: string;
}

export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
  /** append time, ms */
  timestamp: number;
  /** the bytes as stored, when the log unframed `value` from them (Kafka's wire format) */
  stored?: Buffer;
}

/**
 * A consumer group member. Records are delivered per task (= partition number, across the
 * subscribed topics, which must be co-partitioned), in offset order within each topic-partition,
 * one batch at a time per task. Offsets (and the task's state snapshot) are committed only after
 * the batch handler resolved: delivery is at-least-once, and a restart resumes from the last
 * commit with the state saved at that commit.
 */
export interface SubscribeOptions {
  group: string;
  /** Earlier topics are drained first within a task (tables such as profiles before samples). */
  topics: string[];
  /**
   * The first `tables` topics are tables (profiles) that the later ones must not overtake: a task
   * delivers a later topic's records only once it has read what the tables held by then, on Kafka
   * too, where topics are fetched independently (the embedded log always reads in topic order).
   * Default 0: earlier topics are drained first when a task is assigned.
   */
  tables?: number;
  /**
   * Called with the records of one task; the next batch for that task waits for it. When it
   * fails, a subscription with `snapshot` puts the task back to its last checkpoint (onAssign
   * again, and the records after it read again); one without delivers the batch again.
   */
  onBatch(records: LogRecord[], task: number): Promise<void> | void;
  /** The task was assigned; `state` is what snapshot() returned at its last commit, if any. */
  onAssign?(task: number, state: Buffer | null): Promise<void> | void;
  /** The task is going away (shutdown, rebalance): flush what is pending; a commit follows. */
  onRevoke?(task: number): Promise<void> | void;
  /**
   * Another member took the task over (a rebalance): nothing of it is committed here any more, so
   * what the stage keeps for it can go. (Not on close, and never on the embedded log, whose one
   * member keeps every task while it is open.)
   */
  onRelease?(task: number): void;
  /**
   * Records the log itself cannot read for this subscriber (Kafka: not in Confluent wire format,
   * a schema id the registry does not know); the handler makes them durable (the DLQ) before it
   * resolves, and their offsets are committed with the batch. Without a handler such a record
   * stops its task (retried with backoff, never skipped).
   */
  onReject?(rejected: { record: LogRecord; reason: string; detail: string }[], task: number): Promise<void> | void;
  /** State to commit atomically with the task's offsets. */
  snapshot?(task: number): Buffer | null;
  /**
   * Exactly-once read-process-write (Kafka; kafkajs transactions with sendOffsets): what onBatch
   * produces for a task commits atomically with the task's offsets and state, and becomes visible
   * to (read_committed) readers only then. The embedded log, one process that fsyncs each hop,
   * stays at-least-once: a crash replays the batches after the last checkpoint.
   */
  exactlyOnce?: boolean;
  /**
   * Exactly-once, for a stage whose every output carries an id (ProduceRecord.id) and whose
   * state is large: the state joins a transaction only every `PULSE_COMMIT_INTERVAL_MS` instead of
   * every one. A task restored from such a snapshot reads again from the snapshot's offsets, and
   * the outputs it computes again whose ids were committed since then are dropped (each
   * transaction records its outputs' ids in the changelog), so readers still see each output once.
   */
  replayable?: boolean;
  /** Where a group with no committed offset starts: 'earliest' (default) or 'latest'. */
  fromBeginning?: boolean;
  /**
   * Topics where a group with no committed offset starts at the end, whatever fromBeginning says:
   * streams of which only what comes next matters, beside tables read from their start.
   */
  fromEnd?: string[];
  maxBatchRecords?: number;
  /**
   * When a task has had nothing to read for this long (wall clock, ms), onBatch is called with no
   * records, so a stage can act on time passing (close an idle partition's windows), as Kafka
   * Streams' wall-clock punctuation does. Off when absent.
   */
  punctuateMs?: number;
}

/** Whether a group with no committed offset reads `topic` from its end (both logs' rule). */
export function startsAtEnd(options: Pick<SubscribeOptions, 'fromBeginning' | 'fromEnd'>, topic: string): boolean {
  return options.fromBeginning === false || (options.fromEnd?.includes(topic) ?? false);
}

export interface Subscription {
  /** Commits now (offsets + snapshots of every assigned task). */
  commit(): Promise<void>;
  /** Stops delivery after the current batches, revokes, commits. */
  close(): Promise<void>;
  /** Resolves when every task has caught up with the end of its partitions as of this call. */
  caughtUp(): Promise<void>;
}

export interface Log {
  readonly kind: 'embedded' | 'kafka';
  /**
   * Identifies this log: its offsets mean nothing in another one (a new data dir, a new cluster),
   * so anything that keeps offsets outside the log keeps this id beside them.
   */
  readonly id: string;
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  partitionsOf(topic: string): number;
  /**
   * Resolves once every record is durable (fsynced / acknowledged by the brokers). Inside an
   * exactly-once task's batch (Kafka), once they are queued in its transaction instead: they are
   * written and become visible at its commit, which fails (and restores the task) if they cannot be.
   */
  produce(topic: string, records: ProduceRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Subscription;
  /** Number of the next offset per partition (for lag metrics and tests). */
  endOffsets(topic: string): Promise<number[]>;
  /** Records not yet processed, per consumer group with a member in this process. */
  consumerLag(): Promise<Record<string, number>>;
  /**
   * Why the log cannot take writes now, or null: the embedded log's partition whose fdatasync
   * failed takes no more until the log is reopened (/readyz says so). Kafka: the brokers tell.
   */
  unwritable?(): string | null;
  close(): Promise<void>;
}
