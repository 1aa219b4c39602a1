import { emitter, type StageDeps } from '../platform/index.ts';
import { topics, type Sample } from '../schemas/index.ts';
import type { Rejection } from './validate.ts';

const STAGE = 'ingest';

/** Appends validated samples to pulse.samples.v1 and counts what came in and what was refused. */
export interface Ingestor {
  /** Resolves once every sample is durable in the log (the 202 waits for this). */
  ingest(samples: Sample[]): Promise<void>;
  /** Counts rejected samples by their reason code (invalid, future, forbidden). */
  countRejected(rejected: readonly Rejection[]): void;
}

export function createIngestor(deps: StageDeps): Ingestor {
  const out = emitter(deps, STAGE, 'samples');
  const received = deps.metrics.recordsIn.labels(STAGE, topics.samples.name);
  const timer = deps.metrics.batchSeconds.labels(STAGE);
  const rejected = {
    invalid: deps.metrics.rejected.labels(STAGE, 'invalid'),
    future: deps.metrics.rejected.labels(STAGE, 'future'),
    forbidden: deps.metrics.rejected.labels(STAGE, 'forbidden'),
  };
  return {
    async ingest(samples) {
      if (samples.length === 0) return;
      const end = timer.startTimer();
      received.inc(samples.length);
      await out.send(samples);
      end();
    },
    countRejected(list) {
      for (const r of list) rejected[r.code].inc();
    },
  };
}
