import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('embedded');
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.dataDir.endsWith('.pulsecoach')).toBe(true);
    expect(c.windowMs).toBe(10_000);
    expect(c.outOfOrderMs).toBe(5_000);
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
});
