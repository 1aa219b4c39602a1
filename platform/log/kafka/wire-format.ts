import avro from 'avsc';
// the package's index loads every KMS driver (AWS, Azure, GCP, Vault: about 1 s); the client and
// its errors are all this needs
import { RestError } from '@confluentinc/schemaregistry/dist/rest-error.js';
import {
  Compatibility,
  SchemaRegistryClient,
  type Client,
} from '@confluentinc/schemaregistry/dist/schemaregistry-client.js';
import type { LogRecord } from '../types.ts';

/** A record the log could not hand to its subscriber, and why (it goes to the DLQ). */
export interface RejectedRecord {
  record: LogRecord;
  reason: 'not-wire-format' | 'unknown-schema' | 'incompatible-schema' | 'undecodable';
  detail: string;
}

/** Confluent's framing: magic byte 0, the schema id (int32, big-endian), then the Avro body. */
const MAGIC = 0;
const HEADER_BYTES = 5;

type Resolver = ReturnType<avro.Type['createResolver']>;
type Unreadable = Exclude<RejectedRecord['reason'], 'not-wire-format' | 'undecodable'>;

interface TopicCodec {
  subject: string;
  /** the id of this build's schema: records written with it pass through untouched */
  id: number;
  type: avro.Type;
  /** other writers' schemas met on this topic: a resolver, or why there is none */
  writers: Map<number, Resolver | Unreadable>;
}

/**
 * Avro in Confluent wire format, subject `<topic>-value`, against a Confluent-compatible schema
 * registry (Apicurio's ccompat API here; `mock://` keeps the schemas in this process). A topic
 * whose schema was registered is framed on produce and unframed on delivery; a record written with
 * another registered version of the schema is resolved to this build's (Avro schema resolution),
 * so stages always read their own schema. Topics without a schema (the log's own) pass as they are.
 *
 * The 5-byte frame is written here rather than by the package's AvroSerializer, which is async
 * per record and re-encodes from objects: stages already hold the Avro body.
 */
export class ConfluentWireFormat {
  private readonly codecs = new Map<string, TopicCodec>();

  private constructor(
    private readonly client: Client,
    /** Avro schema per local topic name */
    private readonly schemas: ReadonlyMap<string, object>,
  ) {}

  static open(url: string, schemas: ReadonlyMap<string, object>): ConfluentWireFormat {
    const client = SchemaRegistryClient.newClient({ baseURLs: [url], maxRetries: 3, retriesWaitMs: 200 });
    return new ConfluentWireFormat(client, schemas);
  }

  /**
   * Registers the topic's schema under `<clusterTopic>-value` (the registry answers the existing id
   * when it knows the schema) and keeps the subject BACKWARD compatible, so a new build may add
   * fields with defaults but never break what old records say.
   */
  async register(local: string, clusterTopic: string): Promise<void> {
    const schema = this.schemas.get(local);
    if (!schema || this.codecs.has(local)) return;
    const subject = `${clusterTopic}-value`;
    let id: number;
    try {
      id = await this.client.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(schema) }, false);
      await this.client.updateConfig(subject, { compatibility: Compatibility.BACKWARD });
    } catch (err) {
      if (err instanceof RestError && err.status === 409)
        throw new Error(
          `schema registry refused the schema of ${subject}: it is not BACKWARD compatible with the registered one (${err.message})`,
        );
      throw new Error(`schema registry: registering ${subject} failed: ${(err as Error).message}`);
    }
    this.codecs.set(local, { subject, id, type: avro.Type.forSchema(schema as avro.Schema), writers: new Map() });
  }

  /** The registered id of a topic's schema (undefined: not a registered topic). */
  idOf(local: string): number | undefined {
    return this.codecs.get(local)?.id;
  }

  frame(local: string, value: Buffer): Buffer {
    const codec = this.codecs.get(local);
    if (!codec) return value;
    const out = Buffer.allocUnsafe(HEADER_BYTES + value.length);
    out[0] = MAGIC;
    out.writeInt32BE(codec.id, 1);
    value.copy(out, HEADER_BYTES);
    return out;
  }

  /**
   * The records' Avro bodies in this build's schema (in place: `value` becomes the body, `stored`
   * the bytes as they came), and those that cannot be read: no frame, a
   * schema id the registry does not know, or a writer schema that does not resolve. Throws (and so
   * the batch is retried) only when the registry cannot be asked.
   */
  async unframe(local: string, records: LogRecord[]): Promise<{ records: LogRecord[]; rejected: RejectedRecord[] }> {
    const codec = this.codecs.get(local);
    if (!codec) return { records, rejected: [] };
    const good: LogRecord[] = [];
    const rejected: RejectedRecord[] = [];
    for (const r of records) {
      // a batch retried after the registry could not answer was partly unframed already
      const v = r.stored ?? r.value;
      if (v.length < HEADER_BYTES || v[0] !== MAGIC) {
        rejected.push({ record: r, reason: 'not-wire-format', detail: notFramed(v) });
        continue;
      }
      const id = v.readInt32BE(1);
      const body = v.subarray(HEADER_BYTES);
      if (id === codec.id) {
        // the log built these records for this delivery: they are changed in place (a copy per
        // record cost 5 % of the processor's time)
        r.stored = v;
        r.value = body;
        good.push(r);
        continue;
      }
      const writer = codec.writers.get(id) ?? (await this.writer(codec, id));
      if (typeof writer === 'string') {
        rejected.push({
          record: r,
          reason: writer as Unreadable,
          detail: `schema id ${id} on subject ${codec.subject}`,
        });
        continue;
      }
      try {
        r.stored = v;
        r.value = codec.type.toBuffer(codec.type.fromBuffer(body, writer));
        good.push(r);
      } catch (err) {
        rejected.push({ record: r, reason: 'undecodable', detail: `schema id ${id}: ${(err as Error).message}` });
      }
    }
    return { records: good, rejected };
  }

  private async writer(codec: TopicCodec, id: number): Promise<Resolver | Unreadable> {
    let info;
    try {
      info = await this.client.getBySubjectAndId(codec.subject, id);
    } catch (err) {
      // only the registry's "no such schema" is an answer; anything else (down, timeout) is retried
      if (!(err instanceof RestError) || err.status !== 404) throw err;
      // not kept: a registry replica that lags may know the id a moment later
      return 'unknown-schema';
    }
    // a schema the registry has but this build cannot read (JSON Schema, Protobuf, Avro it cannot
    // parse): an answer too, or the record would stop its partition for ever, asked again each time
    let found: Resolver | Unreadable;
    try {
      if ((info.schemaType ?? 'AVRO') !== 'AVRO') throw new Error(`a ${info.schemaType} schema`);
      found = codec.type.createResolver(avro.Type.forSchema(JSON.parse(info.schema) as avro.Schema));
    } catch {
      found = 'incompatible-schema';
    }
    codec.writers.set(id, found);
    return found;
  }

  close(): void {
    this.client.close();
  }
}

function notFramed(v: Buffer): string {
  if (v.length === 0) return 'empty value, not Confluent wire format';
  return `first byte 0x${v[0]!.toString(16).padStart(2, '0')} of ${v.length}, not Confluent wire format (magic byte 0 + schema id)`;
}
