import { describe, expect, it } from 'vitest';
import { bindLiterals, placeholders, quoteString, sqlLiteral } from './sql-literal.ts';
import { StoreError } from './types.ts';

describe('sqlLiteral', () => {
  it('quotes strings so that quote and backslash cannot end the literal', () => {
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(quoteString('a\\')).toBe("'a\\\\'");
    // the classic breakout: a backslash before the quote must not un-escape it
    expect(quoteString("\\'; DROP TABLE samples; --")).toBe("'\\\\\\'; DROP TABLE samples; --'");
    expect(quoteString('line\nbreak')).toBe("'line\nbreak'");
  });

  it('renders integers only when they are integers within the declared type', () => {
    expect(sqlLiteral('Int64', 1764400000000)).toBe('1764400000000');
    expect(sqlLiteral('UInt8', 255)).toBe('255');
    expect(() => sqlLiteral('UInt8', 256)).toThrow(/out of UInt8's range/);
    expect(() => sqlLiteral('UInt32', -1)).toThrow(StoreError);
    expect(() => sqlLiteral('Int64', 1.5)).toThrow(/Int64 expected/);
    expect(() => sqlLiteral('Int64', Number.NaN)).toThrow(/Int64 expected/);
    expect(() => sqlLiteral('Int32', '1 OR 1=1')).toThrow(/Int32 expected/);
  });

  it('renders floats, booleans and arrays of a scalar type', () => {
    expect(sqlLiteral('Float64', -0.25)).toBe('-0.25');
    expect(() => sqlLiteral('Float64', Infinity)).toThrow(/Float64 expected/);
    expect(sqlLiteral('Bool', true)).toBe('1');
    expect(sqlLiteral('Array(String)', ['a', "b'"])).toBe("['a', 'b\\'']");
    expect(sqlLiteral('Array(Int32)', [1, -2])).toBe('[1, -2]');
    expect(() => sqlLiteral('Array(Int32)', 'nope')).toThrow(/Array\(Int32\) expected/);
    expect(() => sqlLiteral('String', 5)).toThrow(/String expected/);
    expect(() => sqlLiteral('DateTime64(3)', 5)).toThrow(/not supported/);
  });
});

describe('bindLiterals', () => {
  const sql = 'SELECT * FROM t WHERE userId = {user:String} AND ts >= {from:Int64} AND ts < {to:Int64}';

  it('lists the placeholders and replaces each with its literal', () => {
    expect(placeholders(sql)).toEqual([
      { name: 'user', type: 'String' },
      { name: 'from', type: 'Int64' },
      { name: 'to', type: 'Int64' },
    ]);
    expect(bindLiterals(sql, { user: "o'brien", from: 10, to: 20 })).toBe(
      "SELECT * FROM t WHERE userId = 'o\\'brien' AND ts >= 10 AND ts < 20",
    );
  });

  it('refuses a statement whose placeholder has no value, and values of the wrong type', () => {
    expect(() => bindLiterals(sql, { user: 'u', from: 1 })).toThrow(/parameter to has no value/);
    expect(() => bindLiterals(sql, { user: 'u', from: '1; DROP TABLE t', to: 2 })).toThrow(/from: Int64 expected/);
  });

  it('does not read placeholders out of the values it inserts', () => {
    expect(bindLiterals('SELECT {a:String}, {b:String}', { a: '{b:String}', b: 'x' })).toBe("SELECT '{b:String}', 'x'");
  });
});
