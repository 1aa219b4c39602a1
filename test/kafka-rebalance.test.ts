import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulation } from '../ingest/index.ts';
import { emitter, KafkaLog, startStageHarness } from '../platform/index.ts';
import { serde, topics, topicSchemas, type Profile, type Sample, topicSpecs } from '../schemas/index.ts';
import { startProcessor } from '../stream-processors/index.ts';
import { byWindow, closingSample, readTopic } from './pipeline-driver.ts';
import { kafkaForSuite } from './kafka-fixture.ts';
import { CLI, TEST_SECRET } from './support.ts';

/**
 * Two processor processes in one consumer group on a real broker; one is killed (SIGKILL)
 * mid-stream. The other takes over its tasks, restores their state from the changelog, and the
 * feature windows equal those of one uninterrupted embedded processor: none lost, none differing,
 * and (exactly once) none on the topic twice.
 */
const { service, registry, removeAfter } = await kafkaForSuite({ registry: true });

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const SECONDS = 240;
/**
 * The same in both runs: no window closes by the wall clock, only by event time. Transactions
 * (outputs, offsets) every 0.3 s, snapshots only at the first commit and at shutdown: the survivor
 * restores an old snapshot and reads again up to where the killed member committed, producing none
 * of what that member's transactions committed.
 */
const stageConfig = {
  PULSE_IDLE_TIMEOUT_MS: '600000',
  PULSE_COMMIT_INTERVAL_MS: '600000',
  PULSE_EOS_COMMIT_INTERVAL_MS: '300',
  PULSE_PORT: '0',
  PULSE_EXACTLY_ONCE: 'processor',
};

function inputs() {
  const sim = createSimulation({
    seed: 11,
    users: 12,
    floorId: 'f',
    startTs: T0,
    rateHz: 1,
    durationSec: SECONDS,
    faults: true,
  });
  const batches: Sample[][] = [];
  for (let t = T0 + 5000; t <= T0 + (SECONDS + 30) * 1000; t += 5000) batches.push(sim.next(t));
  batches.push(sim.athletes.map((a, i) => closingSample(a.userId, a.deviceId, T0 + (SECONDS + 120) * 1000 + i)));
  const profiles: Profile[] = sim.profiles().map((p) => ({ ...p, updatedAt: T0 }));
  return { profiles, batches };
}

/** each processor's log lines above info, for a failure's report */
const warnings = new Map<ChildProcess, string[]>();

function startProcessorProcess(env: Record<string, string>): Promise<ChildProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pulse-proc-'));
  removeAfter(dataDir);
  const child = spawn(process.execPath, [CLI, 'run', 'processor'], {
    env: { ...process.env, ...env, ...stageConfig, PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const above = [] as string[];
  warnings.set(child, above);
  const keep = (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (/"level":(4|5|6)0/.test(line)) above.push(line.slice(0, 400));
  };
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
    keep(d);
  });
  child.stdout!.on('data', keep);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('pulsecoach started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`processor exited with ${code}:\n${out}`)));
  });
}

// a test that fails midway must not leave its processors running (they would hold the run open)
afterEach(() => {
  for (const child of warnings.keys()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 200));
}

describe('kafka mode: a processor dies', () => {
  it('hands its tasks and their state to the other, losing and changing no window', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const prefix = `rebalance-${process.pid}.`;
    const env = {
      PULSE_MODE: 'kafka',
      KAFKA_BROKERS: service.brokers.join(','),
      PULSE_KAFKA_PREFIX: prefix,
      SCHEMA_REGISTRY_URL: registry.url,
      PULSE_AUTH_SECRET: TEST_SECRET,
    };
    const log = await KafkaLog.open({
      brokers: service.brokers,
      namespace: prefix,
      partitions: 4,
      schemaRegistry: { url: registry.url, schemas: topicSchemas() },
    });
    await log.ensureTopics(topicSpecs);
    const group = `${prefix}processor`;
    const members = async () => (await log.admin.describeGroups([group])).groups[0]!;
    const committed = async (topic: string) => {
      const [rows] = await log.admin.fetchOffsets({ groupId: group, topics: [`${prefix}${topic}`] });
      return rows!.partitions.map((p) => Number(p.offset));
    };

    const a = await startProcessorProcess(env);
    const b = await startProcessorProcess(env);
    await until(async () => {
      const g = await members();
      return g.state === 'Stable' && g.members.length === 2;
    });

    const { profiles, batches } = inputs();
    const send = async (topic: string, values: unknown[], schema: 'Sample' | 'Profile') => {
      const codec = serde(schema);
      await log.produce(
        topic,
        values.map((v) => ({ key: (v as { userId: string }).userId, value: codec.encode(v as never) })),
      );
    };
    await send(topics.profiles.name, profiles, 'Profile');
    const half = Math.floor(batches.length / 2);
    for (const batch of batches.slice(0, half)) await send(topics.samples.name, batch, 'Sample');
    // both members have checkpointed their tasks before one of them dies
    await until(async () => (await committed(topics.samples.name)).every((o) => o > 0));
    b.kill('SIGKILL');
    await once(b, 'exit');
    for (const batch of batches.slice(half)) await send(topics.samples.name, batch, 'Sample');
    const ends = await log.endOffsets(topics.samples.name);
    await until(async () => (await committed(topics.samples.name)).every((o, p) => o === ends[p]));
    a.kill('SIGTERM');
    await once(a, 'exit');
    const features = await readTopic(log, topics.features.name, (v) => serde('Features').decode(v));
    const got = byWindow(features);
    await log.close();

    // the reference: one embedded processor, uninterrupted, over the same records
    const h = await startStageHarness({
      prefix: 'pulse-ref-',
      config: { idleTimeoutMs: Number(stageConfig.PULSE_IDLE_TIMEOUT_MS) },
    });
    try {
      const stage = startProcessor(h.deps);
      await emitter(h.deps, 'test', 'profiles').send(profiles);
      for (const batch of batches) await emitter(h.deps, 'test', 'samples').send(batch);
      await stage.subscription.caughtUp();
      await stage.close();
      const ref = byWindow(await h.read('features'));
      expect(ref.size).toBeGreaterThan(12 * 20);
      const missing = [...ref.keys()].filter((k) => !got.has(k));
      if (missing.length > 0) {
        // (a rare failure here could not be reproduced to diagnose: what the members logged)
        const report = [a, b].map((m, i) => [`member ${'ab'[i]}:`, ...warnings.get(m)!.slice(-60)].join('\n'));
        console.error(`windows missing: ${missing.join(' ')}\n${report.join('\n')}`);
      }
      expect([...got.keys()].sort()).toEqual([...ref.keys()].sort());
      // exactly once (the processor's default): what the killed member produced after its last
      // commit was aborted with its transaction, so no window reaches the topic twice
      expect(features.length).toBe(got.size);
      for (const [key, f] of ref) expect(got.get(key), key).toEqual(f);
    } finally {
      await h.close();
    }
  }, 300_000);
});
