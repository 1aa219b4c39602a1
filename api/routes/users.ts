import type { FastifyInstance } from 'fastify';
import type { Profile } from '../../schemas/index.ts';
import { mayActFor } from '../auth.ts';
import { claimsOf, requireToken, type ApiContext } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { assertPlausibleProfile } from '../profile-rules.ts';
import { bearerAuth, profileInput, profileOutput, readinessOutput, userParams } from '../http-schemas.ts';
import { feedbackJsonSchema, toFeedback, type FeedbackInput } from '../feedback.ts';

type ProfileBody = Partial<Omit<Profile, 'userId' | 'updatedAt'>>;

/** Per-user routes: readiness and profile (that athlete, admin, a coach of their floor where said), feedback. */
export function userRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { view } = ctx;

  app.get(
    '/v1/users/:userId/readiness',
    {
      onRequest: requireToken(ctx, ['athlete', 'coach', 'admin'], 'read readiness'),
      schema: {
        summary: 'latest readiness score with its factors',
        description: 'That athlete, a coach of the floor where the athlete has a session, or admin.',
        tags: ['users'],
        security: bearerAuth,
        params: userParams,
        response: { 200: readinessOutput, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { userId } = req.params as { userId: string };
      if (!mayActFor(claimsOf(req), userId, view.floorOf(userId), true)) {
        throw new ApiError('forbidden', { reason: 'this token may not read this user' });
      }
      const r = view.readiness(userId);
      if (r === null) throw new ApiError('not_found', { what: 'readiness for this user' });
      return r;
    },
  );

  app.get(
    '/v1/users/:userId/profile',
    {
      // (it holds health data: CONTRACT.md gives it to that user and admin only)
      onRequest: requireToken(ctx, ['athlete', 'admin'], 'read profiles'),
      schema: {
        summary: "the athlete's profile",
        description: 'That athlete or admin.',
        tags: ['users'],
        security: bearerAuth,
        params: userParams,
        response: { 200: profileOutput, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { userId } = req.params as { userId: string };
      if (!mayActFor(claimsOf(req), userId, view.floorOf(userId), false)) {
        throw new ApiError('forbidden', { reason: 'this token may not read this user' });
      }
      const p = view.profile(userId);
      if (p === null) throw new ApiError('not_found', { what: 'profile of this user' });
      return p;
    },
  );

  app.put(
    '/v1/users/:userId/profile',
    {
      onRequest: requireToken(ctx, ['athlete', 'admin'], 'change profiles'),
      schema: {
        summary: "replace the athlete's profile",
        description:
          'That athlete or admin. Fields left out are unknown (null) and estimated downstream; locale defaults to en. A restHr at or above maxHr is refused (400).',
        tags: ['users'],
        security: bearerAuth,
        params: userParams,
        body: profileInput,
        response: { 200: profileOutput, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (req) => {
      const { userId } = req.params as { userId: string };
      if (!mayActFor(claimsOf(req), userId, undefined, false)) {
        throw new ApiError('forbidden', { reason: 'this token may not change this user' });
      }
      const b = req.body as ProfileBody;
      const profile: Profile = {
        userId,
        age: b.age ?? null,
        sex: b.sex ?? null,
        restHr: b.restHr ?? null,
        maxHr: b.maxHr ?? null,
        locale: b.locale ?? 'en',
        goals: b.goals ?? [],
        conditions: b.conditions ?? [],
        updatedAt: ctx.now(),
      };
      assertPlausibleProfile(profile);
      try {
        await ctx.out.profiles.send([profile]);
      } catch (err) {
        req.log.error({ err }, 'profile not produced');
        throw new ApiError('unavailable', { reason: 'the profile could not be stored; send it again' });
      }
      view.applyProfile(profile);
      return profile;
    },
  );

  app.post(
    '/v1/feedback',
    {
      onRequest: requireToken(ctx, ['athlete'], 'send feedback'),
      schema: {
        summary: 'feedback on a suggestion',
        description: 'The athlete of the token: rating 1-5, rpe 0-10 (Borg CR10), comment up to 500 characters.',
        tags: ['users'],
        security: bearerAuth,
        body: feedbackJsonSchema(),
        response: {
          202: { type: 'object', required: ['status'], properties: { status: { type: 'string', const: 'accepted' } } },
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (req, reply) => {
      const claims = claimsOf(req);
      const feedback = toFeedback(claims.user!, req.body as FeedbackInput, ctx.now());
      try {
        await ctx.out.feedback.send([feedback]);
      } catch (err) {
        req.log.error({ err }, 'feedback not produced');
        throw new ApiError('unavailable', { reason: 'the feedback could not be stored; send it again' });
      }
      return reply.code(202).send({ status: 'accepted' });
    },
  );
}
