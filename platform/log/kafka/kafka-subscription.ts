import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { startsAtEnd, type LogRecord, type SubscribeOptions, type Subscription } from '../types.ts';
import { coPartitionAssigner } from './co-partition-assigner.ts';
import { offsetsByPartition, type KafkaHost } from './host.ts';
import { decodeOutputIds, OutputLedger, parseChangelogKey } from './output-ledger.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './snapshot-frame.ts';
import { TaskTransaction, transactionScope } from './task-transaction.ts';
import type { RejectedRecord } from './wire-format.ts';

const MAX_BACKOFF_MS = 10_000;
const backoff = (attempt: number): number => Math.min(100 * 2 ** attempt, MAX_BACKOFF_MS);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** checkpoints of big states (the processor's windows) exceed Kafka's 1 MB default */
const MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024;

interface Task {
  task: number;
  /** next offset to deliver, per topic (local name) */
  positions: Map<string, number>;
  /** per earlier topic: its end offset when the task was assigned; earlier topics drain first */
  drainTo: number[];
  ready: Promise<void>;
  assigned: boolean;
  /** batches of a task run one at a time, and commits take their cut between them */
  lock: Promise<unknown>;
  failed: boolean;
  /** restores from the checkpoint in a row: the back-off grows until a batch goes past `failedAt` */
  rewinds: number;
  /** the topic and offset of the last record of the last batch that failed */
  failedAt: { topic: string; offset: number } | null;
  dirty: boolean;
  revoked: boolean;
  lastInput: number;
  /** exactly-once: the task's transactional producer (open while the task is ours) */
  tx: TaskTransaction | null;
  /**
   * replayable: per topic, where the earlier owner committed, while the task (restored from an
   * older snapshot) is still before it; null once it is not
   */
  replayUntil: Map<string, number> | null;
  /** replayable: when the task's state last joined a transaction (ms; −∞: at the next commit) */
  lastSnapshot: number;
  /**
   * Counts the task's assignments and restores: a batch fetched before a restore must not move
   * the restored task's positions (a restore between its records and its trailing markers would
   * have it step over records it never delivered)
   */
  epoch: number;
}

/**
 * What the changelog holds for a task: its checkpoint, and since then the ids of the outputs
 * committed, how many id records held them, and the furthest offsets they were committed with.
 */
interface TaskRestore {
  checkpoint: Checkpoint | null;
  outputIds: string[];
  idRecords: number;
  committedTo: Record<string, number>;
}

const nothing = (): TaskRestore => ({ checkpoint: null, outputIds: [], idRecords: 0, committedTo: {} });

interface Waiter {
  targets: Map<string, number[]>;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * A consumer group member on Kafka with the embedded log's promises: tasks (partition p of every
 * topic, by the co-partition assignor), one batch at a time per task, earlier topics drained
 * first when a task is assigned, and a checkpoint per task — its offsets and the stage's state,
 * one record in the group's compacted changelog topic — written before the group's offsets are
 * committed. A task restores from its checkpoint (and seeks to its offsets) when assigned, so a
 * crash between the two writes redelivers nothing into a state that already holds it.
 *
 * With `exactlyOnce`, each task has a transactional producer (TaskTransaction): what the stage
 * produces for the task, its checkpoint and the group's offsets commit in one Kafka transaction
 * every `exactlyOnceCommitIntervalMs`, and a member that takes a task over first fences the one
 * that had it. A batch or a commit that fails aborts the transaction and restores the task from its
 * last checkpoint, so read_committed readers see each output once. With `replayable` too, the
 * checkpoint joins a transaction only every `commitIntervalMs` (a stage's whole state is too big
 * for every 100 ms); the transactions in between carry the ids of their outputs (OutputLedger),
 * and a task restored from the checkpoint reads its records again, dropping what was committed.
 */
export class KafkaSubscription implements Subscription {
  readonly group: string;
  private readonly consumer: Consumer;
  private readonly tasks = new Map<number, Task>();
  private readonly topics: string[];
  private readonly changelog: string;
  private readonly started: Promise<void>;
  private joined!: () => void;
  private readonly firstJoin = new Promise<void>((r) => (this.joined = r));
  private closingNow!: () => void;
  /** resolves when close() begins: what waits for the first join or the brokers stops waiting then */
  private readonly closingStarted = new Promise<void>((r) => (this.closingNow = r));
  private readonly timers: NodeJS.Timeout[] = [];
  private waiters: Waiter[] = [];
  private readonly tableEnds = new Map<string, { at: number; ends: Promise<number[]> }>();
  private commits: Promise<void> = Promise.resolve();
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly log: KafkaHost,
    private readonly options: SubscribeOptions,
    private readonly onClosed: () => void,
  ) {
    this.group = options.group;
    this.topics = options.topics;
    if (new Set(this.topics).size !== this.topics.length)
      throw new Error(`subscribe (group ${this.group}): a topic is listed twice`);
    const counts = new Set(this.topics.map((t) => log.partitionsOf(t)));
    if (counts.size > 1) throw new Error(`subscribe (group ${this.group}): the topics are not co-partitioned`);
    if (options.replayable && options.exactlyOnce && !options.snapshot)
      throw new Error(`subscribe (group ${this.group}): replayable needs a snapshot to replay from`);
    const max = options.maxBatchRecords ?? 1000;
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`subscribe (group ${this.group}): bad maxBatchRecords ${max}`);
    this.changelog = log.name(`__pulse_state.${this.group}`);
    this.consumer = log.kafka.consumer({
      groupId: log.name(this.group),
      partitionAssigners: [coPartitionAssigner],
      sessionTimeout: 10_000,
      rebalanceTimeout: 20_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 50,
      // probe often: a member must notice a broker that is back within seconds, not half a minute
      retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => this.onJoin(e.payload.memberAssignment));
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload: b }) => {
      const t = this.tasks.get(b.partition);
      if (b.batchSize === 0 && t && b.firstOffset !== null)
        this.skipTo(t, t.epoch, this.local(b.topic), Number(b.firstOffset), Number(b.lastOffset) + 1).catch(
          (err: unknown) =>
            this.log.logger.error({ err, group: this.group, task: t.task }, 'moving past transaction markers failed'),
        );
    });
    // kafkajs restarts after retriable errors only; a broker that is away while the member joins
    // (no group coordinator) ends it for good, so the member starts itself again, with backoff
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      log.logger.warn(
        { group: this.group, err: e.payload.error.message, restart: e.payload.restart },
        'consumer crashed',
      );
      if (!e.payload.restart) this.restart(0);
    });
    this.started = this.start();
    this.started.catch(() => undefined); // only ever rejects once closing
    const every = options.exactlyOnce ? log.exactlyOnceCommitIntervalMs : log.commitIntervalMs;
    this.timers.push(setInterval(() => void this.commit().catch((err: unknown) => this.commitFailed(err)), every));
    if (options.punctuateMs !== undefined) {
      const every = options.punctuateMs;
      this.timers.push(setInterval(() => this.punctuate(every), Math.max(10, Math.min(every, 1000))));
    }
    for (const t of this.timers) t.unref();
  }

  /** Joins the group; a busy or starting broker refuses for a while, so it tries until it can. */
  private start(): Promise<void> {
    return this.retrying('starting the consumer', () => this.startOnce());
  }

  private async startOnce(): Promise<void> {
    if (this.options.snapshot) {
      await this.log.ensureInternalTopic(this.changelog, {
        'cleanup.policy': 'compact',
        'max.message.bytes': String(MAX_CHECKPOINT_BYTES),
      });
    }
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.topics.map((t) => this.log.name(t)),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.run();
  }

  private run(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.topics.length * this.log.partitionsOf(this.topics[0]!),
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  private restart(attempt: number): void {
    const timer = setTimeout(() => {
      if (this.closing) return;
      this.consumer
        .connect()
        .then(() => this.run())
        .catch((err: unknown) => {
          this.log.logger.warn({ group: this.group, err: (err as Error).message }, 'consumer restart failed; retrying');
          this.restart(attempt + 1);
        });
    }, backoff(attempt));
    timer.unref();
  }

  private local(name: string): string {
    return name.slice(this.log.name('').length);
  }

  // -- assignment -------------------------------------------------------------------------------

  private onJoin(assignment: Record<string, number[]>): void {
    const mine = new Set(Object.values(assignment).flat());
    // (what an operator looks for after a member died or joined: who took which tasks over)
    const given = [...this.tasks.keys()].filter((n) => !mine.has(n)).sort((a, b) => a - b);
    const taken = [...mine].filter((n) => !this.tasks.has(n)).sort((a, b) => a - b);
    if (given.length > 0 || taken.length > 0) {
      this.log.logger.info(
        { group: this.group, taken, given, tasks: [...mine].sort((a, b) => a - b) },
        'tasks assigned',
      );
    }
    for (const [n, t] of this.tasks) {
      if (mine.has(n)) continue;
      // another member owns it now and restores it from the last checkpoint
      this.tasks.delete(n);
      t.revoked = true;
      void this.withLock(t, async () => {
        try {
          if (t.assigned && !t.failed) await this.options.onRevoke?.(n);
        } finally {
          // its new owner fenced this producer off already: what it holds is aborted
          await t.tx?.close().catch(() => undefined);
          t.tx = null;
          // (unless a later rebalance gave it back meanwhile: its state is then being restored)
          if (!this.tasks.has(n)) this.options.onRelease?.(n);
        }
      }).catch((err: unknown) => this.log.logger.error({ err, group: this.group, task: n }, 'onRevoke failed'));
    }
    const fresh = [...mine].filter((n) => !this.tasks.has(n)).sort((a, b) => a - b);
    if (fresh.length > 0 && this.topics.length > 1) {
      this.consumer.pause(this.topics.slice(1).map((t) => ({ topic: this.log.name(t), partitions: fresh })));
    }
    const fresh_ = fresh.map((n) => ({ n, tx: this.fence(n) }));
    // a checkpoint is read only after the task's earlier producer is fenced off: it can then no
    // longer commit a newer one
    const checkpoints = Promise.all(fresh_.map((f) => f.tx)).then(() =>
      this.retrying('reading checkpoints', () => this.readCheckpoints(fresh)),
    );
    for (const { n, tx } of fresh_) {
      const t: Task = {
        task: n,
        positions: new Map(),
        drainTo: [],
        ready: Promise.resolve(),
        assigned: false,
        lock: Promise.resolve(),
        failed: false,
        rewinds: 0,
        failedAt: null,
        dirty: false,
        revoked: false,
        lastInput: Date.now(),
        tx: null,
        replayUntil: null,
        lastSnapshot: -Infinity,
        epoch: 0,
      };
      // the broker may be away (a restart): assignment reads offsets, so it tries until it can
      t.ready = this.withLock(t, async () => {
        t.tx = await tx;
        if (t.revoked) {
          await t.tx?.close();
          return;
        }
        const c = await checkpoints;
        await this.retrying(`assigning task ${n}`, () => this.assign(t, c.get(n) ?? nothing()));
      });
      this.tasks.set(n, t);
    }
    this.joined();
  }

  /** exactly-once: the task's transactional producer, opened (which fences earlier ones) */
  private fence(task: number): Promise<TaskTransaction | null> {
    if (!this.options.exactlyOnce) return Promise.resolve(null);
    const id = `${this.log.name(this.group)}.task-${task}`;
    return this.retrying(`fencing task ${task}`, () => TaskTransaction.open(this.log.kafka, id));
  }

  private async assign(t: Task, restore: TaskRestore): Promise<void> {
    const { checkpoint } = restore;
    t.epoch++;
    const committed = await this.committedOffsets();
    const replayUntil = new Map<string, number>();
    for (let i = 0; i < this.topics.length; i++) {
      const topic = this.topics[i]!;
      const ends = await this.log.admin.fetchTopicOffsets(this.log.name(topic));
      const start = offsetsByPartition(ends, startsAtEnd(this.options, topic) ? 'high' : 'low');
      const done = committed.get(topic)?.[t.task];
      const pos = checkpoint?.positions[topic] ?? done ?? start[t.task] ?? 0;
      // outputs were committed up to the furthest of the group's offsets and the id records' (the
      // group's may have expired, or been reset)
      const until = Math.max(done ?? 0, restore.committedTo[topic] ?? 0);
      if (until > pos) replayUntil.set(topic, until);
      t.positions.set(topic, pos);
      if (i < this.topics.length - 1) t.drainTo[i] = offsetsByPartition(ends, 'high')[t.task] ?? 0;
      this.consumer.seek({ topic: this.log.name(topic), partition: t.task, offset: String(pos) });
    }
    if (this.options.replayable && t.tx) {
      t.tx.ledger = new OutputLedger(t.task, new Set(restore.outputIds), restore.idRecords);
      t.replayUntil = replayUntil;
      this.replayed(t);
      // tasks snapshot at different commits, so that no commit encodes them all
      t.lastSnapshot = checkpoint ? Date.now() - this.stagger(t.task) : -Infinity;
    }
    for (let attempt = 0; !this.closing && !t.revoked; attempt++) {
      try {
        await this.options.onAssign?.(t.task, checkpoint?.state ?? null);
        t.assigned = true;
        break;
      } catch (err) {
        this.log.logger.error({ err, group: this.group, task: t.task }, 'onAssign failed; retrying');
        await sleep(backoff(attempt));
      }
    }
    this.gate(t);
    this.notify();
  }

  /** The group's committed offsets per topic (missing: none committed). */
  private async committedOffsets(): Promise<Map<string, number[]>> {
    const rows = await this.log.admin.fetchOffsets({
      groupId: this.log.name(this.group),
      topics: this.topics.map((t) => this.log.name(t)),
    });
    const out = new Map<string, number[]>();
    for (const r of rows) {
      const byPartition: number[] = [];
      for (const p of r.partitions) if (Number(p.offset) >= 0) byPartition[p.partition] = Number(p.offset);
      out.set(this.local(r.topic), byPartition);
    }
    return out;
  }

  /** Runs `fn` until it succeeds (or the subscription closes), with backoff. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.closing) throw err;
        this.log.logger.warn({ group: this.group, err: (err as Error).message }, `${what} failed; retrying`);
        await sleep(backoff(attempt));
      }
    }
  }

  /**
   * The last checkpoint of each task, and the ids of the outputs committed after it, read from the
   * changelog by a short-lived reader.
   */
  private async readCheckpoints(tasks: number[]): Promise<Map<number, TaskRestore>> {
    const found = new Map<number, TaskRestore>();
    if (tasks.length === 0) return found;
    await this.started;
    // a member that keeps no state still restores what an earlier one checkpointed
    if (!(await this.log.admin.listTopics()).includes(this.changelog)) return found;
    const [entry] = await this.log.admin.fetchTopicOffsets(this.changelog);
    const end = Number(entry?.high ?? 0);
    if (end === 0) return found;
    const groupId = `${this.changelog}.restore.${randomUUID()}`;
    const reader = this.log.kafka.consumer({
      groupId,
      maxBytesPerPartition: MAX_CHECKPOINT_BYTES,
      maxWaitTimeInMs: 50,
    });
    const wanted = new Set(tasks);
    try {
      await reader.connect();
      await reader.subscribe({ topics: [this.changelog], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        reader.on(reader.events.CRASH, (e) => {
          if (!e.payload.restart) reject(e.payload.error);
        });
        // the changelog may end with a transaction marker or an aborted checkpoint: kafkajs reports
        // a fetch of only those without calling eachBatch
        reader.on(reader.events.END_BATCH_PROCESS, (e) => {
          if (Number(e.payload.lastOffset) + 1 >= end) resolve();
        });
        reader
          .run({
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) {
                const key = parseChangelogKey(m.key?.toString() ?? '');
                if (!key || !wanted.has(key.task)) continue;
                if (!key.ids) {
                  // what came before a checkpoint is in it; a tombstone (an operator's reset) drops it
                  if (m.value === null) found.delete(key.task);
                  else found.set(key.task, { ...nothing(), checkpoint: decodeCheckpoint(m.value) });
                  continue;
                }
                if (m.value === null) continue;
                const r = found.get(key.task) ?? nothing();
                const { positions, ids } = decodeOutputIds(m.value);
                for (const id of ids) r.outputIds.push(id);
                r.idRecords++;
                for (const [topic, offset] of Object.entries(positions))
                  r.committedTo[topic] = Math.max(r.committedTo[topic] ?? 0, offset);
                found.set(key.task, r);
              }
              if (Number(batch.lastOffset()) + 1 >= end) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await reader.disconnect();
      await this.log.admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return found;
  }

  /** Earlier topics first: a task reads topic k once every earlier topic reached its drain point. */
  private gate(t: Task): number {
    let open = this.topics.length - 1;
    for (let i = 0; i < this.topics.length - 1; i++) {
      if ((t.positions.get(this.topics[i]!) ?? 0) < (t.drainTo[i] ?? 0)) {
        open = i;
        break;
      }
    }
    const name = (i: number) => this.log.name(this.topics[i]!);
    const resume = this.topics.slice(0, open + 1).map((_, i) => ({ topic: name(i), partitions: [t.task] }));
    const pause = this.topics.slice(open + 1).map((_, j) => ({ topic: name(open + 1 + j), partitions: [t.task] }));
    if (!this.closing) {
      this.consumer.resume(resume);
      if (pause.length > 0) this.consumer.pause(pause);
    }
    return open;
  }

  // -- delivery ---------------------------------------------------------------------------------

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const topic = this.local(batch.topic);
    const t = this.tasks.get(batch.partition);
    if (!t || this.closing) return;
    await t.ready;
    if (t.revoked || this.closing) return;
    const index = this.topics.indexOf(topic);
    if (index > this.gate(t)) return; // paused now; unresolved records are fetched again on resume
    const newest = Number(batch.messages[batch.messages.length - 1]?.timestamp ?? 0);
    if (index >= (this.options.tables ?? 0) && (await this.tablesBehind(t, newest))) return; // likewise
    const max = this.options.maxBatchRecords ?? 1000;
    const epoch = t.epoch;
    const from = t.positions.get(topic) ?? 0;
    // after a join kafkajs fetches from the group's committed offset, which lies past the task's
    // place when its state came from an older checkpoint (exactly-once), and a batch fetched before
    // a seek may still come: read from the task's place, unless retention removed what lies between
    const fetched = Number((batch as unknown as { fetchedOffset: string }).fetchedOffset);
    if (fetched > from) {
      // (where retention removed only part of what lies between, from the oldest record it kept)
      const low = await this.lowWatermark(topic, t.task);
      if (low < fetched) {
        this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(Math.max(from, low)) });
        return;
      }
    }
    const messages = batch.messages.filter((m) => Number(m.offset) >= from);
    let expected = from;
    for (let i = 0; i < messages.length; i += max) {
      const slice = messages.slice(i, i + max);
      const records = slice.map((m) => this.record(topic, batch.partition, m));
      if (!(await this.deliver(t, epoch, topic, records, expected))) return;
      expected = records[records.length - 1]!.offset + 1;
      payload.resolveOffset(slice[slice.length - 1]!.offset);
      await payload.heartbeat();
      if (!payload.isRunning() || payload.isStale()) return;
    }
    // a transaction's commit marker (or an aborted record) may end the batch: it is read too
    const first = batch.firstOffset();
    if (first !== null) {
      payload.resolveOffset(batch.lastOffset());
      await this.skipTo(t, epoch, topic, Number(first), Number(batch.lastOffset()) + 1);
    }
    if (index < this.topics.length - 1) this.gate(t);
  }

  /**
   * Whether a table topic holds records the task has not read: then the later topics pause until
   * it has (the gate), as the embedded log's reads in topic order would have it.
   */
  private async tablesBehind(t: Task, since: number): Promise<boolean> {
    let behind = false;
    for (let i = 0; i < (this.options.tables ?? 0); i++) {
      const topic = this.topics[i]!;
      const end = (await this.tableEndsSince(topic, since))[t.task] ?? 0;
      if ((t.positions.get(topic) ?? 0) < end) {
        t.drainTo[i] = Math.max(t.drainTo[i] ?? 0, end);
        behind = true;
      }
    }
    if (behind) this.gate(t);
    return behind;
  }

  /**
   * A table's end offsets as the broker gave them after `since` (ms; the newest record's timestamp
   * in the batch that waits): whatever was written before that record was produced is within them.
   * One request serves every batch of a fetch.
   */
  private tableEndsSince(topic: string, since: number): Promise<number[]> {
    const cached = this.tableEnds.get(topic);
    if (cached && cached.at >= Math.min(since, Date.now())) return cached.ends;
    // the broker may be busy (a fresh one creating its internal topics): ask until it answers
    const fresh = {
      at: Date.now(),
      ends: this.retrying(`reading ${topic}'s end offsets`, () => this.log.endOffsets(topic)),
    };
    this.tableEnds.set(topic, fresh);
    return fresh.ends;
  }

  /**
   * Moves a task past offsets that hold nothing to deliver (transaction markers, aborted records)
   * in [first, next), when it has read everything before them. kafkajs reports a fetch of only such
   * offsets through its END_BATCH_PROCESS event, without calling eachBatch.
   */
  private skipTo(t: Task, epoch: number, topic: string, first: number, next: number): Promise<void> {
    return this.withLock(t, async () => {
      const pos = t.positions.get(topic);
      if (pos === undefined || pos < first || pos >= next || t.revoked || !t.assigned || t.epoch !== epoch) return;
      t.positions.set(topic, next);
      t.dirty = true;
      this.replayed(t);
      // an earlier topic may have reached its drain point: the next one opens
      if (this.topics.indexOf(topic) < this.topics.length - 1) this.gate(t);
      this.notify();
    });
  }

  private record(topic: string, partition: number, m: KafkaMessage): LogRecord {
    return {
      topic,
      partition,
      offset: Number(m.offset),
      key: m.key?.toString() ?? '',
      value: m.value ?? Buffer.alloc(0),
      timestamp: Number(m.timestamp),
      // one shape whether or not the wire format fills it in
      stored: undefined,
    };
  }

  /**
   * Unframes the records and runs onReject and onBatch (retrying with backoff) in the task's turn;
   * false when it gave up (closing).
   */
  private deliver(t: Task, epoch: number, topic: string, framed: LogRecord[], expected: number): Promise<boolean> {
    return this.withLock(t, async () => {
      // while this waited for the task's turn, the task may have been restored (rewind), revoked or
      // closed: then these records are not the next ones for it
      if (this.closing || t.revoked || t.epoch !== epoch || (t.positions.get(topic) ?? 0) !== expected) return false;
      let records: LogRecord[] | null = null;
      for (let attempt = 0; ; attempt++) {
        try {
          await this.inScope(t, async () => {
            if (!records) {
              const read = await this.log.unframe(topic, framed);
              if (read.rejected.length > 0) await this.reject(read.rejected, t.task);
              records = read.records;
            }
            if (records.length > 0) await this.options.onBatch(records, t.task);
          });
          t.failed = false;
          // (a batch replayed after a restore goes through up to the one that failed: the back-off
          // starts again only past it)
          const last = framed[framed.length - 1];
          if (!t.failedAt || (t.failedAt.topic === topic && last !== undefined && last.offset > t.failedAt.offset)) {
            t.rewinds = 0;
            t.failedAt = null;
          }
          break;
        } catch (err) {
          t.failed = true;
          // exactly once, part of the batch's output is in the transaction: it and the state go
          // back together. At least once, a task with state may have changed it before failing:
          // delivered again, the batch would meet that state (a stage would take its records for
          // duplicates, or late, and its outputs would be lost), so it goes back too
          const restore = t.tx !== null || this.options.snapshot !== undefined;
          this.log.logger.error(
            { err, group: this.group, task: t.task, records: framed.length, topic, offset: framed[0]?.offset },
            t.tx
              ? 'onBatch failed; aborting the transaction and restoring the task from its checkpoint'
              : restore
                ? 'onBatch failed; restoring the task from its checkpoint'
                : 'onBatch failed; redelivering the batch (nothing is committed past it)',
          );
          if (this.closing || t.revoked) return false;
          if (restore) {
            const last = framed[framed.length - 1];
            if (last) t.failedAt = { topic, offset: last.offset };
            await sleep(backoff(t.rewinds++));
            if (this.closing || t.revoked) return false;
            await this.rewind(t);
            return false;
          }
          await sleep(backoff(attempt));
          if (this.closing || t.revoked) return false;
        }
      }
      const last = framed[framed.length - 1];
      if (last) t.positions.set(topic, last.offset + 1);
      t.dirty = true;
      this.replayed(t);
      t.lastInput = Date.now();
      this.notify();
      return true;
    });
  }

  /** Replayable: once the task is back where its earlier owner committed, what it produces is new. */
  private replayed(t: Task): void {
    if (!t.replayUntil) return;
    for (const [topic, until] of t.replayUntil) if ((t.positions.get(topic) ?? 0) < until) return;
    t.replayUntil = null;
    t.tx?.ledger?.endReplay();
  }

  /** A task's share of the snapshot interval, so that tasks snapshot at different commits. */
  private stagger(task: number): number {
    const tasks = this.log.partitionsOf(this.topics[0]!);
    return Math.round((task / tasks) * this.log.commitIntervalMs);
  }

  /** The oldest offset the broker still holds for a task's partition (0 when it cannot say). */
  private async lowWatermark(topic: string, task: number): Promise<number> {
    try {
      return offsetsByPartition(await this.log.admin.fetchTopicOffsets(this.log.name(topic)), 'low')[task] ?? 0;
    } catch {
      return 0;
    }
  }

  /** Runs fn with the task's transaction (if any) as the one that produce() joins. */
  private inScope<T>(t: Task, fn: () => Promise<T>): Promise<T> {
    if (!t.tx) {
      // never fall back to the plain producer: outputs would escape the transaction
      if (this.options.exactlyOnce) return Promise.reject(new Error(`task ${t.task} has no transaction`));
      return fn();
    }
    return transactionScope.run(t.tx, fn);
  }

  /**
   * Drops the open transaction (exactly once) and puts the task back where its last checkpoint
   * says (state and offsets, seeking there), in the task's turn.
   */
  private async rewind(t: Task): Promise<void> {
    // a failed commit or abort leaves the producer unusable and the transaction's outcome unknown:
    // a new producer of the same id waits for it to end (and fences the old one) before the
    // checkpoint and the committed offsets are read
    await t.tx
      ?.close()
      .catch((err: unknown) => this.log.logger.warn({ err, task: t.task }, 'closing the producer failed'));
    t.tx = await this.fence(t.task);
    const checkpoints = await this.retrying('reading checkpoints', () => this.readCheckpoints([t.task]));
    await this.retrying(`restoring task ${t.task}`, () => this.assign(t, checkpoints.get(t.task) ?? nothing()));
    t.failed = false;
    t.dirty = false;
  }

  private async reject(rejected: RejectedRecord[], task: number): Promise<void> {
    if (!this.options.onReject) {
      const { record, reason, detail } = rejected[0]!;
      throw new Error(
        `${record.topic}[${record.partition}]@${record.offset} cannot be read (${reason}: ${detail}) and group ${this.group} has no onReject`,
      );
    }
    await this.options.onReject(rejected, task);
  }

  private withLock<T>(t: Task, fn: () => Promise<T>): Promise<T> {
    const run = t.lock.then(fn);
    t.lock = run.catch(() => undefined);
    return run;
  }

  private punctuate(idleMs: number): void {
    const now = Date.now();
    for (const t of this.tasks.values()) {
      // a replay repeats records, not the wall clock
      if (!t.assigned || t.failed || this.closing || t.replayUntil || now - t.lastInput < idleMs) continue;
      t.lastInput = now;
      void this.withLock(t, async () => {
        if (this.closing || t.revoked) return;
        try {
          await this.inScope(t, async () => this.options.onBatch([], t.task));
          // what it closed is in the state the next commit snapshots (exactly once: in the
          // transaction that commit ends, with a snapshot: a replay repeats records, not the wall clock)
          t.dirty = true;
          if (t.tx) t.lastSnapshot = -Infinity;
        } catch (err) {
          // (its state may be half changed: nothing is committed until it is restored)
          t.failed = true;
          this.log.logger.error({ err, group: this.group, task: t.task }, 'punctuation failed');
          // (as a failed batch: what it closed goes back with the state)
          if ((t.tx || this.options.snapshot) && !this.closing && !t.revoked) await this.rewind(t);
        }
      }).catch((err: unknown) => this.log.logger.error({ err, group: this.group, task: t.task }, 'restoring failed'));
    }
  }

  // -- commits ----------------------------------------------------------------------------------

  commit(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`group ${this.group}: subscription is closed`));
    return this.commitNow();
  }

  private commitNow(): Promise<void> {
    const run = this.commits.then(() => this.writeCheckpoints());
    this.commits = run.catch(() => undefined);
    return run;
  }

  private async writeCheckpoints(): Promise<void> {
    if (this.options.exactlyOnce) return this.commitTransactions();
    const cut: { t: Task; positions: Record<string, number>; state: Buffer | null }[] = [];
    const take = (t: Task): void => {
      if (!t.assigned || t.failed || !t.dirty || t.revoked) return;
      cut.push({ t, positions: Object.fromEntries(t.positions), state: this.options.snapshot?.(t.task) ?? null });
      t.dirty = false;
    };
    for (const t of this.tasks.values()) {
      // a snapshot waits for the task's turn, between batches; positions alone move only once a
      // batch succeeded, and a batch retried while its store is down must not hold every task's commits
      if (this.options.snapshot) await this.withLock(t, async () => take(t));
      else take(t);
    }
    if (cut.length === 0) return;
    try {
      if (this.options.snapshot) {
        await this.log.sendRaw(
          this.changelog,
          cut.map((c) => ({
            key: String(c.t.task),
            value: encodeCheckpoint({ positions: c.positions, state: c.state }),
          })),
        );
      }
      await this.consumer.commitOffsets(
        cut.flatMap((c) =>
          Object.entries(c.positions).map(([topic, offset]) => ({
            topic: this.log.name(topic),
            partition: c.t.task,
            offset: String(offset),
          })),
        ),
      );
    } catch (err) {
      for (const c of cut) c.t.dirty = true;
      throw err;
    }
  }

  /**
   * Exactly-once: per task, in its turn, the checkpoint (replayable: when due, else the ids of the
   * outputs) and the offsets join the task's open transaction, which commits. A task whose commit
   * fails is restored from its last checkpoint.
   */
  private async commitTransactions(): Promise<void> {
    const errors: unknown[] = [];
    const now = Date.now();
    // each task has a producer of its own: their transactions commit side by side
    const commits = [...this.tasks.values()].map((t) =>
      this.withLock(t, async () => {
        if (!t.assigned || t.failed || !t.dirty || t.revoked || !t.tx) return;
        const positions = Object.fromEntries(t.positions);
        const ledger = t.tx.ledger;
        // while it replays, the ids committed before stay the record of what not to produce again
        const snapshot =
          this.options.snapshot !== undefined &&
          (!ledger || (!ledger.replaying && (this.closing || now - t.lastSnapshot >= this.log.commitIntervalMs)));
        // a snapshot that throws fails the commit like the broker would: the task is restored
        try {
          const changelog: { key: string; value: Buffer }[] = [];
          if (snapshot) {
            const state = this.options.snapshot?.(t.task) ?? null;
            changelog.push({ key: String(t.task), value: encodeCheckpoint({ positions, state }) });
          } else {
            const ids = ledger?.changelogRecord(positions);
            if (ids) changelog.push(ids);
          }
          // while it replays, the group's offsets stay where the earlier owner committed them: a
          // restore then still knows how far to drop what it computes again
          const offsets = { ...positions };
          for (const [topic, until] of t.replayUntil ?? []) offsets[topic] = Math.max(offsets[topic] ?? 0, until);
          await t.tx.commit(changelog.length > 0 ? { topic: this.changelog, acks: -1, messages: changelog } : null, {
            consumerGroupId: this.log.name(this.group),
            topics: Object.entries(offsets).map(([topic, offset]) => ({
              topic: this.log.name(topic),
              partitions: [{ partition: t.task, offset: String(offset) }],
            })),
          });
          t.dirty = false;
          ledger?.committedNow(snapshot);
          // on the task's own grid, so that tasks keep snapshotting at different commits
          const every = this.log.commitIntervalMs;
          if (snapshot) t.lastSnapshot = now - ((((now - this.stagger(t.task)) % every) + every) % every);
        } catch (err) {
          errors.push(err);
          if (!this.closing && !t.revoked) await this.rewind(t);
        }
      }),
    );
    await Promise.all(commits);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `group ${this.group}: ${errors.length} commits failed`);
  }

  private commitFailed(err: unknown): void {
    this.log.logger.warn({ err, group: this.group }, 'commit failed; the next one covers it');
  }

  // -- progress ---------------------------------------------------------------------------------

  async caughtUp(): Promise<void> {
    const closed = () => new Error(`group ${this.group}: subscription closed before catching up`);
    if (this.closing) throw closed();
    // (a member that never joins, the broker away, would keep this waiting past close())
    await Promise.race([this.firstJoin, this.closingStarted]);
    const targets = new Map<string, number[]>();
    for (const topic of this.topics) {
      if (this.closing) throw closed();
      targets.set(topic, await this.log.endOffsets(topic));
    }
    // close() rejects the waiters it finds: one added after that would wait for ever
    if (this.closing) throw closed();
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ targets, resolve, reject });
      this.notify();
    });
  }

  private notify(): void {
    if (this.waiters.length === 0) return;
    const done = (w: Waiter) =>
      [...this.tasks.values()].every(
        (t) =>
          t.assigned &&
          this.topics.every((topic) => (t.positions.get(topic) ?? 0) >= (w.targets.get(topic)?.[t.task] ?? 0)),
      );
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (done(w)) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Records not yet processed: end offsets less this member's positions, or the group's commits. */
  async lag(): Promise<number> {
    const committed = await this.committedOffsets();
    let lag = 0;
    for (const topic of this.topics) {
      const ends = await this.log.admin.fetchTopicOffsets(this.log.name(topic));
      const high = offsetsByPartition(ends, 'high');
      const low = offsetsByPartition(ends, 'low');
      for (let p = 0; p < high.length; p++) {
        const local = this.tasks.get(p)?.positions.get(topic);
        const start = startsAtEnd(this.options, topic) ? high[p]! : low[p]!;
        const done = Math.max(local ?? -1, committed.get(topic)?.[p] ?? start);
        lag += Math.max(0, high[p]! - done);
      }
    }
    return lag;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.closingNow();
      for (const t of this.timers) clearInterval(t);
      await this.started.catch(() => undefined);
      await Promise.all([...this.tasks.values()].map((t) => t.lock));
      const errors: unknown[] = [];
      for (const t of this.tasks.values()) {
        if (!t.assigned || t.failed || !this.options.onRevoke) continue;
        try {
          await this.inScope(t, async () => this.options.onRevoke?.(t.task));
          t.dirty = true; // what it flushed is in the state the closing commit snapshots
        } catch (err) {
          t.failed = true;
          errors.push(err);
        }
      }
      await this.commitNow().catch((err: unknown) => errors.push(err));
      for (const t of this.tasks.values()) await t.tx?.close().catch((err: unknown) => errors.push(err));
      for (const w of this.waiters) w.reject(new Error(`group ${this.group}: subscription closed before catching up`));
      this.waiters = [];
      await this.consumer.disconnect();
      this.onClosed();
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, `closing group ${this.group}: ${errors.length} errors`);
    })();
    return this.closed;
  }
}
