import { z } from 'zod';
import type { Feedback } from '../schemas/index.ts';

/**
 * Feedback on a suggestion, as both POST /v1/feedback and the /athlete socket's `feedback` event
 * take it: one zod schema, from which the route's JSON schema is derived, so both agree.
 */
export const feedbackInput = z.strictObject({
  suggestionId: z.string().min(1).max(128),
  rating: z.number().int().min(1).max(5).nullable().optional(),
  rpe: z.number().int().min(0).max(10).nullable().optional(),
  comment: z.string().max(500).nullable().optional(),
});

export type FeedbackInput = z.infer<typeof feedbackInput>;

/** The JSON schema of the route body (draft-07, as fastify's ajv expects). */
export function feedbackJsonSchema(): Record<string, unknown> {
  const { $schema: _s, ...schema } = z.toJSONSchema(feedbackInput, { target: 'draft-7', io: 'input' }) as Record<
    string,
    unknown
  >;
  return schema;
}

/** Checks a socket payload; a reason names the first bad field, as the HTTP 400 does. */
export function parseFeedback(payload: unknown): { ok: true; value: FeedbackInput } | { ok: false; reason: string } {
  const r = feedbackInput.safeParse(payload);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, reason: `${where}${issue?.message ?? 'invalid'}` };
}

export function toFeedback(userId: string, input: FeedbackInput, now: number): Feedback {
  return {
    userId,
    suggestionId: input.suggestionId,
    ts: now,
    rating: input.rating ?? null,
    rpe: input.rpe ?? null,
    comment: input.comment ?? null,
    followed: null,
  };
}
