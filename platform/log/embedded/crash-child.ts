/**
 * A process for test/log-crash.test.ts to SIGKILL. `node --import tsx crash-child.ts <mode> <dir>`
 *
 * produce: 4 concurrent producers append numbered records (batches of various sizes, 4 keys
 *   each) to topic `crash`, and print one line per record once its produce resolved:
 *   `<seq> <key> <n>` (seq: global, n: per key). Runs until killed.
 * consume: group `cg` reads topic `crash` slowly, committing every 20 ms and on commit() calls.
 *   Prints `p <partition> <offset>` for each record it processed, and after each commit() that
 *   resolved, `c <next offset per partition as of the call>` (the checkpoint holds at least
 *   that). Its snapshot per task is `{"next":<next offset it processed>}`. Exits at the end.
 *
 * Lines go to stdout with synchronous writes (stdout is a pipe: synchronous on Linux), so a
 * printed line was printed before anything that happens after it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createEmbeddedLog } from './index.ts';

const [mode, dir] = process.argv.slice(2);
if (!dir || (mode !== 'produce' && mode !== 'consume')) {
  process.stderr.write('usage: crash-child.ts produce|consume <dir>\n');
  process.exit(2);
}

const log = await createEmbeddedLog({
  dir,
  partitions: 4,
  fsyncIntervalMs: 2,
  retentionMs: 1e12,
  retentionBytes: 1e15,
  commitIntervalMs: 20,
});
await log.ensureTopics([{ name: 'crash' }]);

if (mode === 'produce') {
  const sizes = [1, 3, 17, 64, 200, 5, 120];
  let seq = 0;
  const producer = async (id: number) => {
    const keys = [0, 1, 2, 3].map((k) => `p${id}-k${k}`);
    const perKey = [0, 0, 0, 0];
    for (let round = 0; ; round++) {
      const size = sizes[(round + id) % sizes.length]!;
      const batch: { key: string; value: Buffer }[] = [];
      const lines: string[] = [];
      for (let i = 0; i < size; i++) {
        const k = (round + i) % 4;
        const line = `${seq++} ${keys[k]} ${perKey[k]!++}`;
        batch.push({ key: keys[k]!, value: Buffer.from(line) });
        lines.push(line);
      }
      await log.produce('crash', batch);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  };
  await Promise.all([0, 1, 2, 3].map(producer));
} else {
  const next = [0, 0, 0, 0];
  const sub = log.subscribe({
    group: 'cg',
    topics: ['crash'],
    maxBatchRecords: 10,
    onAssign(task, state) {
      if (state) next[task] = (JSON.parse(state.toString()) as { next: number }).next;
    },
    async onBatch(records, task) {
      await sleep(2);
      process.stdout.write(records.map((r) => `p ${r.partition} ${r.offset}\n`).join(''));
      next[task] = records[records.length - 1]!.offset + 1;
    },
    snapshot: (task) => Buffer.from(JSON.stringify({ next: next[task] })),
  });
  let closing = false;
  const committer = (async () => {
    while (!closing) {
      await sleep(15);
      const asOfCall = [...next];
      try {
        await sub.commit();
      } catch (err) {
        if (closing) return; // commit() after close() began
        throw err;
      }
      process.stdout.write(`c ${asOfCall.join(' ')}\n`);
    }
  })();
  await sub.caughtUp();
  closing = true;
  await sub.close();
  await committer;
  await log.close();
}
