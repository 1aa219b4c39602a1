import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import pino, { type Logger } from 'pino';
import { partitionFor } from '../partitioner.ts';
import type { Log, LogRecord, ProduceRecord, SubscribeOptions, Subscription, TopicSpec } from '../types.ts';
import { offsetsByPartition, type KafkaHost } from './host.ts';
import { KafkaSubscription } from './kafka-subscription.ts';
import { assertReadCommittedFilter } from './read-committed-check.ts';
import { transactionScope } from './task-transaction.ts';
import { ConfluentWireFormat, type RejectedRecord } from './wire-format.ts';

export interface KafkaLogOptions {
  brokers: string[];
  /** prefix of every topic and group name: tenants (or tests) sharing a cluster */
  namespace?: string;
  /** partitions of a topic whose spec does not say */
  partitions: number;
  replicationFactor?: number;
  retentionMs?: number;
  retentionBytes?: number;
  commitIntervalMs?: number;
  /** default 100 (as Kafka Streams under exactly-once): outputs wait for the commit */
  exactlyOnceCommitIntervalMs?: number;
  clientId?: string;
  logger?: Logger;
  /**
   * Values of the topics in `schemas` go on the wire as Avro in Confluent wire format, their
   * schemas registered at `url` (`mock://`: in this process only) by ensureTopics. Without it,
   * values are the bare bytes a stage produced.
   */
  schemaRegistry?: { url: string; schemas: ReadonlyMap<string, object> };
}

/** a broker busy creating its internal topics takes longer than kafkajs' 5 s default */
const ADMIN_TIMEOUT_MS = 30_000;

export const unknownTopic = (topic: string, what: string): Error =>
  new Error(`${what} unknown topic "${topic}": create it with ensureTopics first`);

/**
 * The Log on Apache Kafka (kafkajs): topics made through the admin client, an idempotent
 * producer that waits for every in-sync replica, and consumer groups whose tasks keep the
 * embedded log's promises (see KafkaSubscription).
 */
export class KafkaLog implements Log, KafkaHost {
  readonly kind = 'kafka' as const;
  readonly kafka: Kafka;
  readonly logger: Logger;
  readonly commitIntervalMs: number;
  readonly exactlyOnceCommitIntervalMs: number;
  private readonly counts = new Map<string, number>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private closed: Promise<void> | null = null;

  private constructor(
    readonly options: KafkaLogOptions,
    readonly id: string,
    kafka: Kafka,
    readonly admin: Admin,
    private readonly producer: Producer,
    logger: Logger,
    private readonly wire: ConfluentWireFormat | null,
  ) {
    this.kafka = kafka;
    this.logger = logger;
    this.commitIntervalMs = options.commitIntervalMs ?? 1000;
    this.exactlyOnceCommitIntervalMs = options.exactlyOnceCommitIntervalMs ?? 100;
  }

