import type { FastifyInstance } from 'fastify';
import { liveWindowOf } from '../../platform/index.ts';
import { mayActFor } from '../auth.ts';
import { claimsOf, requireToken, type ApiContext } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { historyRange, queryHistory, resolutions, type Resolution } from '../history.ts';
import { bearerAuth, userParams } from '../http-schemas.ts';

const epochMs = { type: 'string', pattern: '^[0-9]{1,15}$', description: 'ms since the epoch' } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

const featurePoint = {
  type: 'object',
  required: ['ts', 'samples', 'hrMean', 'hrMin', 'hrMax', 'trimp'],
  properties: {
    ts: { type: 'integer', description: 'window end (raw) or the minute' },
    samples: { type: 'integer' },
    hrMean: nullableNumber,
    hrMin: nullableNumber,
    hrMax: nullableNumber,
    trimp: { type: 'number', description: 'Banister TRIMP' },
    zone: { type: 'integer' },
    rmssd: nullableNumber,
  },
} as const;

const historyOutput = {
  type: 'object',
  required: ['userId', 'from', 'to', 'resolution', 'features', 'readiness'],
  properties: {
    userId: { type: 'string' },
    from: { type: 'integer' },
    to: { type: 'integer' },
    resolution: { type: 'string', enum: resolutions },
    features: { type: 'array', items: featurePoint },
    readiness: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ts', 'score', 'scoreMin'],
        properties: {
          ts: { type: 'integer' },
          score: { type: 'number' },
          scoreMin: { type: 'number' },
          band: { type: 'string' },
        },
      },
    },
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'sessionId',
          'floorId',
          'startedAt',
          'endedAt',
          'samples',
          'hrMean',
          'hrMin',
          'hrMax',
          'trimp',
          'readiness',
        ],
        properties: {
          sessionId: { type: 'string' },
          floorId: { type: 'string' },
          startedAt: { type: 'integer' },
          endedAt: { type: 'integer' },
          samples: { type: 'integer' },
          hrMean: nullableNumber,
          hrMin: nullableNumber,
          hrMax: nullableNumber,
          trimp: { type: 'number' },
          readiness: nullableNumber,
        },
      },
    },
  },
} as const;

/** GET /v1/users/:userId/history: features and readiness from ClickHouse. */
export function historyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const liveWindow = liveWindowOf(ctx.deps.config.windows).name;
  app.get(
    '/v1/users/:userId/history',
    {
      onRequest: requireToken(ctx, ['athlete', 'coach', 'admin'], 'read history'),
      schema: {
        summary: 'features and readiness from history',
        description:
          'That athlete, a coach of the floor where the athlete has a session, or admin. `resolution` raw ' +
          '(each live window; at most 1 day), minute (default; at most 31 days) or session (at most 366 days); ' +
          '`to` defaults to now and `from` to 1 hour, 1 day or 30 days before it.',
        tags: ['users'],
        security: bearerAuth,
        params: userParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: epochMs, to: epochMs, resolution: { type: 'string', enum: resolutions } },
        },
        response: { 200: historyOutput, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (req) => {
      const { userId } = req.params as { userId: string };
      const q = req.query as { from?: string; to?: string; resolution?: Resolution };
      if (!mayActFor(claimsOf(req), userId, ctx.view.floorOf(userId), true)) {
        throw new ApiError('forbidden', { reason: 'this token may not read this user' });
      }
      const range = historyRange(
        {
          userId,
          from: q.from === undefined ? undefined : Number(q.from),
          to: q.to === undefined ? undefined : Number(q.to),
          resolution: q.resolution,
        },
        ctx.now(),
      );
      if (ctx.store === null) throw new ApiError('unavailable', { reason: 'this process has no history store' });
      try {
        return await queryHistory(ctx.store, range, liveWindow);
      } catch (err) {
        req.log.error({ err: (err as Error).message, route: 'history' }, 'history query failed');
        throw new ApiError('unavailable', { reason: 'the history could not be read; try again' });
      }
    },
  );
}
