import { loadSchema, type AvroSchema, type SchemaName } from './catalog.ts';

/** The topics of CONTRACT.md: key = userId on every topic, value = the named Avro schema. */
export const topics = {
  samples: { name: 'pulse.samples.v1', schema: 'Sample', compacted: false },
  sessions: { name: 'pulse.sessions.v1', schema: 'Session', compacted: false },
  profiles: { name: 'pulse.profiles.v1', schema: 'Profile', compacted: true },
  features: { name: 'pulse.features.v1', schema: 'Features', compacted: false },
  readiness: { name: 'pulse.readiness.v1', schema: 'Readiness', compacted: false },
  triggers: { name: 'pulse.triggers.v1', schema: 'Trigger', compacted: false },
  suggestions: { name: 'pulse.suggestions.v1', schema: 'Suggestion', compacted: false },
  feedback: { name: 'pulse.feedback.v1', schema: 'Feedback', compacted: false },
  // a dead letter holds a record whole, its key twice (the record's and the DeadLetter's own field):
  // what Kafka took at its default limit of 1 MB a record must fit twice
  dlq: { name: 'pulse.dlq.v1', schema: 'DeadLetter', compacted: false, maxMessageBytes: 4 * 1024 * 1024 },
} as const satisfies Record<string, { name: string; schema: SchemaName; compacted: boolean; maxMessageBytes?: number }>;

export type TopicId = keyof typeof topics;
export type TopicName = (typeof topics)[TopicId]['name'];

/** Each topic's value schema by topic name: what a schema registry holds as `<topic>-value`. */
export function topicSchemas(): Map<string, AvroSchema> {
  return new Map(Object.values(topics).map((t) => [t.name, loadSchema(t.schema)]));
}

/** Every topic as the log creates it: its name, whether it is compacted, and a size limit of its own. */
export const topicSpecs: { name: string; compacted: boolean; maxMessageBytes?: number }[] = Object.values(topics).map(
  (t) => ({
    name: t.name,
    compacted: t.compacted,
    ...('maxMessageBytes' in t ? { maxMessageBytes: t.maxMessageBytes } : {}),
  }),
);
