import { migrations as allMigrations, type Migration } from '../../schemas/index.ts';
import type { Store } from './types.ts';

const LEDGER = `CREATE TABLE IF NOT EXISTS pulse_migrations (version UInt32, name String, appliedAt Int64)
  ENGINE = MergeTree ORDER BY version`;

export interface MigrationReport {
  applied: number[];
  current: number;
}

/**
 * Brings the history schema up to date: applies, in order, each migration not yet recorded in
 * pulse_migrations, and records it. Statements are idempotent (IF NOT EXISTS), so two processes
 * migrating at once, or a migration cut short before it was recorded, simply run again.
 */
export async function migrate(
  store: Store,
  migrations: readonly Migration[] = allMigrations,
): Promise<MigrationReport> {
  await store.exec(LEDGER);
  const rows = await store.query<{ version: number }>('SELECT DISTINCT version FROM pulse_migrations');
  const done = new Set(rows.map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await store.exec(statement);
    await store.insert('pulse_migrations', [{ version: m.version, name: m.name, appliedAt: Date.now() }]);
    applied.push(m.version);
  }
  const current = Math.max(0, ...done, ...applied);
  return { applied, current };
}
