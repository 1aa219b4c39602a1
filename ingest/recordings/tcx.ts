import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SampleCollector } from './collector.ts';
import { RecordingError } from './errors.ts';
import type { Recording } from './types.ts';
import { parseIsoTime, parseNumber, quote } from './values.ts';

const LISTS = new Set(['Activity', 'Lap', 'Track', 'Trackpoint']);
// fast-xml-parser declares the wrapper type `Symbol`; the value is a primitive symbol.
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  processEntities: false,
  captureMetaData: true,
  isArray: (name) => LISTS.has(name),
});

type Node = Record<string | symbol, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The element at `path` below `node`, or undefined. */
function at(node: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((current, key) => (isNode(current) ? current[key] : undefined), node);
}

function nodes(value: unknown): Node[] {
  return Array.isArray(value) ? value.filter(isNode) : [];
}

/** Line numbers of nodes met in document order, counting newlines only once over the whole text. */
function lineCounter(text: string): (node: Node) => number {
  let line = 1;
  let next = text.indexOf('\n');
  return (node) => {
    const meta = node[META];
    const index = isNode(meta) && typeof meta['startIndex'] === 'number' ? meta['startIndex'] : 0;
    while (next !== -1 && next < index) {
      line += 1;
      next = text.indexOf('\n', next + 1);
    }
    return line;
  };
}

function number(node: Node, where: string, ...path: string[]): number | null {
  const value = at(node, ...path);
  if (value === undefined || value === '') return null;
  const parsed = typeof value === 'string' ? parseNumber(value) : null;
  if (parsed === null) {
    throw new RecordingError(`${where}: ${path.join('/')} ${quote(String(value))} is not a number`);
  }
  return parsed;
}

/** Garmin Training Center XML: Activities/Activity/Lap/Track/Trackpoint, in document order. */
export function parseTcx(text: string): Recording {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new RecordingError(`malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  }
  let document: unknown;
  try {
    document = parser.parse(text);
  } catch (err) {
    // the parser recurses per level: thousands of nested elements overflow the stack
    if (err instanceof RangeError) throw new RecordingError('malformed XML: elements nested too deeply to read');
    throw err;
  }
  const root = at(document, 'TrainingCenterDatabase');
  if (!isNode(root)) {
    const name = isNode(document) ? Object.keys(document).find((k) => k !== '?xml') : undefined;
    throw new RecordingError(`not a TCX document: root element is <${name ?? '?'}>, expected <TrainingCenterDatabase>`);
  }
  const lineOf = lineCounter(text);
  const collector = new SampleCollector();
  for (const activity of nodes(at(root, 'Activities', 'Activity'))) {
    for (const lap of nodes(activity['Lap'])) {
      for (const track of nodes(lap['Track'])) {
        for (const point of nodes(track['Trackpoint'])) {
          const where = `Trackpoint at line ${lineOf(point)}`;
          const time = at(point, 'Time');
          const ts = typeof time === 'string' ? parseIsoTime(time) : null;
          if (ts === null) throw new RecordingError(`${where}: Time ${quote(String(time))} is not ISO-8601`);
          const sample = {
            ts,
            bpm: number(point, where, 'HeartRateBpm', 'Value'),
            cadence: number(point, where, 'Cadence') ?? number(point, where, 'Extensions', 'TPX', 'RunCadence'),
            power: number(point, where, 'Extensions', 'TPX', 'Watts'),
            speed: number(point, where, 'Extensions', 'TPX', 'Speed'),
          };
          collector.add(sample, where);
        }
      }
    }
  }
  return collector.finish('tcx');
}
