import { StoreError, type QueryParams, type QueryValue } from './types.ts';

/**
 * The one place where a value becomes SQL text, for servers that cannot bind parameters
 * (ClickHouse 18.16, Debian's). Every statement is written with `{name:Type}` placeholders, as
 * the binding servers want; this renders each one as a literal of its declared type, and refuses
 * a value that is not of that type instead of quoting it into something else.
 */

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9_]+(?:\([A-Za-z0-9_]+\))?)\}/g;

const INT_RANGES: Record<string, [bigint, bigint]> = {
  Int8: [-(2n ** 7n), 2n ** 7n - 1n],
  Int16: [-(2n ** 15n), 2n ** 15n - 1n],
  Int32: [-(2n ** 31n), 2n ** 31n - 1n],
  Int64: [-(2n ** 63n), 2n ** 63n - 1n],
  UInt8: [0n, 2n ** 8n - 1n],
  UInt16: [0n, 2n ** 16n - 1n],
  UInt32: [0n, 2n ** 32n - 1n],
  UInt64: [0n, 2n ** 64n - 1n],
};

/** A ClickHouse string literal: backslash and quote escaped (its lexer's two special characters). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function scalar(type: string, value: unknown, name: string): string {
  if (type === 'String') {
    if (typeof value !== 'string') throw new StoreError(`parameter ${name}: String expected, got ${typeof value}`);
    return quoteString(value);
  }
  const range = INT_RANGES[type];
  if (range) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new StoreError(`parameter ${name}: ${type} expected, got ${String(value)}`);
    }
    const n = BigInt(value);
    if (n < range[0] || n > range[1]) throw new StoreError(`parameter ${name}: ${value} is out of ${type}'s range`);
    return String(value);
  }
  if (type === 'Float32' || type === 'Float64') {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new StoreError(`parameter ${name}: ${type} expected, got ${String(value)}`);
    }
    return String(value);
  }
  if (type === 'Bool') {
    if (typeof value !== 'boolean') throw new StoreError(`parameter ${name}: Bool expected`);
    return value ? '1' : '0';
  }
  throw new StoreError(`parameter ${name}: type ${type} is not supported by sqlLiteral`);
}

/** One value of a declared ClickHouse type as SQL text; throws StoreError when it is not that type. */
export function sqlLiteral(type: string, value: QueryValue, name = '?'): string {
  const array = /^Array\((\w+)\)$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) throw new StoreError(`parameter ${name}: ${type} expected, got ${typeof value}`);
    return `[${(value as unknown[]).map((v) => scalar(array[1]!, v, name)).join(', ')}]`;
  }
  return scalar(type, value, name);
}

/** Names and types of the statement's placeholders, in order of appearance. */
export function placeholders(sql: string): { name: string; type: string }[] {
  return [...sql.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1]!, type: m[2]! }));
}

/** The statement with every `{name:Type}` replaced by its value's literal; every one must be given. */
export function bindLiterals(sql: string, params: QueryParams): string {
  return sql.replace(PLACEHOLDER, (_all, name: string, type: string) => {
    if (!Object.hasOwn(params, name)) throw new StoreError(`parameter ${name} has no value`);
    return sqlLiteral(type, params[name]!, name);
  });
}
