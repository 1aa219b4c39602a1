import avro from 'avsc';
import { loadSchema, type SchemaName } from './catalog.ts';
import type * as T from './types.generated.ts';

export interface EventTypes {
  Sample: T.Sample;
  Session: T.Session;
  Profile: T.Profile;
  Features: T.Features;
  Readiness: T.Readiness;
  Trigger: T.Trigger;
  Suggestion: T.Suggestion;
  Feedback: T.Feedback;
  DeadLetter: T.DeadLetter;
}

/** Avro binary encoding of one event type; the schema is compiled once. */
export interface Serde<V> {
  readonly name: SchemaName;
  readonly schema: Record<string, unknown>;
  encode(value: V): Buffer;
  /** Throws SerdeError when the bytes are not a valid encoding of this schema. */
  decode(bytes: Buffer): V;
  /** Returns the paths of fields that do not fit the schema; empty when valid. */
  invalidPaths(value: unknown): string[];
  /**
   * A decoder that reads only `fields` (Avro schema resolution with a narrower reader schema):
   * the others are skipped without being built, which saves allocations on hot paths.
   */
  projection<K extends keyof V & string>(fields: readonly K[]): { decode(bytes: Buffer): Pick<V, K> };
  /** The fields that have a default, with it (what a reader fills in for an older writer). */
  defaults(): Partial<V>;
}

export class SerdeError extends Error {
  override readonly name = 'SerdeError';
}

const cache = new Map<SchemaName, Serde<unknown>>();

export function serde<N extends SchemaName>(name: N): Serde<EventTypes[N]> {
  const hit = cache.get(name);
  if (hit) return hit as Serde<EventTypes[N]>;
  const schema = loadSchema(name);
  const type = avro.Type.forSchema(schema as avro.Schema);
  const s: Serde<EventTypes[N]> = {
    name,
    schema,
    encode(value) {
      return type.toBuffer(value);
    },
    decode(bytes) {
      try {
        return type.fromBuffer(bytes) as EventTypes[N];
      } catch (err) {
        throw new SerdeError(`cannot decode ${name}: ${(err as Error).message}`);
      }
    },
    invalidPaths(value) {
      const paths: string[] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
      return paths;
    },
    defaults() {
      const fields = (schema as { fields: { name: string; default?: unknown }[] }).fields;
      return Object.fromEntries(
        fields.filter((f) => 'default' in f).map((f) => [f.name, structuredClone(f.default)]),
      ) as Partial<EventTypes[N]>;
    },
    projection(fields) {
      const all = (schema as { fields: { name: string }[] }).fields;
      const reader = avro.Type.forSchema(
        { ...schema, fields: all.filter((f) => (fields as readonly string[]).includes(f.name)) } as avro.Schema,
        { registry: {} },
      );
      const resolver = reader.createResolver(type);
      return {
        decode(bytes) {
          try {
            return reader.fromBuffer(bytes, resolver);
          } catch (err) {
            throw new SerdeError(`cannot decode ${name}: ${(err as Error).message}`);
          }
        },
      };
    },
  };
  cache.set(name, s as Serde<unknown>);
  return s;
}
