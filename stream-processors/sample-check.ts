import type { LogRecord } from '../platform/index.ts';
import { MIN_TS, sampleProblems } from '../schemas/index.ts';

/**
 * Why a sample read from pulse.samples.v1 breaks the Sample's rules (schemas/sample-rules.ts),
 * or null: the processor and the sink dead-letter such a sample (reason `invalid`) instead of
 * reading it, as ingest would have refused it. Its record's timestamp (when it was produced)
 * stands for its arrival: ts may be ahead of it by the allowed clock skew at most. A record with
 * no credible timestamp (before 2000: a producer that set none) is not checked for the future.
 * Deterministic: a replay of the topic refuses the same samples.
 */
export function sampleProblem(
  sample: Readonly<Record<string, unknown>>,
  record: LogRecord,
  maxFutureSkewMs: number,
): string | null {
  const latestTs = record.timestamp >= MIN_TS ? record.timestamp + maxFutureSkewMs : Infinity;
  const { problems } = sampleProblems(sample, latestTs);
  return problems.length === 0 ? null : problems.join('; ');
}
