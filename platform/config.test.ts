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

  it('requires brokers and a secret in kafka mode', () => {
    expect(() => loadConfig({ PULSE_MODE: 'kafka' })).toThrow(/KAFKA_BROKERS is required/);
    expect(() => loadConfig({ PULSE_MODE: 'kafka', KAFKA_BROKERS: '127.0.0.1:9092' })).toThrow(
      /PULSE_AUTH_SECRET is required/,
    );
  });
});