  static async open(options: KafkaLogOptions): Promise<KafkaLog> {
    assertReadCommittedFilter();
    const logger = options.logger ?? pino({ level: 'silent' });
    const kafka = new Kafka({
      clientId: options.clientId ?? 'pulsecoach',
      brokers: options.brokers,
      logLevel: logLevel.ERROR,
      logCreator: () => (entry) => logger.warn(kafkaClientLine(entry), 'kafka client'),
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
    await admin.connect();
    await producer.connect();
    const { clusterId } = await admin.describeCluster();
    const wire = options.schemaRegistry
      ? ConfluentWireFormat.open(options.schemaRegistry.url, options.schemaRegistry.schemas)
      : null;
    const log = new KafkaLog(options, `kafka:${clusterId}`, kafka, admin, producer, logger, wire);
    await log.refresh();
    // topics made by another process are read and written with registered schemas too
    for (const topic of log.counts.keys()) await wire?.register(topic, log.name(topic));
    return log;
  }

  /** The cluster's name for one of our topics or groups. */
  name(local: string): string {
    return `${this.options.namespace ?? ''}${local}`;
  }

  private async refresh(names?: string[]): Promise<void> {
    const prefix = this.options.namespace ?? '';
    const topics = names ?? (await this.admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length === 0) return;
    const { topics: meta } = await this.admin.fetchTopicMetadata({ topics });
    for (const t of meta) this.counts.set(t.name.slice(prefix.length), t.partitions.length);
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const missing = specs.filter((s) => !this.counts.has(s.name));
    if (missing.length > 0) {
      const existing = new Set(await this.admin.listTopics());
      const create = missing.filter((s) => !existing.has(this.name(s.name)));
      if (create.length > 0) {
        await this.admin.createTopics({
          waitForLeaders: true,
          timeout: ADMIN_TIMEOUT_MS,
          topics: create.map((s) => ({
            topic: this.name(s.name),
            numPartitions: s.partitions ?? this.options.partitions,
            replicationFactor: this.options.replicationFactor ?? 1,
            configEntries: topicConfig(s, this.options),
          })),
        });
      }
      await this.refresh(missing.map((s) => this.name(s.name)));
    }
    for (const s of specs) await this.wire?.register(s.name, this.name(s.name));
    for (const s of specs) {
      const want = s.partitions ?? this.options.partitions;
      const have = this.counts.get(s.name);
      if (have !== want) {
        throw new Error(
          `topic "${s.name}" has ${have} partitions, ${want} wanted: Kafka cannot shrink a topic, and growing it remaps keys`,
        );
      }
    }
  }

  partitionsOf(topic: string): number {
    const n = this.counts.get(topic);
    if (n === undefined) throw unknownTopic(topic, 'partitionsOf:');
    return n;
  }

  async produce(topic: string, records: ProduceRecord[]): Promise<void> {
    const n = this.counts.get(topic);
    if (n === undefined) throw unknownTopic(topic, 'produce to');
    if (records.length === 0) return;
    const batch = {
      topic: this.name(topic),
      acks: -1,
      messages: records.map((r) => ({
        key: r.key,
        value: this.wire ? this.wire.frame(topic, r.value) : r.value,
        partition: partitionFor(r.key, n),
        timestamp: r.timestamp === undefined ? undefined : String(r.timestamp),
      })),
    };
    // inside an exactly-once task's batch, records join its transaction
    const tx = transactionScope.getStore();
    await (tx
      ? tx.send(
          batch,
          records.map((r) => r.id),
        )
      : this.producer.send(batch));
  }

  subscribe(options: SubscribeOptions): Subscription {
    if (this.closed) throw new Error(`subscribe (group ${options.group}): the log is closed`);
    for (const t of options.topics)
      if (!this.counts.has(t)) throw unknownTopic(t, `subscribe (group ${options.group}) to`);
    const sub = new KafkaSubscription(this, options, () => this.subscriptions.delete(sub));
    this.subscriptions.add(sub);
    return sub;
  }

  /** A topic of the log's own (a group's changelog), created if missing. */
  async ensureInternalTopic(name: string, config: Record<string, string>): Promise<void> {
    if ((await this.admin.listTopics()).includes(name)) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      timeout: ADMIN_TIMEOUT_MS,
      topics: [
        {
          topic: name,
          numPartitions: 1,
          replicationFactor: this.options.replicationFactor ?? 1,
          configEntries: Object.entries(config).map(([k, v]) => ({ name: k, value: v })),
        },
      ],
    });
  }

  /** Produces to a topic by its cluster name (the changelogs), acknowledged by every in-sync replica. */
  async sendRaw(topic: string, messages: { key: string; value: Buffer }[]): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages });
  }

  /** The registry's id of this build's value schema for a topic (undefined without a registry). */
  schemaIdOf(topic: string): number | undefined {
    return this.wire?.idOf(topic);
  }

  unframe(topic: string, records: LogRecord[]): Promise<{ records: LogRecord[]; rejected: RejectedRecord[] }> {
    return this.wire ? this.wire.unframe(topic, records) : Promise.resolve({ records, rejected: [] });
  }

  async endOffsets(topic: string): Promise<number[]> {
    if (!this.counts.has(topic)) throw unknownTopic(topic, 'endOffsets of');
    return offsetsByPartition(await this.admin.fetchTopicOffsets(this.name(topic)), 'high');
  }

  async consumerLag(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of this.subscriptions) out[s.group] = (out[s.group] ?? 0) + (await s.lag());
    return out;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const s of [...this.subscriptions])
        await s.close().catch((err: unknown) => this.logger.error({ err }, 'closing a subscription'));
      await this.producer.disconnect();
      await this.admin.disconnect();
      this.wire?.close();
    })();
    return this.closed;
  }
}

function topicConfig(spec: TopicSpec, o: KafkaLogOptions): { name: string; value: string }[] {
  const entries = [{ name: 'cleanup.policy', value: spec.compacted ? 'compact' : 'delete' }];
  const retentionMs = spec.retentionMs ?? o.retentionMs;
  const retentionBytes = spec.retentionBytes ?? o.retentionBytes;
  if (!spec.compacted && retentionMs !== undefined) entries.push({ name: 'retention.ms', value: String(retentionMs) });
  if (!spec.compacted && retentionBytes !== undefined)
    entries.push({ name: 'retention.bytes', value: String(retentionBytes) });
  if (spec.maxMessageBytes !== undefined)
    entries.push({ name: 'max.message.bytes', value: String(spec.maxMessageBytes) });
  return entries;
}

/**
 * What pulsecoach logs of a kafkajs log entry. A failed request's entry says which request in
 * `message` and what the broker answered in `error` ("Response InitProducerId(key: 22, version:
 * 1)" alone named no error).
 */
export function kafkaClientLine(entry: { namespace: string; log: { message: string } }): {
  kafkajs: string;
  err: string;
} {
  const { message, error } = entry.log as { message: string; error?: unknown };
  return { kafkajs: entry.namespace, err: error ? `${message}: ${String(error)}` : message };
}
