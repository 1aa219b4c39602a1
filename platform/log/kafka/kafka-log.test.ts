import { basename } from 'node:path';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaService } from '../../../test/services.ts';
import { logContract } from '../contract.ts';
import { partitionFor } from '../partitioner.ts';
import { KafkaLog } from './index.ts';
import { kafkaClientLine } from './kafka-log.ts';
import { assertReadCommittedFilter, kafkajsFilter, transactionalRecord } from './read-committed-check.ts';
import { TaskTransaction } from './task-transaction.ts';

/**
 * The Log contract on a real Kafka broker: each test's directory names a namespace of its own
 * (topics and groups), so reopening "the same dir" finds the same topics, offsets and checkpoints.
 */
const service = await kafkaService();
afterAll(async () => service?.dispose(), 60_000);

if (service) {
  logContract('kafka', (dir) =>
    KafkaLog.open({ brokers: service.brokers, namespace: `${basename(dir)}.`, partitions: 1, commitIntervalMs: 200 }),
  );
}

/** Every value a read-committed subscription of a new group delivers from `topic`, as text. */
/** A one-partition log on the test broker, in a namespace of its own (`run`: unique to this test run). */
const openLog = (name: string, run = `${process.pid}-${Date.now()}`) =>
  KafkaLog.open({ brokers: service!.brokers, namespace: `${name}-${run}.`, partitions: 1 });

async function committedValues(log: KafkaLog, topic: string): Promise<string[]> {
  const got: string[] = [];
  const sub = log.subscribe({
    group: 'reader',
    topics: [topic],
    onBatch: (rs) => void rs.forEach((r) => got.push(r.value.toString())),
  });
  await sub.caughtUp();
  await sub.close();
  return got;
}

/*
 * A fetch lists the aborted transactions it overlaps in the order their aborts completed (the
 * broker's transaction index), not the order they began: Kafka's Java consumer sorts them by first
 * offset. kafkajs 2.2.4 took the list as sorted and looked at its head once per record, so a
 * transaction that began earlier but was aborted later came through as committed. Several
 * exactly-once tasks write their checkpoints and output ids into one changelog partition, so a
 * member taking over two tasks at once (aborting both transactions) read an aborted id record as
 * committed and dropped outputs that were never committed (patches/kafkajs+2.2.4.patch).
 */
describe('read committed: aborted transactions', () => {
  const filterAbortedMessages = kafkajsFilter();
  const record = (offset: number, producerId: string) => transactionalRecord(offset, producerId);
  const abortMarker = (offset: number, producerId: string) => transactionalRecord(offset, producerId, true);

  it('drops both transactions when the one that began later was aborted first', () => {
    const kept = filterAbortedMessages({
      messages: [record(10, '2'), record(11, '3'), abortMarker(12, '3'), abortMarker(13, '2'), record(14, '4')],
      abortedTransactions: [
        { producerId: '3', firstOffset: '11' },
        { producerId: '2', firstOffset: '10' },
      ],
    });
    expect(kept.filter((m) => !('isControlRecord' in m && m.isControlRecord)).map((m) => m.offset)).toEqual(['14']);
  });

  it('drops every transaction that began before a fetch that starts inside them', () => {
    // the fetch starts at 12: both transactions began before it, and their records follow
    const kept = filterAbortedMessages({
      messages: [record(12, '3'), record(13, '2'), abortMarker(14, '2'), abortMarker(15, '3')],
      abortedTransactions: [
        { producerId: '2', firstOffset: '10' },
        { producerId: '3', firstOffset: '11' },
      ],
    });
    expect(kept.filter((m) => !('isControlRecord' in m && m.isControlRecord)).map((m) => m.offset)).toEqual([]);
  });

  it('takes only a control record for the end of an aborted transaction, not a record keyed like one', () => {
    const kept = filterAbortedMessages({
      messages: [
        { ...record(10, '2'), key: Buffer.from([0, 0, 0, 0]) },
        record(11, '2'),
        abortMarker(12, '2'),
        record(13, '4'),
      ],
      abortedTransactions: [{ producerId: '2', firstOffset: '10' }],
    });
    expect(kept.filter((m) => !('isControlRecord' in m && m.isControlRecord)).map((m) => m.offset)).toEqual(['13']);
  });

  it('opening a Kafka log refuses a kafkajs whose filter is not patched (an install that skipped patch-package)', () => {
    expect(() => assertReadCommittedFilter()).not.toThrow();
    const unpatched = (args: { messages: { offset: string }[] }) => args.messages;
    expect(() => assertReadCommittedFilter(unpatched)).toThrow(/kafkajs is not patched/);
  });

  it('on a real broker, a subscription delivers neither of two interleaved aborted transactions', async (ctx) => {
    if (!service) return ctx.skip();
    const log = await openLog('aborts');
    const producers: Producer[] = [];
    try {
      await log.ensureTopics([{ name: 't', partitions: 1 }]);
      const topic = log.name('t');
      const producer = async (id: string) => {
        const p = log.kafka.producer({ transactionalId: `${topic}.${id}`, idempotent: true, maxInFlightRequests: 1 });
        producers.push(p);
        await p.connect();
        return p;
      };
      const send = async (p: Producer, value: string) => {
        const tx = await p.transaction();
        await tx.send({ topic, messages: [{ key: 'k', value }] });
        return tx;
      };
      const first = await producer('began-first');
      const second = await producer('began-later');
      await log.produce('t', [{ key: 'k', value: Buffer.from('before') }]);
      const began = await send(first, 'aborted, began first');
      const later = await send(second, 'aborted, began later');
      await later.abort();
      // the producer's next transaction is let in only once the abort is complete (its marker
      // written): the transaction that began later ends first in the broker's index
      const next = await send(second, 'committed');
      await next.commit();
      await began.abort();
      await log.produce('t', [{ key: 'k', value: Buffer.from('after') }]);

      expect(await committedValues(log, 't')).toEqual(['before', 'committed', 'after']);
    } finally {
      await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
      await log.close();
    }
  }, 60_000);
});

