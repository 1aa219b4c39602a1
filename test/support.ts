import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CLI = fileURLToPath(new URL('../bin/pulsecoach.js', import.meta.url));
export const TEST_SECRET = 'test-secret-0123456789abcdef';

export interface Server {
  child: ChildProcess;
  url: string;
  /** everything the process printed so far */
  output(): string;
}

/** Starts `pulsecoach <args>` as a real child process and waits for its "running at" line. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, PULSE_AUTH_SECRET: TEST_SECRET, PULSE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /running at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`pulsecoach exited with ${code} before serving:\n${out}`)));
  });
  return { child, url, output: () => out };
}

/** SIGTERM and wait for the exit code. */
export async function stopServer(s: Server): Promise<number | null> {
  if (s.child.exitCode !== null) return s.child.exitCode;
  s.child.kill('SIGTERM');
  const [code] = (await once(s.child, 'exit')) as [number | null];
  return code;
}

export async function killServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGKILL');
  await once(s.child, 'exit');
}

/** Debian's Chromium, headless, with the flags that keep it off the network (NOTES.md). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
