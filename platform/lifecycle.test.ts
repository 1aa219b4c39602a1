import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./lifecycle-child.ts', import.meta.url));

/** Starts the child, sends `signals` once it is ready, and answers its exit code and output. */
async function stopWith(mode: string, signals: NodeJS.Signals[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('ready')) await once(child.stdout, 'data');
  const closed = once(child, 'close');
  for (const [i, signal] of signals.entries()) {
    // (one at a time: a second signal sent before the first is handled merges with it)
    if (i > 0) while (!out.includes('shutting down')) await once(child.stdout, 'data');
    child.kill(signal);
  }
  const [code] = (await closed) as [number | null];
  return { code, out };
}

describe('shutdown on a signal', () => {
  it('exits 0 when every part stopped', async () => {
    const { code, out } = await stopWith('clean', ['SIGTERM']);
    expect(code).toBe(0);
    expect(out).toContain('log stopped');
  });

  it('exits 1 when a part failed to stop, after stopping the others', async () => {
    const { code, out } = await stopWith('fails', ['SIGTERM']);
    expect(code).toBe(1);
    expect(out).toContain('failed to stop cleanly');
    expect(out).toContain('log stopped');
  });

  it('exits 1 when a part does not stop within the grace period', async () => {
    const { code, out } = await stopWith('hangs', ['SIGINT']);
    expect(code).toBe(1);
    expect(out).toContain('shutdown grace period exceeded');
  });

  it('exits 1 at once on a second signal, saying so', async () => {
    const { code, out } = await stopWith('slow', ['SIGINT', 'SIGINT']);
    expect(code).toBe(1);
    expect(out).toContain('second signal: exiting now');
    expect(out).not.toContain('log stopped');
  });
});
