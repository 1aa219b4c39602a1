import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface OpsContext {
  /** named readiness checks: /readyz answers 503 naming those that fail */
  ready(): Record<string, boolean>;
  registry: Registry;
}

/** Liveness, readiness and Prometheus metrics: no token (bind /metrics privately). */
export function opsRoutes(app: FastifyInstance, ctx: OpsContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'liveness: 200 while the process lives',
        tags: ['ops'],
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { type: 'string', const: 'ok' } } },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'readiness: 200 when every part is usable, else 503 naming what is not',
        tags: ['ops'],
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { type: 'string', const: 'ready' } } },
          503: {
            type: 'object',
            required: ['status', 'failing'],
            properties: {
              status: { type: 'string', const: 'not_ready' },
              failing: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    async (_req, reply) => {
      const checks = ctx.ready();
      const failing = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([name]) => name);
      if (failing.length === 0) return { status: 'ready' };
      return reply.code(503).send({ status: 'not_ready', failing });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['ops'],
        produces: ['text/plain'],
        response: { 200: { type: 'string' } },
      },
    },
    async (_req, reply) => {
      const registry = ctx.registry;
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(Buffer.from(text));
    },
  );
}
