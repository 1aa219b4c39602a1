import { buildApi, buildOpsServer } from '../api/index.ts';
import { startCoach, startInference } from '../inference/index.ts';
import {
  createLog,
  createLogger,
  createMetrics,
  registerLagGauge,
  Lifecycle,
  resolveAuthSecret,
  tokenSigner,
  unusedSettings,
  type Config,
  type Logger,
  type RunningStage,
  type StageDeps,
  type TokenSigner,
} from '../platform/index.ts';
import { topicSpecs } from '../schemas/index.ts';
import { startProcessor, startSink } from '../stream-processors/index.ts';
import { openHistory, type History } from './history.ts';
import { UsageError } from './usage.ts';

export const roleNames = ['ingest', 'processor', 'inference', 'coach', 'sink', 'api'] as const;
export type RoleName = (typeof roleNames)[number];

export interface Runtime {
  deps: StageDeps;
  signer: TokenSigner;
  lifecycle: Lifecycle;
  /** http://host:port when ingest or api runs */
  url: string | null;
  /** the consumer-group stages running here, by role */
  stages: Map<string, RunningStage>;
  /** the ClickHouse history, when the sink or the api runs here */
  history: History | null;
}

export function parseRoles(names: string[]): RoleName[] {
  if (names.length === 0) throw new UsageError(`run needs at least one role: ${roleNames.join(', ')}`);
  for (const n of names) {
    if (!roleNames.includes(n as RoleName)) throw new UsageError(`unknown role ${n}; roles: ${roleNames.join(', ')}`);
  }
  return [...new Set(names)] as RoleName[];
}

/**
 * Composes the roles asked for over one Log. Parts stop in reverse order of start: the HTTP
 * intake first, then the stages (each drains, snapshots and commits), then the log.
 */
export async function startRuntime(config: Config, roles: RoleName[], logger?: Logger): Promise<Runtime> {
  const log0 = logger ?? createLogger(config.logLevel);
  const lifecycle = new Lifecycle(log0);
  const metrics = createMetrics();
  const log = await createLog(config, log0);
  registerLagGauge(metrics, () => log.consumerLag());
  lifecycle.onStop('log', () => log.close());
  await log.ensureTopics(topicSpecs);
  const deps: StageDeps = { log, logger: log0, metrics, config };
  const signer = tokenSigner(resolveAuthSecret(config.authSecret, config.dataDir));
  const history =
    roles.includes('sink') || roles.includes('api')
      ? await openHistory(config, log0, lifecycle, { retention: roles.includes('sink') })
      : null;

  const starters = { processor: startProcessor, inference: startInference, coach: startCoach } as const;
  const stages = new Map<string, RunningStage>();
  for (const role of ['processor', 'inference', 'coach'] as const) {
    if (!roles.includes(role)) continue;
    const running = starters[role](deps);
    stages.set(role, running);
    lifecycle.onStop(role, () => running.close());
  }

  if (history && roles.includes('sink')) {
    const sink = startSink(deps, history.store);
    stages.set('sink', sink);
    lifecycle.onStop('sink', () => sink.close());
  }

  const writable = () => (deps.log.unwritable?.() ?? null) === null;
  let url: string | null = null;
  if (roles.includes('api') || roles.includes('ingest')) {
    const api = buildApi({
      deps,
      signer,
      store: history?.store ?? null,
      ready: () => ({ log: writable(), store: history?.healthy() ?? false }),
    });
    await api.start();
    lifecycle.onStop('api', () => api.close());
    const address = await api.app.listen({ host: config.host, port: config.port });
    url = address.replace('[::1]', '127.0.0.1');
  } else {
    // stage-only processes still answer probes and Prometheus
    const ops = buildOpsServer({
      logger: log0,
      metrics,
      ready: () => ({ log: writable(), ...(history ? { store: history.healthy() } : {}) }),
    });
    lifecycle.onStop('ops', () => ops.close());
    const address = await ops.listen({ host: config.host, port: config.port });
    url = address.replace('[::1]', '127.0.0.1');
  }
  for (const unused of unusedSettings(config)) log0.warn(unused);
  log0.info({ roles, mode: config.mode, url }, 'pulsecoach started');
  return { deps, signer, lifecycle, url, stages, history };
}
