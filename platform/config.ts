import { resolve } from 'node:path';
import { z } from 'zod';
import { parseRetention } from './store/retention.ts';
import { parseWindowSpecs, resolveWindows, type WindowSpec } from './window-specs.ts';

/**
 * Typed configuration from the environment, overridden by command-line flags.
 * Every setting is one row: its variable, its flag, its type and default (CONTRACT.md table).
 */
/**
 * A whole number in [min, max] written in decimal digits: Number() (and z.coerce) would take a
 * blank for 0, and 0x1F90 or 1e3 as numbers too.
 */
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number (digits only)')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
const port = whole(0, 65535);
const exactlyOnceStages = ['processor', 'inference', 'coach'];

const settings = {
  mode: { env: 'PULSE_MODE', flag: 'mode', schema: z.enum(['embedded', 'kafka']).default('embedded') },
  host: { env: 'PULSE_HOST', flag: 'host', schema: z.string().min(1).default('127.0.0.1') },
  port: { env: 'PULSE_PORT', flag: 'port', schema: port.default(8080) },
  dataDir: { env: 'PULSE_DATA_DIR', flag: 'data-dir', schema: z.string().min(1).default('./.pulsecoach') },
  logLevel: {
    env: 'PULSE_LOG_LEVEL',
    flag: 'log-level',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  },
  partitions: { env: 'PULSE_PARTITIONS', flag: 'partitions', schema: whole(1, 1024).default(4) },
  fsyncIntervalMs: {
    env: 'PULSE_FSYNC_INTERVAL_MS',
    flag: 'fsync-interval-ms',
    schema: whole(0, 10_000).default(5),
  },
  commitIntervalMs: {
    env: 'PULSE_COMMIT_INTERVAL_MS',
    flag: 'commit-interval-ms',
    // default by mode (loadConfig)
    schema: whole(1, 600_000).optional(),
  },
  retentionMs: {
    env: 'PULSE_LOG_RETENTION_MS',
    flag: 'log-retention-ms',
    schema: whole(1).default(7 * 24 * 3600 * 1000),
  },
  retentionBytes: {
    env: 'PULSE_LOG_RETENTION_BYTES',
    flag: 'log-retention-bytes',
    schema: whole(1).default(1024 ** 3),
  },
  // no default here: unset, PULSE_WINDOWS (or its default) sizes the live window (resolveWindows)
  windowMs: {
    env: 'PULSE_WINDOW_MS',
    flag: 'window-ms',
    schema: whole(1000, 3_600_000).optional(),
  },
  windows: {
    env: 'PULSE_WINDOWS',
    flag: 'windows',
    schema: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return undefined;
        try {
          return parseWindowSpecs(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
  },
  graceMs: {
    env: 'PULSE_GRACE_MS',
    flag: 'grace-ms',
    schema: whole(0, 600_000).default(0),
  },
  zoneBasis: { env: 'PULSE_ZONE_BASIS', flag: 'zone-basis', schema: z.enum(['max', 'reserve']).default('max') },
  rrCorrection: { env: 'PULSE_RR_CORRECTION', flag: 'rr-correction', schema: z.enum(['auto', 'none']).default('auto') },
  windowStagger: {
    env: 'PULSE_WINDOW_STAGGER',
    flag: 'window-stagger',
    schema: z
      .enum(['on', 'off'])
      .default('on')
      .transform((v) => v === 'on'),
  },
  outOfOrderMs: {
    env: 'PULSE_OUT_OF_ORDER_MS',
    flag: 'out-of-order-ms',
    schema: whole(0, 600_000).default(5_000),
  },
  idleTimeoutMs: { env: 'PULSE_IDLE_TIMEOUT_MS', flag: 'idle-timeout-ms', schema: whole(1).default(90_000) },
  evictAfterMs: { env: 'PULSE_EVICT_AFTER_MS', flag: 'evict-after-ms', schema: whole(1).default(3_600_000) },
  maxFutureSkewMs: { env: 'PULSE_MAX_FUTURE_SKEW_MS', flag: 'max-future-skew-ms', schema: whole(1).default(60_000) },
  maxBodyBytes: { env: 'PULSE_MAX_BODY_BYTES', flag: 'max-body-bytes', schema: whole(1).default(1024 * 1024) },
  ingestRatePerToken: { env: 'PULSE_INGEST_RATE', flag: 'ingest-rate', schema: whole(1).default(5_000) },
  maxSamplesPerRequest: {
    env: 'PULSE_MAX_SAMPLES_PER_REQUEST',
    flag: 'max-samples-per-request',
    schema: whole(1).default(5_000),
  },
  kafkaBrokers: {
    env: 'KAFKA_BROKERS',
    flag: 'kafka-brokers',
    schema: z
      .string()
      // (a host is a name, an IPv4 address or a bracketed IPv6 one)
      .regex(
        /^\s*(\[[\d:a-fA-F.]+\]|[^\s,:[\]]+):\d{1,5}\s*(,\s*(\[[\d:a-fA-F.]+\]|[^\s,:[\]]+):\d{1,5}\s*)*$/,
        'must be host:port[,host:port…]',
      )
      .optional(),
  },
  kafkaPrefix: {
    env: 'PULSE_KAFKA_PREFIX',
    flag: 'kafka-prefix',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, ".", "_" and "-"')
      .default(''),
  },
  replicationFactor: {
    env: 'PULSE_REPLICATION_FACTOR',
    flag: 'replication-factor',
    schema: whole(1, 16).default(1),
  },
  exactlyOnce: {
    env: 'PULSE_EXACTLY_ONCE',
    flag: 'exactly-once',
    // the stages that read and write Kafka; the sink's exactly-once is ClickHouse's (high-water marks)
    schema: z
      .string()
      .default('processor')
      .transform((text, ctx) => {
        const stages = text === 'none' ? [] : text.split(',').map((s) => s.trim());
        const bad = stages.filter((s) => !exactlyOnceStages.includes(s));
        if (bad.length > 0)
          ctx.addIssue({
            code: 'custom',
            message: `unknown stage ${bad.join(', ')}: a comma-separated list of ${exactlyOnceStages.join(', ')}, or none`,
          });
        return stages;
      }),
  },
  exactlyOnceCommitIntervalMs: {
    env: 'PULSE_EOS_COMMIT_INTERVAL_MS',
    flag: 'eos-commit-interval-ms',
    schema: whole(1, 60_000).default(100),
  },
  schemaRegistryUrl: { env: 'SCHEMA_REGISTRY_URL', flag: 'schema-registry-url', schema: z.url().optional() },
  clickhouseUrl: { env: 'CLICKHOUSE_URL', flag: 'clickhouse-url', schema: z.url().optional() },
  clickhouseUser: { env: 'CLICKHOUSE_USER', flag: null, schema: z.string().optional() },
  clickhousePassword: { env: 'CLICKHOUSE_PASSWORD', flag: null, schema: z.string().optional() },
  clickhouseDatabase: {
    env: 'CLICKHOUSE_DATABASE',
    flag: 'clickhouse-database',
    schema: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier')
      .default('pulsecoach'),
  },
  sinkBatchRows: {
    env: 'PULSE_SINK_BATCH_ROWS',
    flag: 'sink-batch-rows',
    schema: whole(1, 500_000).default(50_000),
  },
  sinkBatchAgeMs: {
    env: 'PULSE_SINK_BATCH_AGE_MS',
    flag: 'sink-batch-age-ms',
    schema: whole(1, 600_000).default(1_000),
  },
  historyRetention: {
    env: 'PULSE_HISTORY_RETENTION',
    flag: 'history-retention',
    schema: z
      .string()
      .default('samples=90d')
      .transform((text, ctx) => {
        try {
          return parseRetention(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
  },
  openaiBaseUrl: { env: 'OPENAI_BASE_URL', flag: 'openai-base-url', schema: z.url().optional() },
  openaiApiKey: { env: 'OPENAI_API_KEY', flag: null, schema: z.string().optional() },
  llmModel: { env: 'PULSE_LLM_MODEL', flag: 'llm-model', schema: z.string().optional() },
  inferenceDevice: {
    env: 'PULSE_INFERENCE_DEVICE',
    flag: 'inference-device',
    schema: z.enum(['cpu', 'cuda']).default('cpu'),
  },
  authSecret: {
    env: 'PULSE_AUTH_SECRET',
    flag: null,
    schema: z
      .string()
      .min(16, 'must be at least 16 characters')
      // deploy/k8s/secret.yaml's placeholder: a key anyone can read in the repo would let anyone sign tokens
      .refine(
        (v) => !v.startsWith('CHANGE-ME'),
        'is the placeholder of deploy/k8s/secret.yaml: set a secret of your own',
      )
      .optional(),
  },
} as const;

type Settings = typeof settings;
type Parsed = { [K in keyof Settings]: z.output<Settings[K]['schema']> };
/** PULSE_WINDOW_MS and PULSE_WINDOWS become one list of windows, the first the live one. */
export type Config = Omit<Parsed, 'windowMs' | 'windows' | 'commitIntervalMs'> & {
  windows: WindowSpec[];
  commitIntervalMs: number;
};

/**
 * PULSE_COMMIT_INTERVAL_MS by mode: embedded, 5 s; kafka, Kafka Streams' 30 s (at least once).
 * In kafka mode the stages' snapshots go through the broker with their commits (the exactly-once
 * processor's, about 4 MB a task at 10,000 athletes, hold the task up while its transaction
 * commits): every 5 s they doubled the kafka bench's median latency and its p99.
 */
const DEFAULT_COMMIT_INTERVAL_MS = { embedded: 5_000, kafka: 30_000 } as const;
export type ConfigFlags = Partial<Record<string, string | boolean | undefined>>;

/**
 * A bad value as an error shows it: settings without a flag (secrets, credentials) are not shown
 * at all, and a URL's user and password are masked.
 */
const shown = (raw: unknown) => JSON.stringify(raw).replace(/\/\/[^/@\s"]*@/, '//***@');

/**
 * Settings the contract names that this release does not act on yet, when set: the LLM coach is
 * not built, so the coach stays rule-based whatever they say (start-up warns instead of ignoring
 * them silently).
 */
export function unusedSettings(config: Config): string[] {
  const set = [
    config.openaiBaseUrl !== undefined ? 'OPENAI_BASE_URL' : null,
    config.openaiApiKey !== undefined ? 'OPENAI_API_KEY' : null,
    config.llmModel !== undefined ? 'PULSE_LLM_MODEL' : null,
  ].filter((name): name is string => name !== null);
  const out =
    set.length === 0 ? [] : [`${set.join(', ')}: not used yet, the coach is rule-based (no LLM coach in this release)`];
  if (config.inferenceDevice === 'cuda') {
    out.push(
      'PULSE_INFERENCE_DEVICE=cuda: readiness is rule-based in this release (no model to run on a GPU); running on cpu',
    );
  }
  return out;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Flag names this module understands, for the CLI's argument parser. */
export const configFlags: string[] = Object.values(settings)
  .map((s) => s.flag)
  .filter((f): f is NonNullable<typeof f> => f !== null);

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(settings)) {
    const fromFlag = s.flag === null ? undefined : flags[s.flag];
    const raw = fromFlag ?? (env[s.env]?.trim() === '' ? undefined : env[s.env]);
    const parsed = (s.schema as z.ZodType).safeParse(raw);
    if (parsed.success) {
      out[key] = parsed.data;
    } else {
      const where = fromFlag !== undefined ? `--${s.flag}` : s.env;
      const issue = parsed.error.issues[0]?.message ?? 'invalid';
      problems.push(`${where}${s.flag === null ? '' : `=${shown(raw)}`}: ${issue}`);
    }
  }
  const { windowMs, windows: windowSpecs, commitIntervalMs, ...parsed } = out as Parsed;
  let windows: WindowSpec[] = [];
  if (problems.length === 0) {
    try {
      windows = resolveWindows(windowSpecs, windowMs);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const config: Config = {
    ...parsed,
    windows,
    commitIntervalMs: commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS[parsed.mode],
  };
  if (problems.length === 0 && config.mode === 'kafka') {
    if (!config.kafkaBrokers) problems.push('KAFKA_BROKERS is required in kafka mode');
    if (!config.schemaRegistryUrl)
      problems.push('SCHEMA_REGISTRY_URL is required in kafka mode (mock:// keeps the schemas in this one process)');
    if (!config.authSecret) problems.push('PULSE_AUTH_SECRET is required in kafka mode');
  }
  // a sample may be this far ahead of its arrival (ingest's rule): the partition's stream time with
  // it, and an athlete whose last sample is an idle timeout behind stream time is idled, their later
  // samples before it late. So one device with a fast clock would have every other athlete on its
  // partition idled, and their samples dead-lettered, all the time
  if (problems.length === 0 && config.idleTimeoutMs <= config.maxFutureSkewMs) {
    problems.push(
      `PULSE_IDLE_TIMEOUT_MS (${config.idleTimeoutMs}) must be longer than PULSE_MAX_FUTURE_SKEW_MS ` +
        `(${config.maxFutureSkewMs}), by as long as a device may take to deliver a sample: a device whose clock ` +
        'runs that far ahead moves its partition on, and every other athlete there would look idle and their samples be late',
    );
  }
  if (problems.length > 0) throw new ConfigError(`bad configuration: ${problems.join('; ')}`);
  return { ...config, dataDir: resolve(config.dataDir) };
}