/*
 * kafkajs 2.2.4 asked a broker where the transaction coordinator (and the group's) was before
 * every transactional request, a round trip each: about 5 of the 12 requests of an exactly-once
 * task's commit. The patch keeps them until a request fails, as Kafka's Java client does.
 */
describe('exactly once: coordinators', () => {
  it('looks the coordinators up once for a producer, not before every request', async (ctx) => {
    if (!service) return ctx.skip();
    const log = await openLog('coordinators');
    const producer = log.kafka.producer({
      transactionalId: `coordinators-${process.pid}-${Date.now()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    try {
      await log.ensureTopics([{ name: 't', partitions: 1 }]);
      const requests = new Map<string, number>();
      producer.on(producer.events.REQUEST, (e) =>
        requests.set(e.payload.apiName, (requests.get(e.payload.apiName) ?? 0) + 1),
      );
      await producer.connect();
      const transaction = async (offset: number) => {
        const tx = await producer.transaction();
        await tx.send({ topic: log.name('t'), messages: [{ key: 'k', value: `v${offset}` }] });
        await tx.sendOffsets({
          consumerGroupId: log.name('g'),
          topics: [{ topic: log.name('t'), partitions: [{ partition: 0, offset: String(offset) }] }],
        });
        await tx.commit();
      };
      // (a fresh broker answers the first lookups "not available" until its internal topics exist)
      await transaction(1);
      const before = new Map(requests);
      for (let i = 2; i <= 4; i++) await transaction(i);
      const since = (api: string) => (requests.get(api) ?? 0) - (before.get(api) ?? 0);
      expect(since('EndTxn')).toBe(3);
      // (kafkajs 2.2.4 asked 4 times a transaction)
      expect(since('GroupCoordinator')).toBe(0);
    } finally {
      await producer.disconnect().catch(() => undefined);
      await log.close();
    }
  }, 60_000);

  it("queues a task's sends in order, and a send that fails fails the commit", async (ctx) => {
    if (!service) return ctx.skip();
    const run = `${process.pid}-${Date.now()}`;
    const log = await openLog('sends', run);
    const tx = await TaskTransaction.open(log.kafka, `sends-${run}`);
    try {
      await log.ensureTopics([{ name: 't', partitions: 1 }]);
      const topic = log.name('t');
      const offsets = (offset: number) => ({
        consumerGroupId: log.name('g'),
        topics: [{ topic, partitions: [{ partition: 0, offset: String(offset) }] }],
      });
      for (let i = 0; i < 5; i++) await tx.send({ topic, messages: [{ key: 'k', value: `v${i}` }] });
      await tx.commit(null, offsets(5));
      // larger than the broker takes (message.max.bytes, 1 MB by default): refused when it is sent
      await tx.send({ topic, messages: [{ key: 'k', value: Buffer.alloc(2 * 1024 * 1024) }] });
      await tx.send({ topic, messages: [{ key: 'k', value: 'after the refused one' }] });
      await expect(tx.commit(null, offsets(7))).rejects.toThrow();
      await tx.abort();

      expect(await committedValues(log, 't')).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    } finally {
      await tx.close();
      await log.close();
    }
  }, 60_000);
});

describe('at least once: a task that keeps failing', () => {
  it("commits the other tasks' offsets meanwhile (a store down for one partition held every commit)", async (ctx) => {
    if (!service) return ctx.skip();
    const log = await KafkaLog.open({
      brokers: service.brokers,
      namespace: `fail-one-${process.pid}-${Date.now()}.`,
      partitions: 2,
      commitIntervalMs: 100,
    });
    try {
      await log.ensureTopics([{ name: 't', partitions: 2 }]);
      const keyOf = (p: number) => `k${[...Array(50).keys()].find((i) => partitionFor(`k${i}`, 2) === p)}`;
      await log.produce(
        't',
        [0, 1, 0, 1, 1].map((p, i) => ({ key: keyOf(p), value: Buffer.from(String(i)) })),
      );
      let healthy = 0;
      const sub = log.subscribe({
        group: 'g',
        topics: ['t'],
        onBatch: (rs, task) => {
          if (task === 0) throw new Error('the store is down for this partition');
          healthy += rs.length;
        },
      });
      while (healthy < 3) await new Promise((r) => setTimeout(r, 20));
      await sub.commit();
      const [committed] = await log.admin.fetchOffsets({ groupId: log.name('g'), topics: [log.name('t')] });
      const offsets = new Map(committed!.partitions.map((p) => [p.partition, p.offset]));
      expect(offsets).toEqual(
        new Map([
          [0, '-1'],
          [1, '3'],
        ]),
      );
      await sub.close();
    } finally {
      await log.close();
    }
  }, 60_000);
});

describe('rebalance: tasks given to a new member', () => {
  it('are revoked, then released (the stage may drop their state), and not released on close', async (ctx) => {
    if (!service) return ctx.skip();
    const namespace = `release-${process.pid}-${Date.now()}.`;
    const said: { taken: number[]; given: number[] }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void said.push(JSON.parse(line)) });
    const open = (l?: typeof logger) =>
      KafkaLog.open({ brokers: service.brokers, namespace, partitions: 2, commitIntervalMs: 100, logger: l });
    const [first, second] = [await open(logger), await open()];
    try {
      for (const log of [first, second]) await log.ensureTopics([{ name: 't', partitions: 2 }]);
      const events: string[] = [];
      const member = (log: KafkaLog, name: string) =>
        log.subscribe({
          group: 'g',
          topics: ['t'],
          onBatch: () => {},
          onAssign: (task) => void events.push(`${name} assign ${task}`),
          onRevoke: (task) => void events.push(`${name} revoke ${task}`),
          onRelease: (task) => void events.push(`${name} release ${task}`),
        });
      const a = member(first, 'a');
      await a.caughtUp();
      expect(events.filter((e) => e.startsWith('a assign')).sort()).toEqual(['a assign 0', 'a assign 1']);
      const b = member(second, 'b');
      // the new member gets one task; the first gives it up: revoke, then release
      const taken = async () => events.find((e) => e.startsWith('b assign'));
      for (let i = 0; i < 600 && !(await taken()); i++) await new Promise((r) => setTimeout(r, 100));
      const task = Number((await taken())!.split(' ')[2]);
      for (let i = 0; i < 100 && !events.includes(`a release ${task}`); i++)
        await new Promise((r) => setTimeout(r, 50));
      const mine = events.filter((e) => e.startsWith('a ') && e.endsWith(` ${task}`));
      expect(mine).toEqual([`a assign ${task}`, `a revoke ${task}`, `a release ${task}`]);
      // and says so, for the operator
      expect(said.filter((l) => 'taken' in l).map(({ taken, given }) => ({ taken, given }))).toEqual([
        { taken: [0, 1], given: [] },
        { taken: [], given: [task] },
      ]);
      await Promise.all([a.close(), b.close()]);
      // closing revokes (and commits) what each still has, and releases nothing
      expect(events.filter((e) => e.includes('release'))).toEqual([`a release ${task}`]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  }, 90_000);
});

describe('kafka client log lines', () => {
  it("name the broker's error of a failed request, not only the request", () => {
    const log = { message: 'Response InitProducerId(key: 22, version: 1)', error: 'The coordinator is loading' };
    expect(kafkaClientLine({ namespace: 'Connection', log })).toEqual({
      kafkajs: 'Connection',
      err: 'Response InitProducerId(key: 22, version: 1): The coordinator is loading',
    });
    expect(kafkaClientLine({ namespace: 'Consumer', log: { message: 'Crash' } })).toEqual({
      kafkajs: 'Consumer',
      err: 'Crash',
    });
  });
});
