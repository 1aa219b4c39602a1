import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ALIAS_MAX_LENGTH, ALIAS_PATTERN, MIN_TS, type Profile, type Session } from '../../schemas/index.ts';
import { claimsOf, requireToken, type ApiContext } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertPlausibleProfile } from '../profile-rules.ts';
import { bearerAuth, idSchema, profileInput } from '../http-schemas.ts';

interface SessionBody {
  userId: string;
  alias: string;
  sessionId?: string;
  startedAt?: number;
  floorId?: string;
  profile?: Partial<Omit<Profile, 'userId' | 'updatedAt'>>;
}

/**
 * POST /v1/sessions: an athlete checks in on a floor (a gym gateway's device token for floor F,
 * a coach of F, or admin). Produces the Session (and the Profile when given) and adds the member
 * to the live view at once, so the gateway's next ingest call for that user passes.
 */
export function sessionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post(
    '/v1/sessions',
    {
      onRequest: requireToken(ctx, ['device', 'coach', 'admin'], 'start sessions'),
      schema: {
        summary: "check an athlete in on the token's floor",
        description:
          "The floor is the token's (an admin token not bound to a floor names it in floorId). " +
          'A profile, when given, is the first one of an athlete who has none, or the same again (403 otherwise); ' +
          "an admin's is merged over the athlete's current one.",
        tags: ['sessions'],
        security: bearerAuth,
        body: {
          type: 'object',
          required: ['userId', 'alias'],
          additionalProperties: false,
          properties: {
            userId: idSchema,
            // shown on floor screens (schemas/session-rules.ts)
            alias: { type: 'string', minLength: 1, maxLength: ALIAS_MAX_LENGTH, pattern: ALIAS_PATTERN },
            sessionId: idSchema,
            startedAt: { type: 'integer', minimum: MIN_TS, maximum: Number.MAX_SAFE_INTEGER },
            floorId: idSchema,
            profile: profileInput,
          },
        },
        response: {
          201: { type: 'object', required: ['sessionId'], properties: { sessionId: { type: 'string' } } },
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (req, reply) => {
      const claims = claimsOf(req);
      const body = req.body as SessionBody;
      let floorId: string;
      if (claims.role === 'admin') {
        const f = claims.floor ?? body.floorId;
        if (f === undefined) {
          throw new ApiError('invalid_request', {
            reason: 'floorId is required with an admin token not bound to a floor',
          });
        }
        floorId = f;
      } else if (claims.floor === undefined) {
        throw new ApiError('forbidden', { reason: 'this token is not bound to a floor' });
      } else {
        floorId = claims.floor;
      }
      if (body.floorId !== undefined && body.floorId !== floorId) {
        throw new ApiError('forbidden', { reason: 'this token may not start sessions on another floor' });
      }
      const now = ctx.now();
      if (body.startedAt !== undefined && body.startedAt > now + ctx.deps.config.maxFutureSkewMs) {
        // (a start far ahead would pin the member to this floor: every later check-in is older)
        throw new ApiError('invalid_request', { reason: 'startedAt is in the future beyond the allowed clock skew' });
      }
      const session: Session = {
        sessionId: body.sessionId ?? randomUUID(),
        userId: body.userId,
        floorId,
        alias: body.alias,
        startedAt: body.startedAt ?? now,
        endedAt: null,
      };
      let profile: Profile | null = null;
      if (body.profile !== undefined) {
        const p = body.profile;
        const prev = ctx.view.profile(body.userId);
        profile = {
          userId: body.userId,
          age: p.age !== undefined ? p.age : (prev?.age ?? null),
          sex: p.sex !== undefined ? p.sex : (prev?.sex ?? null),
          restHr: p.restHr !== undefined ? p.restHr : (prev?.restHr ?? null),
          maxHr: p.maxHr !== undefined ? p.maxHr : (prev?.maxHr ?? null),
          locale: p.locale ?? prev?.locale ?? 'en',
          goals: p.goals ?? prev?.goals ?? [],
          conditions: p.conditions ?? prev?.conditions ?? [],
          updatedAt: now,
        };
        // a profile is the athlete's (health data, and what their load and zones are computed on):
        // a floor's gateway or coach enters one at a first visit, or the same again, never another
        if (prev !== null && claims.role !== 'admin') {
          if (!sameProfile(profile, prev)) {
            throw new ApiError('forbidden', {
              reason:
                'this athlete has a profile, which only they or an admin change (PUT /v1/users/:userId/profile); check in without one',
            });
          }
          profile = null;
        } else {
          assertPlausibleProfile(profile, p);
        }
      }
      try {
        // the profile first: the processor then knows HRmax when the member's samples come
        if (profile !== null) await ctx.out.profiles.send([profile]);
        await ctx.out.sessions.send([session]);
      } catch (err) {
        req.log.error({ err }, 'session not produced');
        throw new ApiError('unavailable', { reason: 'the session could not be stored; send it again' });
      }
      if (profile !== null) ctx.view.applyProfile(profile);
      ctx.view.applySession(session);
      return reply.code(201).send({ sessionId: session.sessionId });
    },
  );

  app.post(
    '/v1/sessions/:sessionId/end',
    {
      onRequest: requireToken(ctx, ['device', 'coach', 'admin'], 'end sessions'),
      schema: {
        summary: 'check an athlete out: the session ends and they leave the floor',
        description:
          "The athlete's open session, on the token's floor (any floor for an admin token not bound to one). " +
          'Their tile leaves the floor screens at once.',
        tags: ['sessions'],
        security: bearerAuth,
        params: {
          type: 'object',
          required: ['sessionId'],
          properties: { sessionId: idSchema },
        },
        body: {
          type: 'object',
          required: ['userId'],
          additionalProperties: false,
          properties: { userId: idSchema },
        },
        response: {
          200: {
            type: 'object',
            required: ['sessionId', 'endedAt'],
            properties: { sessionId: { type: 'string' }, endedAt: { type: 'integer' } },
          },
          ...errorResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (req, reply) => {
      const claims = claimsOf(req);
      const { sessionId } = req.params as { sessionId: string };
      const { userId } = req.body as { userId: string };
      if (claims.role !== 'admin' && claims.floor === undefined) {
        throw new ApiError('forbidden', { reason: 'this token is not bound to a floor' });
      }
      const open = ctx.view.session(userId);
      // (one on another floor is not found either: a floor's token learns nothing of the others)
      const ours = open !== null && (claims.floor === undefined || claims.floor === open.floorId);
      if (open === null || !ours || open.sessionId !== sessionId) {
        throw new ApiError('not_found', { what: `open session ${sessionId} of this athlete on this floor` });
      }
      const ended: Session = { ...open, endedAt: Math.max(open.startedAt, ctx.now()) };
      try {
        await ctx.out.sessions.send([ended]);
      } catch (err) {
        req.log.error({ err }, 'session end not produced');
        throw new ApiError('unavailable', { reason: 'the session end could not be stored; send it again' });
      }
      ctx.view.applySession(ended);
      return reply.send({ sessionId, endedAt: ended.endedAt });
    },
  );
}

/** Whether two profiles hold the same data (their time aside), field by field. */
function sameProfile(a: Profile, b: Profile): boolean {
  return (Object.keys(a) as (keyof Profile)[]).every(
    (k) => k === 'updatedAt' || JSON.stringify(a[k]) === JSON.stringify(b[k]),
  );
}
