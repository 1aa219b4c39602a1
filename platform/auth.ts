import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { ConfigError } from './config.ts';

/**
 * Tokens are JWT HS256 signed with PULSE_AUTH_SECRET (or, in embedded mode, a secret generated
 * once and kept in the data dir). A token carries one role and the one scope it may touch.
 *  - device:  may post samples for `user` (a wearable), or for members of `floor` (a gym gateway)
 *  - athlete: may read and act for `user` only
 *  - floor:   a gym-floor screen; may watch `floor` only
 *  - coach:   may watch and coach `floor` (and read its members' data)
 *  - admin:   everything
 */
export type Role = 'device' | 'athlete' | 'floor' | 'coach' | 'admin';
export const roles: readonly Role[] = ['device', 'athlete', 'floor', 'coach', 'admin'];

export interface TokenClaims {
  role: Role;
  user?: string;
  floor?: string;
  device?: string;
}

/** A verified token's claims, and when it expires (ms since the epoch). */
export interface VerifiedClaims extends TokenClaims {
  expiresAt: number;
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
}

const ISSUER = 'pulsecoach';

export interface TokenSigner {
  sign(claims: TokenClaims, ttl?: string): Promise<string>;
  /** Throws AuthError when the token is missing, malformed, expired, without an expiry or badly signed. */
  verify(token: string | undefined): Promise<VerifiedClaims>;
}

export function tokenSigner(secret: string): TokenSigner {
  const key = new TextEncoder().encode(secret);
  return {
    async sign(claims, ttl = '12h') {
      validateClaims(claims);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(ttl)
        .sign(key);
    },
    async verify(token) {
      if (!token) throw new AuthError('missing token');
      let payload: Record<string, unknown>;
      try {
        // (a token without an expiry would be good forever)
        ({ payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp'] }));
      } catch (err) {
        throw new AuthError(`invalid token: ${(err as Error).message}`);
      }
      const claims: TokenClaims = { role: payload['role'] as Role };
      for (const k of ['user', 'floor', 'device'] as const) {
        if (typeof payload[k] === 'string') claims[k] = payload[k];
      }
      validateClaims(claims);
      return { ...claims, expiresAt: (payload.exp as number) * 1000 };
    },
  };
}

function validateClaims(c: TokenClaims): void {
  if (!roles.includes(c.role)) throw new AuthError(`unknown role ${String(c.role)}`);
  if (c.role === 'athlete' && !c.user) throw new AuthError('an athlete token needs a user');
  if ((c.role === 'floor' || c.role === 'coach') && !c.floor) throw new AuthError(`a ${c.role} token needs a floor`);
  if (c.role === 'device' && !c.user && !c.floor) throw new AuthError('a device token needs a user or a floor');
}

/** The shortest secret accepted (as PULSE_AUTH_SECRET must be). */
const MIN_SECRET_LENGTH = 16;

/**
 * The configured secret, or (embedded mode) one generated once and kept in the data dir. The
 * file appears whole or not at all (written aside, then linked into place), so processes that
 * start together (`npm start` and `pulsecoach token`) all read the one that won.
 */
export function resolveAuthSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'auth-secret');
  const existing = readSecret(file);
  if (existing !== null) return existing;
  mkdirSync(dataDir, { recursive: true });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(aside);
  }
  return readSecret(file)!;
}

/** The secret in `file`, or null when there is no file; a file too short to be one is refused. */
function readSecret(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (text.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `${file} holds no usable secret (under ${MIN_SECRET_LENGTH} characters): remove it to have one generated`,
    );
  }
  return text;
}
