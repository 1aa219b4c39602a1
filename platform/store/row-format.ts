import { quoteString } from './sql-literal.ts';
import { StoreError } from './types.ts';

/**
 * Rows (objects keyed by column name) as the text an INSERT reads, built per table from its
 * columns (DESCRIBE TABLE): a migration that adds a column needs no code here, a row's fields
 * without a column (processing metadata) are left out, and a column the row lacks gets NULL or
 * its type's default. Two formats, chosen by what the engine reads fastest and what JS writes
 * fastest (measured with `pulsecoach bench --only sink`, 50,000 sample rows):
 * - JSONCompactEachRow, one JSON.stringify of an array per row: about half the JS time of any
 *   hand-built line; current ClickHouse (chDB) parses it as fast as TSV.
 * - TabSeparated where the engine lacks that format (18.16).
 * Non-finite floats become NULL (or 0 where the column is not Nullable): a batch the engine
 * refuses would block the sink on it forever.
 */
export interface Column {
  name: string;
  type: string;
}

export type RowFormat = 'JSONCompactEachRow' | 'TabSeparated';

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIALS = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** A TSV String field: the characters that end a field or a row, and backslash, escaped. */
export function tsvString(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPES[c]!) : s;
}

const CONTROLS = /[\t\n\r\0]/g;

/**
 * A TSV Array(String) field: the elements as quoted literals, whose backslashes and quotes
 * quoteString escapes; the engine reads the field as that text, so only the characters that would
 * end the field or the row are escaped again (escaping the literals' backslashes twice made 18.16
 * refuse the row: "Cannot read array from text").
 */
function tsvStrings(items: readonly string[]): string {
  return `[${items.map((x) => quoteString(x).replace(CONTROLS, (c) => ESCAPES[c]!)).join(',')}]`;
}

const finite = (v: unknown, fallback: number | null): number | null =>
  typeof v === 'number' ? (Number.isFinite(v) ? v : fallback) : typeof v === 'boolean' ? +v : fallback;

const helpers = {
  finite,
  tsvStr: (v: unknown): string => (v === undefined || v === null ? '' : tsvString(String(v))),
  tsvNum: (v: unknown, nullable: boolean): string => {
    const n = finite(v, nullable ? null : 0);
    return n === null ? '\\N' : String(n);
  },
  tsvNums: (v: unknown): string => `[${((v as number[] | undefined) ?? []).join(',')}]`,
  tsvStrs: (v: unknown): string => tsvStrings((v as string[] | undefined) ?? []),
};

type Kind = { base: 'string' | 'number' | 'strings' | 'numbers'; nullable: boolean };

function kindOf(type: string, column: string): Kind {
  const nullable = /^Nullable\((.+)\)$/.exec(type);
  const inner = nullable ? nullable[1]! : type;
  const array = /^Array\((.+)\)$/.exec(inner);
  let base: Kind['base'];
  if (array) base = array[1] === 'String' ? 'strings' : 'numbers';
  else if (inner === 'String') base = 'string';
  else if (/^U?Int\d+$/.test(inner) || /^Float\d+$/.test(inner)) base = 'number';
  else throw new StoreError(`column ${column}: type ${type} has no row encoding here`);
  return { base, nullable: nullable !== null };
}

function jsonField(k: Kind, v: string): string {
  if (k.base === 'number') return `h.finite(${v}, ${k.nullable ? 'null' : '0'})`;
  const empty = k.base === 'string' ? "''" : '[]';
  return k.nullable ? `(${v} ?? null)` : `(${v} ?? ${empty})`;
}

function tsvField(k: Kind, v: string): string {
  if (k.base === 'number') return `h.tsvNum(${v}, ${k.nullable})`;
  const f = k.base === 'string' ? 'h.tsvStr' : k.base === 'strings' ? 'h.tsvStrs' : 'h.tsvNums';
  return k.nullable ? `(${v} === null || ${v} === undefined ? '\\\\N' : ${f}(${v}))` : `${f}(${v})`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The encoder of one table's rows. The line builder is generated with each field read by name:
 * a loop over column names (keyed loads of many shapes) cost about twice as much on this path.
 */
export function rowEncoder(columns: readonly Column[], format: RowFormat): (rows: readonly object[]) => Buffer {
  const kinds = columns.map((c) => {
    if (!IDENTIFIER.test(c.name)) throw new StoreError(`column name ${JSON.stringify(c.name)} is not an identifier`);
    return kindOf(c.type, c.name);
  });
  const reads = columns.map((c, i) => `const v${i} = r.${c.name};`).join(' ');
  const body =
    format === 'JSONCompactEachRow'
      ? `JSON.stringify([${kinds.map((k, i) => jsonField(k, `v${i}`)).join(', ')}])`
      : kinds.map((k, i) => tsvField(k, `v${i}`)).join(" + '\\t' + ");
  const line = new Function('h', `return (r) => { ${reads} return ${body}; };`)(helpers) as (row: object) => string;
  return (rows) => {
    const lines = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) lines[i] = line(rows[i]!);
    return Buffer.from(lines.join('\n') + '\n');
  };
}
