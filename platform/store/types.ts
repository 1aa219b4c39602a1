/**
 * History storage: ClickHouse, either in-process (chDB) or a server. Stages and routes know this
 * interface, never which backend; the same SQL runs on both.
 */

/** A bound value: SQL names it `{name:Type}` and never contains it. */
export type QueryValue = string | number | boolean | readonly string[] | readonly number[];
export type QueryParams = Record<string, QueryValue>;

export interface StoreInfo {
  kind: 'chdb' | 'clickhouse';
  /** the engine's version, e.g. "26.7.2.1" or "18.16.1" */
  version: string;
  /** `{name:Type}` bound by the engine; otherwise through sqlLiteral (ClickHouse before 19.x) */
  boundParameters: boolean;
  /** `TTL` on tables; otherwise retention runs as a scheduled delete */
  ttl: boolean;
  /** how inserts are encoded (row-format.ts) */
  rowFormat: 'JSONCompactEachRow' | 'TabSeparated';
}

export interface Store {
  readonly info: StoreInfo;
  /** A statement that returns nothing (DDL, maintenance), placeholders bound as in query. */
  exec(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts rows into one table as one batch; resolves once the engine has written them. */
  insert(table: string, rows: readonly object[]): Promise<void>;
  /** Runs a SELECT with `{name:Type}` placeholders bound to `params`; rows as JSON objects. */
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Whether the engine answers now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  override readonly name = 'StoreError';
}
