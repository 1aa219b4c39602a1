import { historyTables, rollupTables } from '../../schemas/index.ts';
import type { Store } from './types.ts';

const DAY_MS = 86_400_000;
const tables: Record<string, string> = Object.fromEntries(
  [...Object.values(historyTables), ...Object.values(rollupTables)].map((t) => [t.table, t.time]),
);

/** Days to keep, per table; a table not named keeps everything. */
export type RetentionPolicy = Record<string, number>;

/** `samples=90d,features=365d` (or `none`) → policy; throws with the reason on anything else. */
export function parseRetention(text: string): RetentionPolicy {
  const policy: RetentionPolicy = {};
  if (text.trim() === 'none') return policy;
  for (const part of text.split(',')) {
    const m = /^\s*(\w+)\s*=\s*(\d+)d\s*$/.exec(part);
    if (!m) throw new Error(`"${part.trim()}" is not table=<days>d (e.g. samples=90d)`);
    const [, table, days] = m as unknown as [string, string, string];
    if (!(table in tables)) throw new Error(`unknown table ${table}; tables: ${Object.keys(tables).join(', ')}`);
    if (Number(days) < 1) throw new Error(`${table}: keep at least 1 day`);
    policy[table] = Number(days);
  }
  return policy;
}

/**
 * Where the engine has TTL, sets each table's TTL once (the engine drops expired rows as it
 * merges), and removes it from the tables the policy no longer names; otherwise deletes rows
 * older than the cutoff now, and the caller repeats this on a schedule. Returns what it did, for
 * the log.
 */
export async function applyRetention(store: Store, policy: RetentionPolicy, now = Date.now()): Promise<string[]> {
  if (store.info.ttl) return applyTtl(store, policy);
  const done: string[] = [];
  for (const [table, days] of Object.entries(policy)) {
    const time = tables[table]!;
    await store.exec(`ALTER TABLE ${table} DELETE WHERE ${time} < {cutoff:Int64}`, { cutoff: now - days * DAY_MS });
    done.push(`${table}: deleted rows older than ${days} d`);
  }
  return done;
}

async function applyTtl(store: Store, policy: RetentionPolicy): Promise<string[]> {
  const done: string[] = [];
  const engines = new Map(
    (
      await store.query<{ name: string; engine_full: string }>(
        'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase()',
      )
    ).map((t) => [t.name, t.engine_full]),
  );
  for (const [table, time] of Object.entries(tables)) {
    const current = engines.get(table) ?? '';
    const days = policy[table];
    if (days === undefined) {
      // a TTL left from an earlier policy would go on deleting what this one keeps
      if (!current.includes(' TTL ')) continue;
      await store.exec(`ALTER TABLE ${table} REMOVE TTL`);
      done.push(`${table}: TTL removed (kept whole)`);
      continue;
    }
    const ttl = `toDateTime(intDiv(${time}, 1000)) + toIntervalDay(${days})`;
    // MODIFY TTL rewrites every part to apply it: only when the TTL changes, not at every start
    if (current.includes(` TTL ${ttl}`)) {
      done.push(`${table}: TTL ${days} d (unchanged)`);
      continue;
    }
    await store.exec(`ALTER TABLE ${table} MODIFY TTL ${ttl}`);
    done.push(`${table}: TTL ${days} d`);
  }
  return done;
}
