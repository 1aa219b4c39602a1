import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenSigner } from '../platform/index.ts';
import { storeBackends } from './services.ts';
import { CLI, TEST_SECRET } from './support.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'pulse-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function runWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, PULSE_DATA_DIR: dataDir, PULSE_AUTH_SECRET: TEST_SECRET, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const run = (...args: string[]) => runWith({}, ...args);

describe('pulsecoach CLI exit codes (CONTRACT.md: 0 ok, 1 runtime failure, 2 bad usage)', () => {
  it('prints a token that verifies with the configured secret', async () => {
    const r = run('token', '--role', 'athlete', '--user', 'u7', '--ttl', '1h');
    expect(r.code).toBe(0);
    const { expiresAt, ...claims } = await tokenSigner(TEST_SECRET).verify(r.stdout.trim());
    expect(claims).toEqual({ role: 'athlete', user: 'u7' });
    // --ttl 1h (whole seconds)
    expect(expiresAt - Date.now()).toBeGreaterThan(3_500_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(3_600_000);
  });

  it.each([
    [['frobnicate'], /unknown command frobnicate/],
    [['token', '--role', 'king'], /--role must be one of/],
    [['token', '--role', 'athlete'], /needs a user/],
    [['token', '--role', 'admin', '--ttl', 'forever'], /--ttl must look like/],
    // (a token that is expired when printed)
    [['token', '--role', 'admin', '--ttl', '0s'], /--ttl must look like/],
    [['start', '--seed', '1.5', '--port', '0'], /--seed must be an integer, got 1.5/],
    [['run', 'api', '--seed', '3', '--port', '0'], /--seed and --no-sim are for start/],
    [['start', '--port', 'eighty'], /--port="eighty"/],
    [['start', '--bogus'], /Unknown option '--bogus'/],
    [['run', 'juggler'], /unknown role juggler/],
    [['run'], /run needs at least one role/],
    [['analyze', 'missing.fit'], /missing.fit: cannot read/],
    [['train'], /train is not available yet/],
    [['bench', '--only', 'teleport'], /unknown bench section teleport/],
    [['migrate', '--history-retention', 'samples=forever'], /not table=<days>d/],
    [['migrate', '--clickhouse-database', 'a;b'], /must be a plain identifier/],
  ])('%j exits 2 with a one-line reason', (args, reason) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it("prints a command's usage for --help, -h or help <command>, and the version", () => {
    for (const args of [
      ['bench', '--help'],
      ['analyze', '-h'],
      ['help', 'bench'],
    ]) {
      const r = run(...args);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toMatch(new RegExp(`^usage: pulsecoach ${args[0] === 'help' ? args[1] : args[0]} `));
    }
    expect(run('bench', '--help').stdout).toContain('windowing,sink,kafka');
    const help = run('help', 'nope');
    expect([help.code, help.stderr]).toEqual([2, 'pulsecoach: no command nope; try pulsecoach help\n']);
    expect(run('version').stdout).toMatch(/^pulsecoach \d+\.\d+\.\d+\n$/);
  });

  it('exits 1 when a runtime part fails (the port is taken)', async () => {
    const net = await import('node:net');
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const r = run('run', 'api', '--port', String(port), '--data-dir', join(dataDir, 'busy'));
    server.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EADDRINUSE/);
  });
});

describe('pulsecoach run <stage-only roles>', () => {
  it('serves /healthz, /readyz and /metrics for probes and Prometheus, and stops cleanly', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'run', 'processor', 'coach', '--port', '0', '--data-dir', join(dataDir, 'ops')],
      {
        env: { ...process.env, PULSE_AUTH_SECRET: TEST_SECRET, PULSE_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"url":"(http:\/\/[^"]+)","msg":"pulsecoach started"/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^pulsecoach_consumer_lag_records\{group="processor"\} 0$/m);
    expect(metrics).toMatch(/^pulsecoach_consumer_lag_records\{group="coach"\} 0$/m);
    expect((await fetch(`${url}/v1/users/u1/readiness`)).status).toBe(404);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});

describe('pulsecoach migrate', () => {
  const services = storeBackends();
  afterAll(async () => {
    for (const b of services) await b.dispose();
  });

  it('creates the history tables in chDB once, then finds nothing to apply', () => {
    const dir = join(dataDir, 'migrate');
    const first = run('migrate', '--data-dir', dir);
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toMatch(/^history \(chdb 26\.[\d.]+\) at schema version 2: applied 1, 2\n$/);
    expect(run('migrate', '--data-dir', dir).stdout).toMatch(/at schema version 2: nothing to apply/);
  });

  it('does the same on a ClickHouse server named by CLICKHOUSE_URL', async (ctx) => {
    const server = services[1]!;
    if ((await server.open().then((s) => s?.close().then(() => true))) !== true) return ctx.skip();
    const env = { CLICKHOUSE_URL: server.service()!.url, CLICKHOUSE_DATABASE: `cli_${process.pid}` };
    const first = runWith(env, 'migrate');
    expect([first.code, first.stdout]).toEqual([
      0,
      expect.stringMatching(/^history \(clickhouse [\d.]+\) at schema version 2: applied 1, 2\n$/),
    ]);
    expect(runWith(env, 'migrate').stdout).toMatch(/nothing to apply/);
  });

  it('exits 1 with the reason, without credentials, when the server cannot be reached', () => {
    const r = runWith({ CLICKHOUSE_URL: 'http://pulse:s3cret@127.0.0.1:1' }, 'migrate');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pulsecoach: cannot reach ClickHouse at http:\/\/127\.0\.0\.1:1\/: .*ECONNREFUSED/);
    expect(r.stderr).not.toContain('s3cret');
  });
});
