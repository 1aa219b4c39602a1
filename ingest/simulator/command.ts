import { parseArgs } from 'node:util';
import type { Sample } from '../../schemas/index.ts';
import { loadConfig, type Config } from '../../platform/index.ts';
import { runSimulation } from './driver.ts';
import { kafkaTarget, type KafkaTarget } from './kafka-target.ts';
import { deviceSample, httpTarget, HttpTargetError } from './http-target.ts';
import { createSimulation, type Simulation } from './simulation.ts';

export interface SimulateIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** where PULSE_DEVICE_TOKEN is read (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** stops a running simulation early (exit code 0) */
  signal?: AbortSignal;
}

interface Args {
  users: number;
  rateHz: number;
  durationSec: number;
  floorId: string;
  seed: number;
  faults: boolean;
  target: string | undefined;
  token: string | undefined;
  fast: boolean;
  kafka: boolean;
  /** with --kafka: the cluster settings from the environment */
  config: Config | undefined;
}

class BadUsage extends Error {}

const FLOOR_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_USERS = 1_000_000;

/**
 * `pulsecoach simulate`: realistic athletes as devices would send them. Without --target, NDJSON
 * on stdout: one {"type":"profile"} and one {"type":"session"} line per athlete, then
 * {"type":"sample"} lines in delivery order (a sample as a device sends it: no receivedAt). With
 * --target URL, checks the athletes in (POST /v1/sessions) and posts the samples to /v1/ingest.
 * Real time unless --fast; --fast generates the `--duration` seconds that end now, so every ts is
 * in the past for the server. Exit codes: 0 done, 1 delivery failed, 2 bad usage.
 */
export async function simulateCommand(argv: string[], io: SimulateIo): Promise<number> {
  let args: Args;
  try {
    args = parse(argv, io.env ?? process.env);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    io.stderr.write(`pulsecoach: simulate: ${message}\n`);
    return 2;
  }

  const durationMs = args.durationSec * 1000;
  const startTs = args.fast ? Date.now() - durationMs : Date.now();
  const sim = createSimulation({
    seed: args.seed,
    users: args.users,
    floorId: args.floorId,
    startTs,
    rateHz: args.rateHz,
    durationSec: args.durationSec,
    faults: args.faults,
  });
  const controller = new AbortController();
  const abort = () => controller.abort();
  io.signal?.addEventListener('abort', abort, { once: true });
  try {
    if (args.kafka) return await toKafka(sim, args, io, controller.signal);
    if (args.target !== undefined) return await toTarget(sim, args, io, controller.signal);
    return await toStdout(sim, args, io, controller);
  } catch (err) {
    const message = err instanceof HttpTargetError ? err.message : `simulate failed: ${(err as Error).message}`;
    io.stderr.write(`pulsecoach: ${message.split('\n')[0]}\n`);
    return 1;
  } finally {
    io.signal?.removeEventListener('abort', abort);
  }
}

async function toTarget(sim: Simulation, args: Args, io: SimulateIo, signal: AbortSignal): Promise<number> {
  const target = httpTarget({ url: args.target as string, token: args.token as string });
  return deliverAll(sim, target, args, io, signal, '');
}

async function toKafka(sim: Simulation, args: Args, io: SimulateIo, signal: AbortSignal): Promise<number> {
  const target = await kafkaTarget(args.config!, args.floorId);
  try {
    return await deliverAll(sim, target, args, io, signal, ' to Kafka');
  } finally {
    await target.close();
  }
}

/** Checks the athletes in, delivers their samples, and says what was accepted. */
async function deliverAll(
  sim: Simulation,
  target: Pick<KafkaTarget, 'registerSessions' | 'deliver' | 'stats'>,
  args: Args,
  io: SimulateIo,
  signal: AbortSignal,
  where: string,
): Promise<number> {
  await target.registerSessions(sim.profiles(), sim.sessions());
  const run = await runSimulation(sim, {
    deliver: (s) => target.deliver(s),
    realTime: !args.fast,
    tickMs: deliveryTickMs(args),
    signal,
  });
  const st = target.stats;
  const rejected = st.rejected > 0 ? `, ${st.rejected} rejected (first: ${st.firstRejection})` : '';
  io.stderr.write(`pulsecoach: simulate: sent ${run.samples} samples${where}, ${st.accepted} accepted${rejected}\n`);
  return 0;
}

