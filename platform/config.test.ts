import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, unusedSettings } from './config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('embedded');
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.dataDir.endsWith('.pulsecoach')).toBe(true);
    expect(c.windows).toEqual([
      { name: 'live', kind: 'tumbling', sizeMs: 10_000 },
      { name: 'session', kind: 'session', gapMs: 600_000 },
      { name: 'day', kind: 'daily' },
    ]);
    expect(c.outOfOrderMs).toBe(5_000);
    expect(c.graceMs).toBe(0);
    expect(c.zoneBasis).toBe('max');
    expect(c.rrCorrection).toBe('auto');
    expect(c.commitIntervalMs).toBe(5_000);
    expect(c.idleTimeoutMs).toBe(90_000);
    expect(c.maxFutureSkewMs).toBe(60_000);
  });

  it('refuses an idle timeout no longer than the clock skew a sample may have', () => {
    expect(() => loadConfig({ PULSE_IDLE_TIMEOUT_MS: '60000' })).toThrow(
      /PULSE_IDLE_TIMEOUT_MS \(60000\) must be longer than PULSE_MAX_FUTURE_SKEW_MS \(60000\)/,
    );
    expect(() => loadConfig({}, { 'max-future-skew-ms': '120000' })).toThrow(/must be longer than/);
    expect(loadConfig({ PULSE_IDLE_TIMEOUT_MS: '20000', PULSE_MAX_FUTURE_SKEW_MS: '5000' }).idleTimeoutMs).toBe(20_000);
  });

  it('checkpoints every 30 s in kafka mode unless told otherwise, as Kafka Streams does', () => {
    const kafka = {
      PULSE_MODE: 'kafka',
      KAFKA_BROKERS: 'k:9092',
      SCHEMA_REGISTRY_URL: 'mock://r',
      PULSE_AUTH_SECRET: 's'.repeat(32),
    };
    expect(loadConfig(kafka).commitIntervalMs).toBe(30_000);
    expect(loadConfig({ ...kafka, PULSE_COMMIT_INTERVAL_MS: '5000' }).commitIntervalMs).toBe(5_000);
    expect(loadConfig({}, { 'commit-interval-ms': '1000' }).commitIntervalMs).toBe(1_000);
    expect(() => loadConfig({ PULSE_COMMIT_INTERVAL_MS: '0' })).toThrow(/PULSE_COMMIT_INTERVAL_MS="0"/);
  });

  it('lets flags override the environment', () => {
    const c = loadConfig({ PULSE_PORT: '9000' }, { port: '9100' });
    expect(c.port).toBe(9100);
  });

  it('names the variable and value that are wrong', () => {
    expect(() => loadConfig({ PULSE_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PULSE_PORT: 'eighty' })).toThrow(/PULSE_PORT="eighty"/);
    expect(() => loadConfig({ PULSE_MODE: 'cloud' })).toThrow(/PULSE_MODE/);
    expect(() => loadConfig({}, { port: '70000' })).toThrow(/--port="70000"/);
  });

  it('takes numbers only as decimal digits: a blank variable is unset, a blank flag, hex or an exponent is refused', () => {
    expect(loadConfig({ PULSE_PORT: ' ' }).port).toBe(8080);
    expect(loadConfig({ PULSE_PORT: ' 9090 ' }).port).toBe(9090);
    expect(() => loadConfig({}, { port: '' })).toThrow('--port="": must be a whole number');
    expect(() => loadConfig({ PULSE_PORT: '0x1F90' })).toThrow('PULSE_PORT="0x1F90": must be a whole number');
    expect(() => loadConfig({ PULSE_FSYNC_INTERVAL_MS: '1e3' })).toThrow('must be a whole number');
  });

  it("refuses deploy/k8s/secret.yaml's placeholder as PULSE_AUTH_SECRET, without showing it", () => {
    expect(() => loadConfig({ PULSE_AUTH_SECRET: 'CHANGE-ME-at-least-16-characters' })).toThrow(
      'PULSE_AUTH_SECRET: is the placeholder of deploy/k8s/secret.yaml: set a secret of your own',
    );
  });

  it('takes KAFKA_BROKERS as host:port pairs', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092, k2:9093' }).kafkaBrokers).toBe('k1:9092, k2:9093');
    expect(loadConfig({ KAFKA_BROKERS: '[::1]:9092,10.0.0.7:9092' }).kafkaBrokers).toBe('[::1]:9092,10.0.0.7:9092');
    for (const bad of ['localhost', 'k1:9092,', 'k1:port']) {
      expect(() => loadConfig({ KAFKA_BROKERS: bad }), bad).toThrow('must be host:port[,host:port…]');
    }
  });

  it('names the LLM settings and a cuda inference device as unused when set, and nothing otherwise', () => {
    expect(unusedSettings(loadConfig({}))).toEqual([]);
    expect(unusedSettings(loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', OPENAI_API_KEY: 'sk-x' }))).toEqual([
      'OPENAI_BASE_URL, OPENAI_API_KEY: not used yet, the coach is rule-based (no LLM coach in this release)',
    ]);
    expect(unusedSettings(loadConfig({ PULSE_INFERENCE_DEVICE: 'cuda' }))).toEqual([
      'PULSE_INFERENCE_DEVICE=cuda: readiness is rule-based in this release (no model to run on a GPU); running on cpu',
    ]);
  });

  it('never shows a secret, and masks the credentials of a URL, in the error', () => {
    const error = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    const short = error({ PULSE_AUTH_SECRET: 'hunter2-short' });
    expect(short).toContain('PULSE_AUTH_SECRET: must be at least 16 characters');
    expect(short).not.toContain('hunter2');
    const url = error({ CLICKHOUSE_URL: 'http://admin:s3cret@clickhouse:8123 /x' });
    expect(url).toContain('CLICKHOUSE_URL="http://***@clickhouse:8123 /x"');
    expect(url).not.toContain('s3cret');
  });

  it('requires brokers, a schema registry and a secret in kafka mode', () => {
    expect(() => loadConfig({ PULSE_MODE: 'kafka' })).toThrow(/KAFKA_BROKERS is required/);
    expect(() => loadConfig({ PULSE_MODE: 'kafka', KAFKA_BROKERS: '127.0.0.1:9092' })).toThrow(
      /PULSE_AUTH_SECRET is required/,
    );
    expect(() => loadConfig({ PULSE_MODE: 'kafka', KAFKA_BROKERS: '127.0.0.1:9092' })).toThrow(
      /SCHEMA_REGISTRY_URL is required in kafka mode/,
    );
    const kafka = {
      PULSE_MODE: 'kafka',
      KAFKA_BROKERS: '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: 'mock://',
      PULSE_AUTH_SECRET: 'x'.repeat(16),
    };
    expect(loadConfig(kafka).schemaRegistryUrl).toBe('mock://');
  });

  it('runs the processor exactly once by default, and takes a list of stages or none', () => {
    expect(loadConfig({}).exactlyOnce).toEqual(['processor']);
    expect(loadConfig({ PULSE_EXACTLY_ONCE: 'processor, inference,coach' }).exactlyOnce).toEqual([
      'processor',
      'inference',
      'coach',
    ]);
    expect(loadConfig({ PULSE_EXACTLY_ONCE: 'none' }).exactlyOnce).toEqual([]);
    expect(() => loadConfig({ PULSE_EXACTLY_ONCE: 'processor,sink' })).toThrow(
      /PULSE_EXACTLY_ONCE.*unknown stage sink: a comma-separated list of processor, inference, coach, or none/,
    );
  });

  it('sizes the default live window by PULSE_WINDOW_MS, keeping sessions and days', () => {
    expect(loadConfig({ PULSE_WINDOW_MS: '5000' }).windows).toEqual([
      { name: 'live', kind: 'tumbling', sizeMs: 5_000 },
      { name: 'session', kind: 'session', gapMs: 600_000 },
      { name: 'day', kind: 'daily' },
    ]);
    expect(() => loadConfig({ PULSE_WINDOW_MS: '500' })).toThrow(
      /PULSE_WINDOW_MS="500": Too small: expected number to be >=1000/,
    );
  });

  it('takes the windows from PULSE_WINDOWS, or --windows over it', () => {
    const hrv = 'live=tumbling:5s,hrv=hopping:60s/10s';
    expect(loadConfig({ PULSE_WINDOWS: hrv }).windows).toEqual([
      { name: 'live', kind: 'tumbling', sizeMs: 5_000 },
      { name: 'hrv', kind: 'hopping', sizeMs: 60_000, advanceMs: 10_000 },
    ]);
    expect(loadConfig({ PULSE_WINDOWS: hrv }, { windows: 'tile=tumbling:2s' }).windows).toEqual([
      { name: 'tile', kind: 'tumbling', sizeMs: 2_000 },
    ]);
    // both set: they must agree on the live window's size
    expect(loadConfig({ PULSE_WINDOWS: hrv, PULSE_WINDOW_MS: '5000' }).windows[0]).toEqual({
      name: 'live',
      kind: 'tumbling',
      sizeMs: 5_000,
    });
    expect(() => loadConfig({ PULSE_WINDOWS: hrv, PULSE_WINDOW_MS: '10000' })).toThrow(
      'bad configuration: PULSE_WINDOW_MS (10000) and the live window of PULSE_WINDOWS (live, 5000 ms) differ: set only PULSE_WINDOWS',
    );
  });

  it('names PULSE_WINDOWS and says what is wrong with it', () => {
    expect(() => loadConfig({ PULSE_WINDOWS: 'day=daily' })).toThrow(
      'bad configuration: PULSE_WINDOWS="day=daily": the first window must be tumbling (the live window)',
    );
    expect(() => loadConfig({}, { windows: 'live=tumbling:10x' })).toThrow(
      '--windows="live=tumbling:10x": live=tumbling:10x: "10x" is not a duration like 500ms, 10s, 5m or 1h',
    );
  });

  it('takes the grace, zone basis and RR correction the window engine uses', () => {
    const c = loadConfig({ PULSE_GRACE_MS: '2000', PULSE_ZONE_BASIS: 'reserve', PULSE_RR_CORRECTION: 'none' });
    expect([c.graceMs, c.zoneBasis, c.rrCorrection]).toEqual([2_000, 'reserve', 'none']);
    expect(() => loadConfig({ PULSE_GRACE_MS: '-1' })).toThrow(/PULSE_GRACE_MS="-1"/);
    expect(() => loadConfig({ PULSE_ZONE_BASIS: 'hrr' })).toThrow(/PULSE_ZONE_BASIS="hrr"/);
    expect(() => loadConfig({ PULSE_RR_CORRECTION: 'strict' })).toThrow(/PULSE_RR_CORRECTION="strict"/);
  });
});
