import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serde, topics, type EventTypes, type TopicId, topicSpecs } from '../schemas/index.ts';
import { loadConfig, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { createEmbeddedLog } from './log/index.ts';
import type { Log } from './log/types.ts';
import { createMetrics } from './metrics.ts';
import { emitter, type StageDeps } from './stage.ts';

type ValueOf<T extends TopicId> = EventTypes[(typeof topics)[T]['schema']];

/**
 * For stage tests: a real embedded Log with every topic in a fresh temp dir (or a reused one, for
 * a restart), the deps a stage is started with, and helpers to produce events and read a topic back.
 */
export interface StageHarness {
  log: Log;
  deps: StageDeps;
  dir: string;
  produce<T extends TopicId>(topic: T, values: ValueOf<T>[]): Promise<void>;
  /** every value in a topic, in partition then offset order */
  read<T extends TopicId>(topic: T): Promise<ValueOf<T>[]>;
  /** closes the log; the dir is removed unless `keep` */
  close(keep?: boolean): Promise<void>;
}

let readers = 0;

export async function startStageHarness(
  /** `log`: run on this one (a KafkaLog) instead of a fresh embedded log; closed with the harness */
  opts: { dir?: string; config?: Partial<Config>; prefix?: string; log?: Log } = {},
): Promise<StageHarness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), opts.prefix ?? 'pulse-stage-'));
  const config: Config = { ...loadConfig({ PULSE_DATA_DIR: dir, PULSE_LOG_LEVEL: 'silent' }), ...opts.config };
  const log =
    opts.log ??
    (await createEmbeddedLog({
      dir: join(dir, 'log'),
      partitions: 4,
      fsyncIntervalMs: 1,
      retentionMs: 1e12,
      retentionBytes: 1e12,
    }));
  await log.ensureTopics(topicSpecs);
  const deps: StageDeps = {
    log,
    logger: createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent'),
    metrics: createMetrics(),
    config,
  };
  return {
    log,
    deps,
    dir,
    async produce(topic, values) {
      await emitter(deps, 'test', topic).send(values as never);
    },
    async read(topic) {
      const codec = serde(topics[topic].schema);
      const out: unknown[] = [];
      const sub = log.subscribe({
        group: `test-read-${++readers}`,
        topics: [topics[topic].name],
        onBatch: (records) => {
          for (const r of records) out.push(codec.decode(r.value));
        },
      });
      await sub.caughtUp();
      await sub.close();
      return out as never;
    },
    async close(keep = false) {
      await log.close();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
