import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process: default Node metrics plus per-stage counters and latency histograms. */
export interface Metrics {
  readonly registry: Registry;
  /** records a stage took in, by topic */
  readonly recordsIn: Counter<'stage' | 'topic'>;
  /** records a stage produced, by topic */
  readonly recordsOut: Counter<'stage' | 'topic'>;
  /** records a stage rejected or dead-lettered, by reason */
  readonly rejected: Counter<'stage' | 'reason'>;
  /** readings that arrived after their windows had fired (also dead-lettered with reason late) */
  readonly late: Counter<'stage'>;
  /** readings dropped as resends (same device + ts) */
  readonly duplicates: Counter<'stage'>;
  /** time a stage spent on one batch */
  readonly batchSeconds: Histogram<'stage'>;
  /** from the window-closing sample's arrival at ingest to the stage's output */
  readonly pipelineLatencySeconds: Histogram<'stage'>;
  /** rows the sink wrote to the history, by table */
  readonly sinkRows: Counter<'table'>;
  /** redelivered records the sink found already written and skipped, by table */
  readonly sinkSkipped: Counter<'table'>;
  /** inserts that failed (each is retried), by table */
  readonly sinkFailures: Counter<'table'>;
  /** users in a stage's state: in memory (live), or kept as encoded bytes only (evicted) */
  readonly stateUsers: Gauge<'stage' | 'state'>;
}

/** Exposes consumer lag per group (records not yet processed), read when Prometheus scrapes. */
export function registerLagGauge(metrics: Metrics, lag: () => Promise<Record<string, number>>): void {
  new Gauge({
    name: 'pulsecoach_consumer_lag_records',
    help: 'records in the input topics that a consumer group has not processed yet',
    labelNames: ['group'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const [group, n] of Object.entries(await lag())) this.labels(group).set(n);
    },
  });
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pulsecoach_' });
  const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  return {
    registry,
    recordsIn: new Counter({
      name: 'pulsecoach_records_in_total',
      help: 'records a stage consumed',
      labelNames: ['stage', 'topic'],
      registers: [registry],
    }),
    recordsOut: new Counter({
      name: 'pulsecoach_records_out_total',
      help: 'records a stage produced',
      labelNames: ['stage', 'topic'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'pulsecoach_rejected_total',
      help: 'records rejected or dead-lettered, by reason',
      labelNames: ['stage', 'reason'],
      registers: [registry],
    }),
    late: new Counter({
      name: 'pulsecoach_samples_late_total',
      help: 'readings more than out-of-orderness + grace behind the watermark (sent to the DLQ)',
      labelNames: ['stage'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'pulsecoach_samples_duplicates_total',
      help: 'readings dropped as resends of a held reading (same device + ts)',
      labelNames: ['stage'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'pulsecoach_batch_seconds',
      help: 'time to process one batch',
      labelNames: ['stage'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    sinkRows: new Counter({
      name: 'pulsecoach_sink_rows_total',
      help: 'rows written to the history, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    sinkSkipped: new Counter({
      name: 'pulsecoach_sink_skipped_total',
      help: 'redelivered records already in the history, skipped, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    sinkFailures: new Counter({
      name: 'pulsecoach_sink_insert_failures_total',
      help: 'history inserts that failed and were retried, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    pipelineLatencySeconds: new Histogram({
      name: 'pulsecoach_pipeline_latency_seconds',
      help: 'from the arrival of the sample that closed a window to this stage emitting its result',
      labelNames: ['stage'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    stateUsers: new Gauge({
      name: 'pulsecoach_state_users',
      help: "users in a stage's state: in memory (live) or kept as encoded bytes only (evicted)",
      labelNames: ['stage', 'state'],
      registers: [registry],
    }),
  };
}
