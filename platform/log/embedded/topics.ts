import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './fs-io.ts';

/**
 * Topic metadata, `<dir>/<topic>/topic.json`, written (atomically) before the partition
 * directories so that a reopened log knows every topic's partition count and retention.
 */
export interface TopicMeta {
  name: string;
  partitions: number;
  /** exempt from retention (the embedded log keeps every record; see retention.ts) */
  compacted: boolean;
  retentionMs?: number;
  retentionBytes?: number;
}

/** Topic and group names become directory names: keep them to a safe alphabet. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function checkName(kind: 'topic' | 'group', name: string): void {
  if (typeof name !== 'string' || !SAFE_NAME.test(name)) {
    throw new Error(
      `invalid ${kind} name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-', not starting with '.', '_' or '-' (at most 200)`,
    );
  }
}

const META = 'topic.json';

export function readTopics(root: string): TopicMeta[] {
  const out: TopicMeta[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !SAFE_NAME.test(entry.name)) continue;
    const path = join(root, entry.name, META);
    if (!existsSync(path)) continue; // never finished creating: ensureTopics makes it again
    let meta: TopicMeta;
    try {
      meta = JSON.parse(readFileSync(path, 'utf8')) as TopicMeta;
    } catch (err) {
      throw new Error(`cannot read topic metadata ${path}: ${(err as Error).message}`);
    }
    if (meta.name !== entry.name || !Number.isInteger(meta.partitions) || meta.partitions < 1) {
      throw new Error(`bad topic metadata ${path}: ${JSON.stringify(meta)}`);
    }
    out.push(meta);
  }
  return out;
}

export function writeTopicMeta(root: string, meta: TopicMeta): void {
  writeFileAtomicSync(join(root, meta.name, META), `${JSON.stringify(meta, null, 2)}\n`);
}
