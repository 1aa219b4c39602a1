import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger, Metrics } from '../platform/index.ts';
import { opsRoutes } from './routes/ops.ts';

/**
 * For a process that runs only stages (processor, inference, coach, sink): /healthz, /readyz and
 * /metrics on PULSE_PORT, which probes and Prometheus expect of every role.
 */
export function buildOpsServer(opts: {
  logger: Logger;
  metrics: Metrics;
  ready: () => Record<string, boolean>;
}): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'ops' }),
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  opsRoutes(app, { ready: opts.ready, registry: opts.metrics.registry });
  return app;
}
