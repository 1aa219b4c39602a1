import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { murmur2 } from '../partitioner.ts';
import type { Log, ProduceRecord, SubscribeOptions, Subscription, TopicSpec } from '../types.ts';
import { FrameBuilder } from './frame-builder.ts';
import { MAX_KEY_BYTES } from './frame.ts';
import { Flusher, generation, type Generation } from './flusher.ts';
import { fsyncDir } from './fs-io.ts';
import { logId } from './log-id.ts';
import { lockDir, type DirLock } from './lock.ts';
import { PartitionStore } from './partition.ts';
import { EmbeddedSubscription, type SubscriptionHost } from './subscription.ts';
import { checkName, readTopics, writeTopicMeta, type TopicMeta } from './topics.ts';

export interface EmbeddedLogOptions {
  dir: string;
  /** partitions of a topic whose spec names none */
  partitions: number;
  /** flush + fdatasync at most this often; 0: right away (still coalescing concurrent calls) */
  fsyncIntervalMs: number;
  retentionMs: number;
  retentionBytes: number;
  /** roll to a new segment file at this size; default 64 MiB */
  segmentBytes?: number;
  /** consumer group checkpoint interval; default 1000 */
  commitIntervalMs?: number;
  /** how often retention runs besides on each segment roll; default 60 s */
  retentionCheckMs?: number;
  logger?: Logger;
}

/** The produce side of one partition: its files and the records waiting for the next flush. */
interface Slot {
  store: PartitionStore;
  builder: FrameBuilder;
  /** the producers waiting for this partition's next flush (null: none) */
  waiting: Generation | null;
  /** the produce call that last added to it (to list each partition once per call) */
  addedBy: number;
}

interface TopicState {
  meta: TopicMeta;
  stores: PartitionStore[];
  slots: Slot[];
}

const MAX_VALUE_BYTES = 128 * 1024 * 1024;
/** keys this short can't exceed MAX_KEY_BYTES in utf8 (3 bytes per UTF-16 unit at most) */
const SAFE_KEY_CHARS = Math.floor(MAX_KEY_BYTES / 3);

/**
 * The embedded Log: topics of partitions of segment files under one directory, group commit on
 * produce, event-driven consumer groups with checkpoint files, retention by size and age.
 */
export class EmbeddedLog implements Log {
  readonly kind = 'embedded' as const;
  readonly id: string;
  readonly dir: string;
  readonly logger: Logger;
  readonly commitIntervalMs: number;
  private readonly segmentBytes: number;
  private readonly topics = new Map<string, TopicState>();
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private dirty: Slot[] = [];
  private produceCalls = 0;
  private readonly flusher: Flusher;
  private readonly retentionTimer: NodeJS.Timeout;
  private retentionChain: Promise<void> = Promise.resolve();
  private retentionQueued = false;
  private topicChain: Promise<void> = Promise.resolve();
  /** set once the subscriptions are closed: produces are refused from then on */
  private closing = false;
  /** set when close() is called: new subscriptions and topics are refused */
  private closed: Promise<void> | null = null;
  /** utf8 bytes of the key being produced; views of each length are cached for murmur2 */
  private scratch = Buffer.allocUnsafeSlow(4096);
  private scratchViews: Uint8Array[] = [];

  private constructor(
    private readonly options: EmbeddedLogOptions,
    private readonly lock: DirLock,
    logger: Logger,
  ) {
    this.dir = options.dir;
    this.id = logId(options.dir);
    this.logger = logger;
    this.commitIntervalMs = options.commitIntervalMs ?? 1000;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.flusher = new Flusher(options.fsyncIntervalMs, () => this.flush());
    this.retentionTimer = setInterval(() => this.requestRetention(), options.retentionCheckMs ?? 60_000);
    this.retentionTimer.unref();
  }

