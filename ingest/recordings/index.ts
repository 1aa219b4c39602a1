import { readFile, stat } from 'node:fs/promises';
import { parseCsv } from './csv.ts';
import { detectFormat } from './detect.ts';
import { RecordingError } from './errors.ts';
import { parseFit } from './fit.ts';
import { parseJson } from './json.ts';
import { parseRrList } from './rr-list.ts';
import { parseTcx } from './tcx.ts';
import type { Recording } from './types.ts';

export { RecordingError } from './errors.ts';
export type { Recording, RecordingFormat, RecordingSample, RecordingSummary } from './types.ts';

/**
 * A week of 1 Hz heart rate with two RR intervals a second is a 15 MB CSV, which `analyze` reads
 * in about 9 s and 0.9 GB here (its text, samples and live windows are held at once): files many
 * times larger exhausted Node's default heap and died with a native stack trace.
 */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export interface RecordingOptions {
  /** Larger files are refused; default DEFAULT_MAX_BYTES (32 MB). */
  maxBytes?: number;
}

function checkSize(size: number, maxBytes: number): void {
  if (size > maxBytes) {
    const MB = 1024 * 1024;
    const show = (n: number) => (n >= MB ? `${(n / MB).toFixed(1)} MB` : `${n} bytes`);
    throw new RecordingError(`file is too large: ${show(size)}, the limit is ${show(maxBytes)}`);
  }
}

function text(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/** Imports a recording from its bytes; `nameHint` (a file name) helps only when the content is ambiguous. */
export function parseRecording(bytes: Buffer, nameHint?: string, options: RecordingOptions = {}): Recording {
  checkSize(bytes.length, options.maxBytes ?? DEFAULT_MAX_BYTES);
  switch (detectFormat(bytes, nameHint)) {
    case 'fit':
      return parseFit(bytes);
    case 'csv':
      return parseCsv(text(bytes));
    case 'json':
      return parseJson(text(bytes));
    case 'tcx':
      return parseTcx(text(bytes));
    case 'rr':
      return parseRrList(text(bytes));
  }
}

/** Reads and imports a recording file; every failure is a RecordingError with a one-line message. */
export async function readRecording(path: string, options: RecordingOptions = {}): Promise<Recording> {
  let bytes: Buffer;
  try {
    checkSize((await stat(path)).size, options.maxBytes ?? DEFAULT_MAX_BYTES);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof RecordingError) throw error;
    throw new RecordingError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseRecording(bytes, path, options);
}
