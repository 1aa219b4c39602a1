/**
 * A process for platform/lifecycle.test.ts to signal. `node --import tsx lifecycle-child.ts <mode>`
 * registers two parts, the first of which stops as `mode` says (clean, fails, hangs, slow: 3 s),
 * handles signals with a 1 s grace period, and prints `ready`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Lifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';

const mode = process.argv[2];
const lifecycle = new Lifecycle(createLogger('info'));
lifecycle.onStop('log', () => void process.stdout.write('log stopped\n'));
lifecycle.onStop('stage', async () => {
  if (mode === 'fails') throw new Error('the disk is full');
  if (mode === 'hangs') await new Promise(() => undefined);
  if (mode === 'slow') await sleep(3000);
});
lifecycle.handleSignals(1000);
// (alive until signalled, as a server's listener keeps it)
setInterval(() => undefined, 60_000);
process.stdout.write('ready\n');
