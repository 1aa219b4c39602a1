import { parseArgs } from 'node:util';
import { loadConfig, resolveAuthSecret, roles, tokenSigner, type Role } from '../platform/index.ts';
import { UsageError } from './usage.ts';

/** `pulsecoach token`: prints a token signed with the configured (or the data dir's) secret. */
export async function tokenCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      role: { type: 'string' },
      user: { type: 'string' },
      floor: { type: 'string' },
      device: { type: 'string' },
      ttl: { type: 'string', default: '12h' },
      'data-dir': { type: 'string' },
    },
  });
  if (!values.role || !roles.includes(values.role as Role)) {
    throw new UsageError(`--role must be one of ${roles.join(', ')}`);
  }
  if (!/^0*[1-9]\d*\s*[smhdw]$/.test(values.ttl))
    throw new UsageError(`--ttl must look like 30m, 12h or 7d, got ${values.ttl}`);
  const config = loadConfig(process.env, { 'data-dir': values['data-dir'] });
  const signer = tokenSigner(resolveAuthSecret(config.authSecret, config.dataDir));
  try {
    const token = await signer.sign(
      { role: values.role as Role, user: values.user, floor: values.floor, device: values.device },
      values.ttl,
    );
    out.write(`${token}\n`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return 0;
}
