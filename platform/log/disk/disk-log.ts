import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { partitionFor } from '../partitioner.ts';
import type { Log, ProduceRecord, SubscribeOptions, Subscription, TopicSpec } from '../types.ts';
import { GroupMember } from './group.ts';
import { acquireLock } from './lock.ts';
import { Partition } from './partition.ts';

export interface DiskLogOptions {
  dir: string;
  partitions: number;
  /** appends are gathered this long before one fdatasync; 0 = at once */
  fsyncIntervalMs: number;
  retentionMs: number;
  retentionBytes: number;
  segmentBytes?: number;
  commitIntervalMs?: number;
  logger?: Logger;
}

interface Topic {
  spec: Required<Pick<TopicSpec, 'name' | 'partitions'>> & TopicSpec;
  partitions: Partition[];
}

const TOPIC_FILE = 'topic.json';

/**
 * The embedded event log: append-only, partitioned, on disk under `dir`. A produce resolves
 * only after its records are fdatasynced ("acknowledged" = durable); appends arriving within
 * `fsyncIntervalMs` share one write and one fsync per partition. Readers see durable records
 * only, so nothing a consumer acted on can vanish in a crash.
 */
export class DiskLog implements Log {
  readonly kind = 'embedded' as const;
  private readonly topics = new Map<string, Topic>();
  private readonly members = new Set<GroupMember>();
  private readonly releaseLock: () => void;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private appendWaiters: (() => void)[] = [];
  private readonly retentionTimer: NodeJS.Timeout;
  private closed = false;

  private constructor(private readonly o: DiskLogOptions) {
    mkdirSync(o.dir, { recursive: true });
    this.releaseLock = acquireLock(join(o.dir, '.lock'));
    this.retentionTimer = setInterval(() => this.applyRetention(), 60_000);
    this.retentionTimer.unref();
  }

  static async open(o: DiskLogOptions): Promise<DiskLog> {
    const log = new DiskLog(o);
    for (const name of readdirSync(o.dir)) {
      let spec: TopicSpec;
      try {
        spec = JSON.parse(readFileSync(join(o.dir, name, TOPIC_FILE), 'utf8')) as TopicSpec;
      } catch {
        continue;
      }
      log.openTopic(spec);
    }
    return log;
  }

