import { readFileSync } from 'node:fs';

/** Every event schema, by file. The .avsc files are the single source of truth. */
export const schemaFiles = {
  Sample: 'sample.avsc',
  Session: 'session.avsc',
  Profile: 'profile.avsc',
  Features: 'features.avsc',
  Readiness: 'readiness.avsc',
  Trigger: 'trigger.avsc',
  Suggestion: 'suggestion.avsc',
  Feedback: 'feedback.avsc',
  DeadLetter: 'dlq.avsc',
} as const;

export type SchemaName = keyof typeof schemaFiles;

export type AvroSchema = Record<string, unknown>;

export function loadSchema(name: SchemaName): AvroSchema {
  const url = new URL(schemaFiles[name], import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as AvroSchema;
}
