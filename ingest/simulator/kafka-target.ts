import {
  createLog,
  createLogger,
  createMetrics,
  emitter,
  type Config,
  type Log,
  type StageDeps,
} from '../../platform/index.ts';
import { topicSpecs, type Profile, type Sample, type Session } from '../../schemas/index.ts';
import { createIngestor } from '../ingestor.ts';
import { validateSamples } from '../validate.ts';
import { deviceSample, type HttpTargetStats } from './http-target.ts';

/**
 * Sends simulated athletes straight to Kafka (`simulate --kafka`), as a gateway that writes to the
 * cluster would: profiles and sessions first, then samples checked by the same rules as
 * POST /v1/ingest and produced through the ingest stage's own code, in Confluent wire format.
 */
export interface KafkaTarget {
  registerSessions(profiles: readonly Profile[], sessions: readonly Session[]): Promise<void>;
  deliver(samples: Sample[]): Promise<void>;
  readonly stats: Pick<HttpTargetStats, 'accepted' | 'rejected' | 'firstRejection'>;
  close(): Promise<void>;
}

export async function kafkaTarget(config: Config, floorId: string): Promise<KafkaTarget> {
  const logger = createLogger('warn');
  const log: Log = await createLog({ ...config, mode: 'kafka' }, logger);
  try {
    await log.ensureTopics(topicSpecs);
  } catch (err) {
    await log.close();
    throw err;
  }
  const deps: StageDeps = { log, logger, metrics: createMetrics(), config };
  const ingestor = createIngestor(deps);
  const profiles = emitter(deps, 'simulate', 'profiles');
  const sessions = emitter(deps, 'simulate', 'sessions');
  const athletes = new Set<string>();
  const stats = { accepted: 0, rejected: 0, firstRejection: null as string | null };
  return {
    stats,
    async registerSessions(ps, ss) {
      const now = Date.now();
      // the profile first: the processor then knows HRmax when the member's samples come
      await profiles.send(ps.map((p) => ({ ...p, updatedAt: now })));
      await sessions.send([...ss]);
      for (const s of ss) athletes.add(s.userId);
    },
    async deliver(samples) {
      const v = validateSamples(samples.map(deviceSample), {
        now: Date.now(),
        maxFutureSkewMs: config.maxFutureSkewMs,
        claims: { role: 'device', floor: floorId },
        floorOf: (userId) => (athletes.has(userId) ? floorId : undefined),
      });
      ingestor.countRejected(v.rejected);
      stats.rejected += v.rejected.length;
      stats.firstRejection ??= v.rejected[0]?.reason ?? null;
      await ingestor.ingest(v.accepted);
      stats.accepted += v.accepted.length;
    },
    close: () => log.close(),
  };
}