  static async open(options: EmbeddedLogOptions): Promise<EmbeddedLog> {
    checkOptions(options);
    const logger = options.logger ?? pino({ level: 'silent' });
    mkdirSync(options.dir, { recursive: true });
    const lock = lockDir(options.dir, logger);
    const log = new EmbeddedLog(options, lock, logger);
    try {
      for (const meta of readTopics(options.dir)) await log.openTopic(meta);
    } catch (err) {
      await log.close().catch((closeErr: unknown) => logger.error({ err: closeErr }, 'closing after a failed open'));
      throw err;
    }
    log.requestRetention();
    return log;
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    const run = this.topicChain.then(() => this.createTopics(specs));
    this.topicChain = run.catch(() => undefined); // the caller gets the error
    return run;
  }

  partitionsOf(topic: string): number {
    return this.topicState(topic).stores.length;
  }

  produce(topic: string, records: ProduceRecord[]): Promise<void> {
    const t = this.topics.get(topic);
    if (t === undefined) return Promise.reject(unknownTopic(topic, 'produce to'));
    if (this.closing) return Promise.reject(new Error(`produce to ${topic}: the log is closed`));
    const n = records.length;
    if (n === 0) return Promise.resolve();
    // validate the whole batch first, so it is appended entirely or not at all
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      if (typeof r.key !== 'string' || !(r.value instanceof Uint8Array)) {
        return Promise.reject(new TypeError(`produce to ${topic}: record ${i} needs a string key and a Buffer value`));
      }
      if (r.key.length > SAFE_KEY_CHARS && Buffer.byteLength(r.key) > MAX_KEY_BYTES) {
        return Promise.reject(new RangeError(`produce to ${topic}: record ${i} has a key over ${MAX_KEY_BYTES} bytes`));
      }
      if (r.value.length > MAX_VALUE_BYTES) {
        return Promise.reject(
          new RangeError(`produce to ${topic}: record ${i} has a value over ${MAX_VALUE_BYTES} bytes`),
        );
      }
      if (r.timestamp !== undefined && !Number.isFinite(r.timestamp)) {
        return Promise.reject(new TypeError(`produce to ${topic}: record ${i} has a bad timestamp ${r.timestamp}`));
      }
    }
    const now = Date.now();
    const slots = t.slots;
    const partitions = slots.length;
    const call = ++this.produceCalls;
    // the partitions this call wrote to: it is durable once each of them is (and only them: one
    // partition that cannot be written fails the calls that wrote to it, not every caller)
    let first: Slot | null = null;
    let more: Promise<void>[] | null = null;
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      const keyLength = this.encodeKey(r.key);
      const p = partitions === 1 ? 0 : (murmur2(this.keyView(keyLength)) & 0x7fffffff) % partitions;
      const slot = slots[p]!;
      slot.builder.append(r.timestamp ?? now, this.scratch, keyLength, r.value);
      if (!slot.builder.queued) {
        slot.builder.queued = true;
        this.dirty.push(slot);
      }
      if (slot.addedBy !== call) {
        slot.addedBy = call;
        slot.waiting ??= generation();
        if (first === null) first = slot;
        else (more ??= [first.waiting!.promise]).push(slot.waiting.promise);
      }
    }
    this.flusher.request();
    return more === null ? first!.waiting!.promise : Promise.all(more).then(() => undefined);
  }

  subscribe(options: SubscribeOptions): Subscription {
    if (this.closed !== null) throw new Error(`subscribe (group ${options.group}): the log is closed`);
    for (const s of this.subscriptions) {
      if (s.group === options.group) {
        throw new Error(
          `group ${options.group} already has a member in this process; the embedded log runs one member per group`,
        );
      }
    }
    const host: SubscriptionHost = {
      dir: this.dir,
      logger: this.logger,
      commitIntervalMs: this.commitIntervalMs,
      storesOf: (topic) => this.topicState(topic).stores,
      detach: (sub) => this.subscriptions.delete(sub),
    };
    const sub = new EmbeddedSubscription(host, options);
    this.subscriptions.add(sub);
    return sub;
  }

  endOffsets(topic: string): Promise<number[]> {
    const t = this.topics.get(topic);
    if (t === undefined) return Promise.reject(unknownTopic(topic, 'endOffsets of'));
    return Promise.resolve(t.stores.map((s) => s.end));
  }

  consumerLag(): Promise<Record<string, number>> {
    const lag: Record<string, number> = {};
    for (const s of this.subscriptions) lag[s.group] = s.lag();
    return Promise.resolve(lag);
  }

  /** First offset still on disk per partition (below it, retention deleted the records). */
  startOffsets(topic: string): number[] {
    return this.topicState(topic).stores.map((s) => s.logStart);
  }

  /** Runs a retention pass now and waits for it (the timer and segment rolls also run them). */
  runRetention(): Promise<void> {
    const run = this.retentionChain.then(() => this.retain());
    this.retentionChain = run.catch(() => undefined); // the caller gets the error
    return run;
  }

  /** Closes the subscriptions (they revoke and commit), flushes pending produces, unlocks. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    const errors: unknown[] = [];
    for (const s of [...this.subscriptions]) await s.close().catch((err: unknown) => errors.push(err));
    this.closing = true;
    await this.flusher.drain();
    clearInterval(this.retentionTimer);
    await this.retentionChain;
    for (const t of this.topics.values()) {
      for (const s of t.stores) await s.close().catch((err: unknown) => errors.push(err));
    }
    this.lock.release();
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `closing the log in ${this.dir}: ${errors.length} errors`);
  }

  private topicState(topic: string): TopicState {
    const t = this.topics.get(topic);
    if (t === undefined) throw unknownTopic(topic, 'use of');
    return t;
  }

  private async createTopics(specs: TopicSpec[]): Promise<void> {
    if (this.closed !== null) throw new Error('ensureTopics: the log is closed');
    for (const spec of specs) {
      checkName('topic', spec.name);
      const partitions = spec.partitions ?? this.options.partitions;
      if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
        throw new Error(`topic ${spec.name}: bad partition count ${partitions}`);
      }
      const meta: TopicMeta = { name: spec.name, partitions, compacted: spec.compacted === true };
      if (spec.retentionMs !== undefined) meta.retentionMs = spec.retentionMs;
      if (spec.retentionBytes !== undefined) meta.retentionBytes = spec.retentionBytes;
      const existing = this.topics.get(spec.name);
      if (existing) {
        if (existing.meta.partitions !== partitions) {
          throw new Error(
            `topic ${spec.name} has ${existing.meta.partitions} partitions in ${this.dir}, asked for ${partitions}: the embedded log cannot repartition a topic`,
          );
        }
        if (JSON.stringify(existing.meta) !== JSON.stringify(meta)) {
          writeTopicMeta(this.dir, meta);
          existing.meta = meta;
        }
        continue;
      }
      mkdirSync(join(this.dir, spec.name), { recursive: true });
      writeTopicMeta(this.dir, meta);
      await this.openTopic(meta);
      await fsyncDir(join(this.dir, spec.name));
      await fsyncDir(this.dir);
    }
  }

  private async openTopic(meta: TopicMeta): Promise<void> {
    const stores = await Promise.all(
      Array.from({ length: meta.partitions }, (_, p) =>
        PartitionStore.open(meta.name, p, join(this.dir, meta.name, String(p)), this.logger),
      ),
    );
    const slots = stores.map((store) => ({ store, builder: new FrameBuilder(), waiting: null, addedBy: 0 }));
    this.topics.set(meta.name, { meta, stores, slots });
  }

  /**
   * One flush: every partition with pending records appends (write + fdatasync) in parallel, and
   * the producers waiting for each partition learn that partition's outcome.
   */
  private async flush(): Promise<void> {
    const slots = this.dirty;
    this.dirty = [];
    const waiting = new Array<Generation | null>(slots.length);
    const appends = new Array<Promise<boolean>>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      s.builder.queued = false;
      waiting[i] = s.waiting;
      s.waiting = null;
      appends[i] = s.store.append(s.builder.take(), this.segmentBytes);
    }
    const results = await Promise.allSettled(appends);
    let rolled = false;
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.status === 'fulfilled') {
        rolled ||= r.value;
        waiting[i]?.resolve();
      } else {
        this.logger.error({ err: r.reason }, 'log append failed; the producers get the error');
        waiting[i]?.reject(r.reason);
      }
    }
    if (rolled) this.requestRetention();
  }

  /** Why the log cannot take writes now (a partition whose fdatasync failed), or null. */
  unwritable(): string | null {
    for (const t of this.topics.values()) {
      for (const store of t.stores) if (store.failed !== null) return store.failed.message;
    }
    return null;
  }

  private requestRetention(): void {
    if (this.retentionQueued || this.closing) return;
    this.retentionQueued = true;
    this.retentionChain = this.retentionChain
      .then(() => {
        this.retentionQueued = false;
        return this.retain();
      })
      .catch((err: unknown) => this.logger.error({ err }, 'log retention failed'));
  }

  /**
   * Deletes old segments per partition. Compacted topics (pulse.profiles.v1: the latest profile
   * per user) are exempt: the embedded log does not compact, and deleting their segments would
   * lose the only record of a key, so they are kept whole.
   */
  private async retain(): Promise<void> {
    const now = Date.now();
    let failure: unknown = null;
    for (const t of this.topics.values()) {
      if (t.meta.compacted) continue;
      const ms = t.meta.retentionMs ?? this.options.retentionMs;
      const bytes = t.meta.retentionBytes ?? this.options.retentionBytes;
      for (const s of t.stores) {
        if (this.closing) return;
        try {
          await s.applyRetention(ms, bytes, now, this.logger);
        } catch (err) {
          this.logger.error({ err, topic: s.topic, partition: s.partition }, 'log retention failed for a partition');
          failure ??= err;
        }
      }
    }
    if (failure !== null) throw failure;
  }

  /** Writes the key's utf8 bytes into the scratch buffer and returns their count. */
  private encodeKey(key: string): number {
    if (key.length * 3 > this.scratch.length) {
      this.scratch = Buffer.allocUnsafeSlow(Math.max(Buffer.byteLength(key), this.scratch.length * 2));
      this.scratchViews = [];
    }
    return this.scratch.write(key, 0);
  }

  /** A view of the first `length` scratch bytes: cached per length, so hashing allocates nothing. */
  private keyView(length: number): Uint8Array {
    let v = this.scratchViews[length];
    if (v === undefined) {
      v = new Uint8Array(this.scratch.buffer, this.scratch.byteOffset, length);
      this.scratchViews[length] = v;
    }
    return v;
  }
}

function unknownTopic(topic: string, what: string): Error {
  return new Error(`${what} unknown topic "${topic}": create it with ensureTopics first`);
}

function checkOptions(o: EmbeddedLogOptions): void {
  const bad = (what: string, v: unknown) => new Error(`embedded log options: bad ${what} ${String(v)}`);
  if (typeof o.dir !== 'string' || o.dir === '') throw bad('dir', o.dir);
  if (!Number.isInteger(o.partitions) || o.partitions < 1 || o.partitions > 1024) throw bad('partitions', o.partitions);
  if (!(o.fsyncIntervalMs >= 0)) throw bad('fsyncIntervalMs', o.fsyncIntervalMs);
  if (!(o.retentionMs > 0)) throw bad('retentionMs', o.retentionMs);
  if (!(o.retentionBytes > 0)) throw bad('retentionBytes', o.retentionBytes);
  if (o.segmentBytes !== undefined && !(o.segmentBytes >= 1024)) throw bad('segmentBytes', o.segmentBytes);
  if (o.commitIntervalMs !== undefined && !(o.commitIntervalMs > 0)) throw bad('commitIntervalMs', o.commitIntervalMs);
}
