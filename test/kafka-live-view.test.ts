import { describe, expect, it } from 'vitest';
import { createLiveView, type LiveView } from '../api/live-view.ts';
import { KafkaLog, partitionFor, startStageHarness, type StageHarness } from '../platform/index.ts';
import { topicSchemas, type Readiness, type Session } from '../schemas/index.ts';
import { kafkaForSuite } from './kafka-fixture.ts';

/**
 * The api and ingest roles in kafka mode, each a process of its own (and several replicas of
 * each): every one of them needs every user's floor (ingest checks a gateway's samples against
 * it, the api scopes reads and rooms by it). Here two live views, each with its own KafkaLog as a
 * process would have, on one broker.
 */
const { service, registry } = await kafkaForSuite({ registry: true });

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const users = Array.from({ length: 12 }, (_, i) => `athlete-${i}`);
const session = (userId: string): Session => ({
  sessionId: `s-${userId}`,
  userId,
  floorId: 'f',
  alias: userId.toUpperCase(),
  startedAt: T0,
  endedAt: null,
});
const readiness = (userId: string, windowEnd: number): Readiness => ({
  userId,
  windowEnd,
  score: 70,
  band: 'green',
  factors: [],
  bpm: 120,
  pctMax: 63,
  zone: 2,
  model: 'rules-v1',
  traceArrivalMs: windowEnd + 1,
});

describe('the live view in kafka mode', () => {
  it('knows every user in every process: each reads the whole membership, and the latest readiness from its start', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const namespace = `live-view-${process.pid}.`;
    const open = async () =>
      startStageHarness({
        prefix: 'pulse-live-view-',
        log: await KafkaLog.open({
          brokers: service.brokers,
          namespace,
          partitions: 4,
          schemaRegistry: { url: registry.url, schemas: topicSchemas() },
        }),
      });
    const processes: StageHarness[] = [];
    const views: LiveView[] = [];
    try {
      const writer = await open();
      processes.push(writer);
      // the users spread over every partition (what one group's members would split)
      expect(new Set(users.map((u) => partitionFor(u, 4))).size).toBe(4);
      await writer.produce('sessions', users.map(session));
      // a score from before the views started: the next window's replaces it within seconds
      await writer.produce('readiness', [readiness(users[0]!, T0 + 10_000)]);

      for (const role of ['api', 'ingest']) {
        const h = await open();
        processes.push(h);
        const view = createLiveView(h.deps);
        views.push(view);
        await view.start();
        expect(
          users.filter((u) => view.floorOf(u) !== 'f'),
          role,
        ).toEqual([]);
      }
      await writer.produce(
        'readiness',
        users.map((u) => readiness(u, T0 + 20_000)),
      );
      for (const view of views) {
        await view.caughtUp();
        expect(users.filter((u) => view.readiness(u)?.windowEnd !== T0 + 20_000)).toEqual([]);
        expect(view.tiles('f')).toHaveLength(users.length);
      }
    } finally {
      for (const v of views) await v.close();
      for (const h of processes) await h.close();
    }
  }, 120_000);
});
