import type { LogRecord } from '../platform/index.ts';
import { latestTsOf, sampleProblems } from '../schemas/index.ts';

/**
 * Why a sample read from pulse.samples.v1 breaks the Sample's rules (schemas/sample-rules.ts),
 * or null: the processor and the sink dead-letter such a sample (reason `invalid`) instead of
 * reading it, as ingest would have refused it. Its record's timestamp (when it was produced)
 * stands for its arrival: ts may be ahead of it by the allowed clock skew at most (latestTsOf).
 */
export function sampleProblem(sample: object, record: LogRecord, maxFutureSkewMs: number): string | null {
  const { problems } = sampleProblems(sample, latestTsOf(record.timestamp, maxFutureSkewMs));
  return problems.length === 0 ? null : problems.join('; ');
}
