import { join } from 'node:path';
import type { Config } from '../config.ts';
import { ChdbStore } from './chdb-store.ts';
import { ServerStore } from './server-store.ts';
import type { Store } from './types.ts';

export { StoreError, type Store, type StoreInfo, type QueryParams, type QueryValue } from './types.ts';
export { ChdbStore } from './chdb-store.ts';
export { ServerStore, type ServerStoreOptions } from './server-store.ts';
export { migrate, type MigrationReport } from './migrate.ts';
export { sqlLiteral, bindLiterals, quoteString } from './sql-literal.ts';

/** The configured history: a ClickHouse server when CLICKHOUSE_URL is set, else chDB under the data dir. */
export async function createStore(config: Config): Promise<Store> {
  if (config.clickhouseUrl) {
    return ServerStore.connect({
      url: config.clickhouseUrl,
      username: config.clickhouseUser,
      password: config.clickhousePassword,
      database: config.clickhouseDatabase,
    });
  }
  return ChdbStore.open(join(config.dataDir, 'history'));
}
export { parseRetention, applyRetention, type RetentionPolicy } from './retention.ts';
