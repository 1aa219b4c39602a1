import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { LogRecord } from '../types.ts';
import type { RejectedRecord } from './wire-format.ts';

/** What a subscription needs of its KafkaLog (kept apart so that neither file imports the other). */
export interface KafkaHost {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly logger: Logger;
  readonly commitIntervalMs: number;
  /** how often an exactly-once subscription commits (its outputs become visible then) */
  readonly exactlyOnceCommitIntervalMs: number;
  /** the cluster's name for one of our topics or groups */
  name(local: string): string;
  partitionsOf(topic: string): number;
  endOffsets(topic: string): Promise<number[]>;
  ensureInternalTopic(name: string, config: Record<string, string>): Promise<void>;
  sendRaw(topic: string, messages: { key: string; value: Buffer }[]): Promise<void>;
  /** the records' values as the subscriber reads them (see ConfluentWireFormat) */
  unframe(topic: string, records: LogRecord[]): Promise<{ records: LogRecord[]; rejected: RejectedRecord[] }>;
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
