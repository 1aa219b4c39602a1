import { extname } from 'node:path';
import { RecordingError } from './errors.ts';
import type { RecordingFormat } from './types.ts';
import { parseNumber, quote } from './values.ts';

const HEAD_BYTES = 4096;
const BY_EXTENSION: Record<string, RecordingFormat> = {
  '.csv': 'csv',
  '.json': 'json',
  '.fit': 'fit',
  '.tcx': 'tcx',
  '.rr': 'rr',
  '.txt': 'rr',
};

function isFitHeader(bytes: Buffer): boolean {
  return (bytes[0] === 12 || bytes[0] === 14) && bytes.length >= 12 && bytes.toString('latin1', 8, 12) === '.FIT';
}

/**
 * Which reader fits `bytes`: the content decides (FIT header, JSON, XML, a number per line, a CSV
 * header); the file name's extension only when the content is not recognisable.
 */
export function detectFormat(bytes: Buffer, nameHint?: string): RecordingFormat {
  if (isFitHeader(bytes)) return 'fit';
  // trimStart also drops a byte-order mark
  const head = bytes.subarray(0, HEAD_BYTES).toString('utf8').trimStart();
  if (head === '' && bytes.toString('utf8').trim() === '') throw new RecordingError('file is empty');
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  if (head.startsWith('<')) return 'tcx';
  if (parseNumber(firstLine) !== null) return 'rr';
  if (firstLine.includes(',')) return 'csv';
  const hinted = nameHint === undefined ? undefined : BY_EXTENSION[extname(nameHint).toLowerCase()];
  if (hinted !== undefined) return hinted;
  throw new RecordingError(
    `unknown format: not FIT, TCX, JSON, CSV or an RR list (file starts with ${quote(firstLine.trim())})`,
  );
}
