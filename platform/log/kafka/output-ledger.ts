/** One output as the ledger knows it: topic, key and the stage's id for it. */
const entry = (topic: string, key: string, id: string) => JSON.stringify([topic, key, id]);

/** A changelog id record: the outputs one transaction committed, and the offsets it committed. */
export interface OutputIds {
  positions: Record<string, number>;
  ids: string[];
}

/**
 * The ids of what an exactly-once task has committed since its last snapshot
 * (SubscribeOptions.replayable). Each transaction adds, after the snapshot in the group's
 * changelog, a record of the ids of the outputs it carries and of the offsets it commits. A task
 * restored from that snapshot reads its records again and drops the outputs whose ids are there,
 * until it is back at the furthest of those offsets.
 *
 * The records' keys are the task and a count since the snapshot (`3/0`, `3/1`, …): after the next
 * snapshot the same keys are written again, so compaction keeps the topic bounded without
 * tombstones, and a reader ignores whatever precedes the task's last snapshot.
 */
export class OutputLedger {
  /** ids produced in the open transaction */
  private open: string[] = [];

  /**
   * @param committed ids committed since the snapshot the task was restored from
   * @param written id records since that snapshot (the next one's key counts on from there)
   */
  constructor(
    private readonly task: number,
    private committed: Set<string>,
    private written: number,
  ) {}

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
  endReplay(): void {
    this.committed = new Set();
  }

  /** Whether outputs committed since the snapshot may still be computed again (no snapshot meanwhile). */
  get replaying(): boolean {
    return this.committed.size > 0;
  }

  /**
   * The id record for a commit without a snapshot, with the offsets it commits (none when the
   * transaction produced nothing). A commit with a snapshot needs none.
   */
  changelogRecord(positions: Record<string, number>): { key: string; value: Buffer } | null {
    if (this.open.length === 0) return null;
    const record: OutputIds = { positions, ids: this.open };
    return { key: `${this.task}/${this.written}`, value: Buffer.from(JSON.stringify(record)) };
  }

  /** The commit went through. */
  committedNow(withSnapshot: boolean): void {
    if (withSnapshot) this.written = 0;
    else if (this.open.length > 0) this.written++;
    this.open = [];
  }
}

export function decodeOutputIds(value: Buffer): OutputIds {
  return JSON.parse(value.toString()) as OutputIds;
}

/** A changelog key: a task's checkpoint (`"3"`) or one of its id records (`"3/…"`); null for anything else. */
export function parseChangelogKey(key: string): { task: number; ids: boolean } | null {
  const m = /^(\d+)(\/\d+)?$/.exec(key);
  return m ? { task: Number(m[1]), ids: m[2] !== undefined } : null;
}
