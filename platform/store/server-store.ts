import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { bindLiterals } from './sql-literal.ts';
import { TableEncoders } from './table-encoders.ts';
import { capabilitiesOf } from './version.ts';
import { StoreError, type QueryParams, type Store, type StoreInfo } from './types.ts';

export interface ServerStoreOptions {
  url: string;
  username?: string;
  password?: string;
  database: string;
  /** ms before a request is abandoned (the sink then retries the batch) */
  requestTimeoutMs?: number;
}

/** 64-bit integers as JSON numbers (18.16 quotes them by default); epoch ms fit in 2^53. */
const settings = { output_format_json_quote_64bit_integers: 0 } as const;

const STREAM_SLICE_ROWS = 2000;

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A ClickHouse server over HTTP (@clickhouse/client). Values are bound by the server where it
 * can (20.x on), and through sqlLiteral on older servers such as Debian's 18.16.
 */
export class ServerStore implements Store {
  readonly info: StoreInfo;
  private readonly tables: TableEncoders;

  private constructor(
    private readonly client: ClickHouseClient,
    version: string,
  ) {
    this.info = { kind: 'clickhouse', version, ...capabilitiesOf(version) };
    this.tables = new TableEncoders((sql) => this.query(sql), this.info.rowFormat);
  }

  /** Connects, creating the database if it does not exist yet. */
  static async connect(options: ServerStoreOptions): Promise<ServerStore> {
    if (!DATABASE_NAME.test(options.database)) {
      throw new StoreError(`CLICKHOUSE_DATABASE=${JSON.stringify(options.database)} is not a plain identifier`);
    }
    const common = {
      url: options.url,
      username: options.username,
      password: options.password,
      request_timeout: options.requestTimeoutMs ?? 30_000,
      clickhouse_settings: settings,
      // failures reach the caller, which logs them once, without the URL's credentials
      log: { level: ClickHouseLogLevel.OFF },
    };
    const admin = createClient(common);
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${options.database}` });
      const rs = await admin.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
      const [{ version }] = (await rs.json()) as [{ version: string }];
      return new ServerStore(createClient({ ...common, database: options.database }), version);
    } catch (err) {
      throw new StoreError(`cannot reach ClickHouse at ${redact(options.url)}: ${(err as Error).message}`);
    } finally {
      await admin.close();
    }
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    this.tables.forget();
    if (this.info.boundParameters) await this.client.command({ query: sql, query_params: params });
    else await this.client.command({ query: bindLiterals(sql, params) });
  }

  async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    const { names, encode } = await this.tables.of(table);
    // one INSERT whose body is encoded a slice at a time as the socket takes it, so the server
    // parses the first rows while the rest are encoded (1.6× the rate of one buffer, measured);
    // still one block, one part: written whole or not at all
    function* slices(): Generator<Buffer> {
      for (let i = 0; i < rows.length; i += STREAM_SLICE_ROWS) yield encode(rows.slice(i, i + STREAM_SLICE_ROWS));
    }
    await this.client.insert({
      table,
      values: Readable.from(slices(), { objectMode: false }),
      format: this.tables.format,
      columns: names,
    });
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const rs = this.info.boundParameters
      ? await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })
      : await this.client.query({ query: bindLiterals(sql, params), format: 'JSONEachRow' });
    return (await rs.json()) as T[];
  }

  async ping(): Promise<boolean> {
    const result = await this.client.ping();
    return result.success;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The URL without credentials, for messages and logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