  private openTopic(spec: TopicSpec): void {
    const full = { ...spec, partitions: spec.partitions ?? this.o.partitions };
    const partitions: Partition[] = [];
    for (let i = 0; i < full.partitions; i++) {
      const dir = join(this.o.dir, spec.name, String(i));
      mkdirSync(dir, { recursive: true });
      const { partition, recovery } = Partition.open(spec.name, i, dir, this.o.segmentBytes ?? 64 * 1024 * 1024);
      if (recovery.truncatedBytes > 0) {
        this.o.logger?.warn(
          { file: recovery.file, bytes: recovery.truncatedBytes },
          'cut a torn write off the log tail',
        );
      }
      partitions.push(partition);
    }
    this.topics.set(spec.name, { spec: full, partitions });
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      const existing = this.topics.get(spec.name);
      if (existing) {
        const want = spec.partitions ?? this.o.partitions;
        if (want !== existing.spec.partitions) {
          this.o.logger?.warn(
            { topic: spec.name, has: existing.spec.partitions, want },
            'topic keeps its partition count',
          );
        }
        continue;
      }
      mkdirSync(join(this.o.dir, spec.name), { recursive: true });
      const full = { ...spec, partitions: spec.partitions ?? this.o.partitions };
      writeFileSync(join(this.o.dir, spec.name, TOPIC_FILE), JSON.stringify(full));
      this.openTopic(full);
    }
  }

  private topic(name: string): Topic {
    const t = this.topics.get(name);
    if (!t) throw new Error(`unknown topic ${name}: create it with ensureTopics first`);
    return t;
  }

  partitionsOf(topic: string): number {
    return this.topic(topic).partitions.length;
  }

  produce(topic: string, records: ProduceRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the log is closed'));
    const t = this.topics.get(topic);
    if (!t) return Promise.reject(new Error(`unknown topic ${topic}: create it with ensureTopics first`));
    if (records.length === 0) return Promise.resolve();
    const n = t.partitions.length;
    const now = Date.now();
    for (const r of records) {
      t.partitions[partitionFor(r.key, n)]!.enqueue({ key: r.key, value: r.value, timestamp: r.timestamp ?? now });
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.flushing) return;
    const run = () => {
      this.flushTimer = null;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.waiters.length > 0) this.scheduleFlush();
      });
    };
    this.flushTimer = setTimeout(run, this.o.fsyncIntervalMs);
  }

  /** One write per dirty partition, then one fdatasync each; then acknowledge and wake readers. */
  private async flush(): Promise<void> {
    const waiters = this.waiters;
    this.waiters = [];
    const dirty: Partition[] = [];
    const syncs: Promise<void>[] = [];
    try {
      for (const t of this.topics.values()) {
        for (const p of t.partitions) {
          const fd = p.writePending();
          if (fd !== null) {
            dirty.push(p);
            syncs.push(p.fsync(fd));
          }
        }
      }
      await Promise.all(syncs);
    } catch (err) {
      const e = new Error(`log write failed: ${(err as Error).message}`);
      for (const w of waiters) w.reject(e);
      return;
    }
    for (const p of dirty) p.markDurable();
    for (const w of waiters) w.resolve();
    this.wakeReaders();
  }

  private wakeReaders(): void {
    const waiting = this.appendWaiters;
    this.appendWaiters = [];
    for (const w of waiting) w();
  }

  subscribe(options: SubscribeOptions): Subscription {
    for (const m of this.members) {
      if (m.group === options.group) throw new Error(`group ${options.group} already has a member in this process`);
    }
    const member = new GroupMember(
      {
        partitionsOf: (topic) => this.topic(topic).partitions,
        nextAppend: () => new Promise((resolve) => this.appendWaiters.push(resolve)),
        logger: this.o.logger,
        release: (m) => {
          this.members.delete(m);
          this.wakeReaders();
        },
      },
      join(this.o.dir, '_groups'),
      options,
      this.o.commitIntervalMs ?? 1000,
    );
    this.members.add(member);
    member.ready.catch((err: unknown) => this.o.logger?.error({ err, group: options.group }, 'group failed to start'));
    return member;
  }

  async endOffsets(topic: string): Promise<number[]> {
    return this.topic(topic).partitions.map((p) => p.durableEnd);
  }

  async consumerLag(): Promise<Record<string, number>> {
    const lag: Record<string, number> = {};
    for (const m of this.members) {
      let n = 0;
      for (const [topic, positions] of Object.entries(m.positions())) {
        const parts = this.topic(topic).partitions;
        positions.forEach((pos, i) => (n += Math.max(0, parts[i]!.durableEnd - pos)));
      }
      lag[m.group] = n;
    }
    return lag;
  }

  /** Whole old segments go; compacted topics (profiles) are kept whole until compaction exists. */
  private applyRetention(): void {
    const now = Date.now();
    for (const t of this.topics.values()) {
      if (t.spec.compacted) continue;
      for (const p of t.partitions) {
        p.applyRetention(t.spec.retentionBytes ?? this.o.retentionBytes, t.spec.retentionMs ?? this.o.retentionMs, now);
      }
    }
  }

  /** Runs retention now (also runs every minute). */
  retain(): void {
    this.applyRetention();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const m of [...this.members]) await m.close();
    this.closed = true;
    clearInterval(this.retentionTimer);
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    await this.flushing;
    if (this.waiters.length > 0) await this.flush();
    for (const t of this.topics.values()) for (const p of t.partitions) p.close();
    this.releaseLock();
  }
}
