const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A decimal number written as text, or null when the text is anything else. */
export function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  const value = NUMBER.test(trimmed) ? Number(trimmed) : NaN;
  return Number.isFinite(value) ? value : null;
}

/** ms since epoch from ISO-8601 text (no zone means UTC), or null. */
export function parseIsoTime(text: string): number | null {
  const trimmed = text.trim();
  const match = ISO_8601.exec(trimmed);
  if (!match) return null;
  const ms = Date.parse(match[1] === undefined ? `${trimmed}Z` : trimmed);
  return Number.isNaN(ms) ? null : ms;
}

/** ms since epoch written either as a number of ms or as ISO-8601 text, or null. */
export function parseTimestamp(text: string): number | null {
  return parseNumber(text) ?? parseIsoTime(text);
}

/** Quotes a value from the file for an error message, shortened to stay readable. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
