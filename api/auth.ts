import { AuthError, type Role, type TokenClaims, type TokenSigner } from '../platform/index.ts';
import { ApiError } from './errors.ts';

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Verifies a bearer token and checks its role; throws the API's 401/403 errors. */
export async function authenticate(
  signer: TokenSigner,
  header: string | undefined,
  allowed: readonly Role[],
  action: string,
): Promise<TokenClaims> {
  const token = bearerToken(header);
  if (token === undefined) {
    if (header) throw new ApiError('invalid_token', { reason: 'the Authorization header must be "Bearer <token>"' });
    throw new ApiError('missing_token');
  }
  let claims: TokenClaims;
  try {
    claims = await signer.verify(token);
  } catch (err) {
    if (err instanceof AuthError) throw new ApiError('invalid_token', { reason: stripPrefix(err.message) });
    throw err;
  }
  if (!allowed.includes(claims.role)) {
    throw new ApiError('forbidden', { reason: `${withArticle(claims.role)} token may not ${action}` });
  }
  return claims;
}

function stripPrefix(message: string): string {
  return message.replace(/^invalid token:\s*/, '');
}

/**
 * Who may read or act for a user: that athlete, admin, and (when `coachReads`) a coach of the
 * floor where the user has a current session.
 */
export function mayActFor(
  claims: TokenClaims,
  userId: string,
  floorOf: string | undefined,
  coachReads: boolean,
): boolean {
  if (claims.role === 'admin') return true;
  if (claims.role === 'athlete') return claims.user === userId;
  if (claims.role === 'coach' && coachReads) return floorOf !== undefined && claims.floor === floorOf;
  return false;
}

/** "a coach", "an athlete", "an admin" */
export function withArticle(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}
