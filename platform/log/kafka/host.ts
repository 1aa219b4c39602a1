import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/** What a subscription needs of its KafkaLog (kept apart so that neither file imports the other). */
export interface KafkaHost {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly logger: Logger;
  readonly commitIntervalMs: number;
  /** the cluster's name for one of our topics or groups */
  name(local: string): string;
  partitionsOf(topic: string): number;
  endOffsets(topic: string): Promise<number[]>;
  ensureInternalTopic(name: string, config: Record<string, string>): Promise<void>;
  sendRaw(topic: string, messages: { key: string; value: Buffer }[]): Promise<void>;
}

/** kafkajs' per-partition offsets as an array indexed by partition. */
export function offsetsByPartition(
  entries: { partition: number; high: string; low: string }[],
  which: 'high' | 'low',
): number[] {
  const out: number[] = [];
  for (const e of entries) out[e.partition] = Number(e[which]);
  return out;
}
