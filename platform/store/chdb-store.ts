import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import { TableEncoders } from './table-encoders.ts';
import { capabilitiesOf } from './version.ts';
import { StoreError, type QueryParams, type Store, type StoreInfo } from './types.ts';

/**
 * ClickHouse in-process (chDB): tables persist under `dir`. chDB allows one open data directory
 * per process, so a process opens one ChdbStore and shares it (sink and api in `start`).
 */
export class ChdbStore implements Store {
  readonly info: StoreInfo;
  private session: Session | null;
  private readonly tables: TableEncoders;

  private constructor(session: Session, version: string) {
    this.session = session;
    this.info = { kind: 'chdb', version, ...capabilitiesOf(version) };
    this.tables = new TableEncoders((sql) => this.query(sql), this.info.rowFormat);
  }

  static open(dir: string): ChdbStore {
    mkdirSync(dir, { recursive: true });
    let session: Session;
    try {
      // 64-bit integers as JSON numbers, as the server store asks for (epoch ms fit in 2^53)
      session = new Session(dir, { connectionArgs: ['--output_format_json_quote_64bit_integers=0'] });
    } catch (err) {
      throw new StoreError(`cannot open the chDB history in ${dir}: ${(err as Error).message}`);
    }
    const version = session.query('SELECT version()', 'TabSeparated').trim();
    return new ChdbStore(session, version);
  }

  private get open(): Session {
    if (this.session === null) throw new StoreError('the chDB history is closed');
    return this.session;
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    this.tables.forget();
    await this.open.queryBindAsync(sql, params, { format: 'TabSeparated' });
  }

  async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    const { names, encode } = await this.tables.of(table);
    await this.open.insert({ table, values: encode(rows), format: this.tables.format, columns: names });
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const result = await this.open.queryBindAsync(sql, params, { format: 'JSONEachRow' });
    const text = result.text();
    if (text.length === 0) return [];
    return text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as T);
  }

  async ping(): Promise<boolean> {
    return this.session?.open === true;
  }

  async close(): Promise<void> {
    this.session?.close();
    this.session = null;
  }
}
