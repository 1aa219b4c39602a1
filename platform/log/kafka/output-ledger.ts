import { randomUUID } from 'node:crypto';

/** One output as the ledger knows it: topic, key and the stage's id for it. */
const entry = (topic: string, key: string, id: string) => JSON.stringify([topic, key, id]);

/**
 * The ids of what an exactly-once task has committed since its last snapshot
 * (SubscribeOptions.replayable). Each transaction adds the ids of the outputs it carries to the
 * group's changelog, after the snapshot; a task restored from that snapshot reads its records
 * again and drops the outputs whose ids are there, until it is back where the earlier owner
 * committed. The next snapshot makes those id records obsolete (tombstones).
 */
export class OutputLedger {
  /** ids produced in the open transaction */
  private open: string[] = [];
  /** changelog keys of the id records written since the snapshot */
  private keys: string[];
  private readonly owner = randomUUID();
  private seq = 0;

  /**
   * @param committed ids committed since the snapshot the task was restored from (empty once it
   *   is back where they end)
   */
  constructor(
    private readonly task: number,
    private committed: Set<string>,
    keys: string[],
  ) {
    this.keys = [...keys];
  }

  /** The indexes of the messages to produce: those not committed already. Every one needs an id. */
  admit(topic: string, keys: (string | null)[], ids: (string | undefined)[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const id = ids[i];
      if (id === undefined)
        throw new Error(`a replayable stage produced a record to ${topic} without an id (ProduceRecord.id)`);
      const e = entry(topic, keys[i] ?? '', id);
      if (this.committed.has(e)) continue;
      this.open.push(e);
      out.push(i);
    }
    return out;
  }

  /** The task is back where its earlier owner committed: nothing it computes now was produced. */
  caughtUp(): void {
    this.committed = new Set();
  }

  get replaying(): boolean {
    return this.committed.size > 0;
  }

  /**
   * The changelog records for the commit: with a snapshot, tombstones for the id records it makes
   * obsolete; without one, a record of the open transaction's ids (none when it produced nothing).
   */
  changelogRecords(withSnapshot: boolean): { key: string; value: Buffer | null }[] {
    if (withSnapshot) return this.keys.map((key) => ({ key, value: null }));
    if (this.open.length === 0) return [];
    return [{ key: `${this.task}/${this.owner}.${this.seq}`, value: Buffer.from(JSON.stringify(this.open)) }];
  }

  /** The commit went through. */
  committedNow(withSnapshot: boolean): void {
    if (withSnapshot) this.keys = [];
    else if (this.open.length > 0) this.keys.push(`${this.task}/${this.owner}.${this.seq++}`);
    this.open = [];
  }
}

/** The ids a changelog record holds (see OutputLedger.changelogRecords). */
export function decodeOutputIds(value: Buffer): string[] {
  return JSON.parse(value.toString()) as string[];
}

/** A changelog key: a task's checkpoint (`"3"`) or one of its id records (`"3/…"`). */
export function parseChangelogKey(key: string): { task: number; ids: boolean } {
  const slash = key.indexOf('/');
  return slash < 0 ? { task: Number(key), ids: false } : { task: Number(key.slice(0, slash)), ids: true };
}
