import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from './command.ts';

function collector() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out = collector();
  const err = collector();
  const code = await simulateCommand(argv, { stdout: out.stream, stderr: err.stream, env });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('pulsecoach simulate', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--users', 'many'], /--users must be a number, got "many"/],
    [['--users', '0'], /--users must be an integer 1-/],
    [['--users', '2.5'], /--users must be an integer/],
    [['--rate', '0'], /--rate must be a number > 0 and <= 50/],
    [['--rate', '51'], /--rate must be a number > 0 and <= 50/],
    [['--duration=-1'], /--duration must be a number of seconds > 0/],
    [['--duration', '0'], /--duration must be a number of seconds > 0/],
    [['--seed', 'x'], /--seed must be a number/],
    [['--floor', 'has space'], /--floor must be 1-64 characters/],
    [['--target', 'http://127.0.0.1:9'], /--target needs a device token/],
    [['--token', 'abc'], /--token is for --target/],
    [['--target', 'not a url', '--token', 't'], /--target must be an http\(s\) URL/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('refuses %j with exit code 2 and a one-line reason', async (argv, reason) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(reason);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it.each([
    [['--kafka'], {}, /--kafka needs KAFKA_BROKERS/],
    [['--kafka'], { KAFKA_BROKERS: '127.0.0.1:9' }, /--kafka needs SCHEMA_REGISTRY_URL/],
    [['--kafka', '--target', 'http://127.0.0.1:9', '--token', 't'], {}, /--target and --kafka exclude each other/],
    [['--kafka'], { KAFKA_BROKERS: 'b:1', SCHEMA_REGISTRY_URL: 'not a url' }, /SCHEMA_REGISTRY_URL="not a url"/],
  ])('refuses %j with %j before touching Kafka: exit code 2, one line', async (argv, env, reason) => {
    const r = await run(argv, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('prints profiles, sessions, then samples as NDJSON', async () => {
    const r = await run([
      '--users',
      '3',
      '--duration',
      '20',
      '--rate',
      '2',
      '--fast',
      '--no-faults',
      '--floor',
      'gym7',
      '--seed',
      '5',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, 3).map((l) => [l['type'], l['userId']])).toEqual([
      ['profile', 'gym7-u0'],
      ['profile', 'gym7-u1'],
      ['profile', 'gym7-u2'],
    ]);
    expect(lines.slice(3, 6).map((l) => [l['type'], l['floorId']])).toEqual([
      ['session', 'gym7'],
      ['session', 'gym7'],
      ['session', 'gym7'],
    ]);
    const samples = lines.slice(6);
    expect(samples).toHaveLength(3 * 20 * 2);
    for (const s of samples) {
      expect(Object.keys(s)).toEqual([
        'type',
        'userId',
        'deviceId',
        'ts',
        'bpm',
        'rr',
        'steps',
        'cadence',
        'power',
        'speed',
      ]);
      expect(s['type']).toBe('sample');
      expect(Number.isInteger(s['bpm'])).toBe(true);
    }
    // --fast backfills: the run ends about now
    const last = Math.max(...samples.map((s) => s['ts'] as number));
    expect(last).toBeLessThanOrEqual(Date.now());
    // the same seed prints the same athletes and readings
    const again = await run([
      '--users',
      '3',
      '--duration',
      '20',
      '--rate',
      '2',
      '--fast',
      '--no-faults',
      '--floor',
      'gym7',
      '--seed',
      '5',
    ]);
    const strip = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((l) => {
          const {
            ts: _t,
            startedAt: _s,
            updatedAt: _u,
            sessionId: _i,
            ...rest
          } = JSON.parse(l) as Record<string, unknown>;
          return rest;
        });
    expect(strip(again.stdout)).toEqual(strip(r.stdout));
  });

  it('sends to a --target with the token from PULSE_DEVICE_TOKEN', async () => {
    const paths: string[] = [];
    const auth = new Set<string>();
    let samples = 0;
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        paths.push(req.url ?? '');
        auth.add(req.headers.authorization ?? '');
        if (req.url === '/v1/ingest') {
          const n = (JSON.parse(text) as { samples: unknown[] }).samples.length;
          samples += n;
          res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: n, rejected: [] }));
        } else {
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"sessionId":"s"}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await run(['--users', '2', '--duration', '30', '--fast', '--target', url], {
        PULSE_DEVICE_TOKEN: 'dev-token',
      });
      expect(r.code).toBe(0);
      expect(paths.filter((p) => p === '/v1/sessions')).toHaveLength(2);
      expect(paths.indexOf('/v1/ingest')).toBeGreaterThan(1);
      expect([...auth]).toEqual(['Bearer dev-token']);
      expect(samples).toBeGreaterThan(2 * 25);
      expect(r.stderr).toMatch(new RegExp(`sent ${samples} samples, ${samples} accepted`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('exits 1 with the reason when the target refuses', async () => {
    const server: Server = createServer((_req, res) => {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":"invalid_token","message":"invalid token: expired"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await run(['--users', '2', '--duration', '10', '--fast', '--target', url, '--token', 't']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('pulsecoach: POST /v1/sessions answered 401: invalid token: expired\n');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
