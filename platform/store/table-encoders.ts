import { rowEncoder, type Column, type RowFormat } from './row-format.ts';

interface TableEncoder {
  names: [string, ...string[]];
  encode(rows: readonly object[]): Buffer;
}

/**
 * Each table's row encoder, built from DESCRIBE TABLE on first insert and kept until the next
 * statement that may change a table (the store forgets them on every exec).
 */
export class TableEncoders {
  private readonly encoders = new Map<string, Promise<TableEncoder>>();

  constructor(
    private readonly query: (sql: string) => Promise<Column[]>,
    readonly format: RowFormat,
  ) {}

  of(table: string): Promise<TableEncoder> {
    let hit = this.encoders.get(table);
    if (!hit) {
      hit = this.describe(table);
      this.encoders.set(table, hit);
      hit.catch(() => this.encoders.delete(table));
    }
    return hit;
  }

  forget(): void {
    this.encoders.clear();
  }

  private async describe(table: string): Promise<TableEncoder> {
    // the table name comes from our own code (the sink's table list), never from a request
    const all = await this.query(`DESCRIBE TABLE ${table}`);
    // MATERIALIZED/ALIAS columns cannot be inserted; 18.16 and 26.x both report default_type
    const columns = all.filter(
      (c) => !['MATERIALIZED', 'ALIAS'].includes((c as { default_type?: string }).default_type ?? ''),
    );
    return { names: columns.map((c) => c.name) as [string, ...string[]], encode: rowEncoder(columns, this.format) };
  }
}
