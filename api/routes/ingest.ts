import type { FastifyInstance } from 'fastify';
import { sampleFields, validateSamples } from '../../ingest/index.ts';
import { bearerToken } from '../auth.ts';
import { claimsOf, requireToken, type ApiContext } from '../context.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { bearerAuth } from '../http-schemas.ts';

const rejectedSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['index', 'reason'],
    properties: { index: { type: 'integer' }, reason: { type: 'string' } },
  },
} as const;

/** The rate-limit key of a request: its token's signature (unique per token; the token itself is not kept). */
function bucketKey(header: string | undefined): string {
  const token = bearerToken(header) ?? '';
  return token.slice(token.lastIndexOf('.') + 1);
}

/**
 * POST /v1/ingest: a batch of samples from a device, app or gym gateway. Token first (401/403,
 * before the body is read), then the body (413 over the limit, 400 not JSON or not a batch), the
 * token's rate (429 with Retry-After), then each sample on its own. The 202 comes only after the
 * accepted samples are durable in pulse.samples.v1.
 */
export function ingestRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { maxBodyBytes, maxSamplesPerRequest, maxFutureSkewMs, ingestRatePerToken } = ctx.deps.config;
  const auth = requireToken(ctx, ['device', 'athlete', 'admin'], 'post samples');
  const floorOf = (userId: string) => ctx.view.floorOf(userId);

  app.post(
    '/v1/ingest',
    {
      bodyLimit: maxBodyBytes,
      onRequest: [
        auth,
        async (req) => {
          // an empty bucket answers 429 before a body is read
          const wait = ctx.buckets.peek(bucketKey(req.headers.authorization));
          if (wait > 0) throw rateLimited(ingestRatePerToken, wait);
        },
      ],
      schema: {
        summary: 'send a batch of telemetry samples',
        description:
          `Each sample is {${sampleFields.join(', ')}}: userId and deviceId 1-128 characters of ` +
          'A-Z a-z 0-9 . _ : -; ts integer ms since the epoch, from 2000-01-01 to now + the allowed clock skew; ' +
          'bpm integer 20-250; rr up to 64 integers 200-3000 (ms); steps integer >= 0; cadence integer 0-300; ' +
          'power integer 0-3000 (W); speed 0-50 (m/s); at least one of bpm, rr, steps, cadence, power, speed; ' +
          'no other fields. Samples are validated one by one: good ones are accepted, bad ones listed in ' +
          '`rejected` with their index and a reason (e.g. "bpm: must be an integer 20-250, got 400"). ' +
          "A device or athlete token bound to a user may send only that user's samples; a gateway token " +
          'bound to a floor only for users with a current session on that floor. Late samples are accepted ' +
          `(the stream processor decides lateness). At most ${maxSamplesPerRequest} samples and ` +
          `${maxBodyBytes} bytes per request, ${ingestRatePerToken} samples/s per token (bursts of 2 s).`,
        tags: ['ingest'],
        security: bearerAuth,
        body: {
          type: 'object',
          required: ['samples'],
          properties: {
            samples: {
              type: 'array',
              minItems: 1,
              maxItems: maxSamplesPerRequest,
              items: { description: 'a sample (see the route description); each is validated on its own' },
            },
          },
        },
        response: {
          202: {
            type: 'object',
            required: ['accepted', 'rejected'],
            properties: { accepted: { type: 'integer' }, rejected: rejectedSchema },
          },
          ...errorResponses(400, 401, 403, 413, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const claims = claimsOf(req);
      const samples = (req.body as { samples: unknown[] }).samples;
      const wait = ctx.buckets.take(bucketKey(req.headers.authorization), samples.length);
      if (wait > 0) throw rateLimited(ingestRatePerToken, wait);

      const v = validateSamples(samples, { now: ctx.now(), maxFutureSkewMs, claims, floorOf });
      ctx.ingestor.countRejected(v.rejected);
      const rejected = v.rejected.map(({ index, reason }) => ({ index, reason }));
      if (v.accepted.length === 0) {
        throw new ApiError(
          v.forbidden === v.rejected.length ? 'samples_forbidden' : 'samples_rejected',
          {},
          { rejected },
        );
      }
      try {
        await ctx.ingestor.ingest(v.accepted);
      } catch (err) {
        req.log.error({ err }, 'samples not produced');
        throw new ApiError('unavailable', { reason: 'the samples could not be stored; send them again' });
      }
      return reply.code(202).send({ accepted: v.accepted.length, rejected });
    },
  );
}

function rateLimited(rate: number, retryAfter: number): ApiError {
  return new ApiError('rate_limited', { rate, retryAfter }, {}, { 'retry-after': String(retryAfter) });
}
