import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthError, resolveAuthSecret, tokenSigner } from './auth.ts';
import { ConfigError } from './config.ts';

const run = promisify(execFile);

const signer = tokenSigner('0123456789abcdef0123456789abcdef');

describe('tokens', () => {
  it('round-trips role and scope', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const token = await signer.sign({ role: 'athlete', user: 'u-1' });
    const { expiresAt, ...claims } = await signer.verify(token);
    expect(claims).toEqual({ role: 'athlete', user: 'u-1' });
    // 12 h by default, in whole seconds
    expect(expiresAt - before).toBeGreaterThanOrEqual(12 * 3_600_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(12 * 3_600_000);
  });

  it('refuses a token signed with another secret', async () => {
    const other = await tokenSigner('another-secret-of-enough-length').sign({ role: 'admin' });
    await expect(signer.verify(other)).rejects.toThrow(AuthError);
  });

  it('refuses an expired token, a missing token and garbage', async () => {
    const expired = await signer.sign({ role: 'admin' }, '-1s');
    await expect(signer.verify(expired)).rejects.toThrow(/invalid token/);
    await expect(signer.verify(undefined)).rejects.toThrow(/missing token/);
    await expect(signer.verify('not.a.jwt')).rejects.toThrow(AuthError);
  });

  it('refuses a token without an expiry, which would be good forever', async () => {
    const key = new TextEncoder().encode('0123456789abcdef0123456789abcdef');
    const forever = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('pulsecoach')
      .setIssuedAt()
      .sign(key);
    await expect(signer.verify(forever)).rejects.toThrow(/invalid token: .*"exp"/);
  });

  it('refuses to sign a scope-less athlete, floor or device token', async () => {
    await expect(signer.sign({ role: 'athlete' })).rejects.toThrow(/needs a user/);
    await expect(signer.sign({ role: 'floor' })).rejects.toThrow(/needs a floor/);
    await expect(signer.sign({ role: 'device' })).rejects.toThrow(/needs a user or a floor/);
  });

  it('keeps a generated secret in the data dir, readable only by its owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-auth-'));
    const a = resolveAuthSecret(undefined, dir);
    expect(resolveAuthSecret(undefined, dir)).toBe(a);
    expect(readFileSync(join(dir, 'auth-secret'), 'utf8')).toBe(a);
    expect(statSync(join(dir, 'auth-secret')).mode & 0o077).toBe(0);
    expect(resolveAuthSecret('configured-secret-value', dir)).toBe('configured-secret-value');
  });

  it('gives processes that start together the one secret that was generated, and leaves no other file', async () => {
    const auth = fileURLToPath(new URL('./auth.ts', import.meta.url));
    // each waits for the same instant (argv[2]), then reads or makes the secret
    const script = [
      `import { resolveAuthSecret } from ${JSON.stringify(auth)};`,
      'while (Date.now() < Number(process.argv[2]));',
      'console.log(resolveAuthSecret(undefined, process.argv[1]));',
    ].join('\n');
    for (let round = 0; round < 3; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'pulse-auth-race-'));
      const at = String(Date.now() + 3000);
      const runs = Array.from({ length: 6 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir, at]),
      );
      const secrets = (await Promise.all(runs)).map((r) => r.stdout.trim());
      expect(new Set(secrets).size).toBe(1);
      expect(secrets[0]!.length).toBeGreaterThanOrEqual(16);
      expect(readdirSync(dir)).toEqual(['auth-secret']);
    }
  }, 60_000);

  it('refuses a secret file too short to hold a secret (one left empty), saying how to fix it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-auth-'));
    writeFileSync(join(dir, 'auth-secret'), '');
    expect(() => resolveAuthSecret(undefined, dir)).toThrow(ConfigError);
    expect(() => resolveAuthSecret(undefined, dir)).toThrow(/holds no usable secret .*remove it/);
  });
});
