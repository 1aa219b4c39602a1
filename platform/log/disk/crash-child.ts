// Test helper for disk-log.crash.test.ts: produces numbered records until killed, printing each
// sequence number once its produce resolved (= acknowledged).
import { DiskLog } from './disk-log.ts';

const dir = process.argv[2]!;
const log = await DiskLog.open({ dir, partitions: 4, fsyncIntervalMs: 2, retentionMs: 1e12, retentionBytes: 1e12 });
await log.ensureTopics([{ name: 't' }]);
let seq = 0;
for (;;) {
  const size = 1 + (seq % 37);
  const batch = Array.from({ length: size }, (_, i) => ({
    key: `k${(seq + i) % 7}`,
    value: Buffer.from(String(seq + i)),
  }));
  const first = seq;
  seq += size;
  // several produces in flight at once, as the HTTP ingest path has them
  void log.produce('t', batch).then(() => process.stdout.write(`${first}+${size}\n`));
  if (seq % 5 === 0) await new Promise((r) => setImmediate(r));
}