async function toStdout(sim: Simulation, args: Args, io: SimulateIo, controller: AbortController): Promise<number> {
  let broken = false;
  const onError = () => {
    // e.g. EPIPE when piped into `head`: stop quietly
    broken = true;
    controller.abort();
  };
  io.stdout.on('error', onError);
  const write = async (chunk: string) => {
    if (broken) return;
    if (!io.stdout.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          io.stdout.off('drain', done);
          io.stdout.off('error', done);
          resolve();
        };
        io.stdout.once('drain', done);
        io.stdout.once('error', done);
      });
    }
  };
  try {
    let head = '';
    for (const p of sim.profiles()) head += `${JSON.stringify({ type: 'profile', ...p })}\n`;
    for (const s of sim.sessions()) head += `${JSON.stringify({ type: 'session', ...s })}\n`;
    await write(head);
    await runSimulation(sim, {
      deliver: (samples) => write(sampleLines(samples)),
      realTime: !args.fast,
      tickMs: args.fast ? 60_000 : 1000,
      signal: controller.signal,
    });
    return 0;
  } finally {
    io.stdout.off('error', onError);
  }
}

/** fast: about one full batch (500) per step, at least a second of simulated time; else 1 s */
function deliveryTickMs(args: Args): number {
  if (!args.fast) return 1000;
  const perSecond = args.users * args.rateHz;
  return Math.min(60_000, Math.max(1000, Math.round((500 / Math.max(perSecond, 1)) * 1000)));
}

function sampleLines(samples: readonly Sample[]): string {
  let out = '';
  for (const s of samples) out += `${JSON.stringify({ type: 'sample', ...deviceSample(s) })}\n`;
  return out;
}

function parse(argv: string[], env: NodeJS.ProcessEnv): Args {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      users: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      floor: { type: 'string' },
      seed: { type: 'string' },
      'no-faults': { type: 'boolean' },
      target: { type: 'string' },
      token: { type: 'string' },
      fast: { type: 'boolean' },
      kafka: { type: 'boolean' },
    },
  });
  const users = number('--users', values.users ?? '24');
  if (!Number.isInteger(users) || users <= 0 || users > MAX_USERS) {
    throw new BadUsage(`--users must be an integer 1-${MAX_USERS}, got ${values.users}`);
  }
  const rateHz = number('--rate', values.rate ?? '1');
  if (!(rateHz > 0 && rateHz <= 50))
    throw new BadUsage(`--rate must be a number > 0 and <= 50 (Hz), got ${values.rate}`);
  const durationSec = number('--duration', values.duration ?? '2700');
  if (!(durationSec > 0 && durationSec <= 30 * 86_400)) {
    throw new BadUsage(`--duration must be a number of seconds > 0 (at most 30 days), got ${values.duration}`);
  }
  const seed = number('--seed', values.seed ?? '1');
  if (!Number.isSafeInteger(seed)) throw new BadUsage(`--seed must be an integer, got ${values.seed}`);
  const floorId = values.floor ?? 'demo';
  if (!FLOOR_PATTERN.test(floorId)) {
    throw new BadUsage(`--floor must be 1-64 characters of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(floorId)}`);
  }
  const target = values.target;
  let token = values.token;
  if (token !== undefined && target === undefined) {
    throw new BadUsage('--token is for --target (the server the samples are posted to): give both, or neither');
  }
  let config: Config | undefined;
  if (values.kafka) {
    if (target !== undefined) throw new BadUsage('--target and --kafka exclude each other: pick one destination');
    // the cluster settings of kafka mode (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, PULSE_KAFKA_PREFIX, …)
    config = loadConfig(env);
    if (!config.kafkaBrokers) throw new BadUsage('--kafka needs KAFKA_BROKERS (host:port,…)');
    if (!config.schemaRegistryUrl)
      throw new BadUsage('--kafka needs SCHEMA_REGISTRY_URL (a Confluent-compatible registry)');
  }
  if (target !== undefined) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new BadUsage(`--target must be an http(s) URL, got ${JSON.stringify(target)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new BadUsage(`--target must be an http(s) URL, got ${JSON.stringify(target)}`);
    }
    token ??= env['PULSE_DEVICE_TOKEN'];
    if (token === undefined || token === '') {
      throw new BadUsage(
        '--target needs a device token: --token T or PULSE_DEVICE_TOKEN (see pulsecoach token --role device --floor F)',
      );
    }
  }
  return {
    users,
    rateHz,
    durationSec,
    floorId,
    seed,
    faults: !values['no-faults'],
    target,
    token,
    fast: values.fast ?? false,
    kafka: values.kafka ?? false,
    config,
  };
}

function number(flag: string, text: string): number {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new BadUsage(`${flag} must be a number, got ${JSON.stringify(text)}`);
  return n;
}
