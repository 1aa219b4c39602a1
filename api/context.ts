import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Ingestor } from '../ingest/index.ts';
import type { Emitter, Role, StageDeps, Store, TokenClaims, TokenSigner } from '../platform/index.ts';
import { authenticate } from './auth.ts';
import type { LiveView } from './live-view.ts';
import type { TokenBuckets } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** the verified token of a route that needs one (set by its onRequest hook) */
    claims: TokenClaims | null;
  }
}

/** What the routes share: built once by buildApi. */
export interface ApiContext {
  deps: StageDeps;
  signer: TokenSigner;
  view: LiveView;
  ingestor: Ingestor;
  buckets: TokenBuckets;
  out: {
    sessions: Emitter<'sessions'>;
    profiles: Emitter<'profiles'>;
    feedback: Emitter<'feedback'>;
  };
  ready: () => Record<string, boolean>;
  /** the history (ClickHouse), where this process has one */
  store: Store | null;
  now: () => number;
}

/** An onRequest hook: the route needs a bearer token of one of `roles` (401/403 before the body is read). */
export function requireToken(ctx: ApiContext, roles: readonly Role[], action: string) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    req.claims = await authenticate(ctx.signer, req.headers.authorization, roles, action);
  };
}

/** The claims set by requireToken (a route without the hook has none: a programming error). */
export function claimsOf(req: FastifyRequest): TokenClaims {
  if (req.claims === null) throw new Error(`route ${req.routeOptions.url ?? '?'} has no token hook`);
  return req.claims;
}
