/**
 * Every error the HTTP API answers, in one table: a stable code (never reused), its HTTP status
 * and a message template whose `{name}` parts are filled per error. Every error body is
 * `{"error": code, "message": text}` (ingest adds `rejected`). The OpenAPI document lists this
 * table (see docs.ts), and a test checks that each code is documented there.
 */
export const errorTable = {
  missing_token: { status: 401, message: 'missing token: send Authorization: Bearer <token>' },
  invalid_token: { status: 401, message: 'invalid token: {reason}' },
  forbidden: { status: 403, message: 'forbidden: {reason}' },
  samples_forbidden: { status: 403, message: 'forbidden: no sample in the batch is allowed for this token' },
  invalid_json: { status: 400, message: 'body is not valid JSON: {reason}' },
  invalid_request: { status: 400, message: 'invalid request: {reason}' },
  invalid_batch: { status: 400, message: 'invalid batch: {reason}' },
  samples_rejected: { status: 400, message: 'no sample in the batch was accepted; see rejected' },
  not_found: { status: 404, message: '{what} not found' },
  route_not_found: { status: 404, message: 'no route {method} {path}' },
  body_too_large: { status: 413, message: 'body too large: at most {limit} bytes' },
  unsupported_encoding: {
    status: 415,
    message: 'unsupported content-encoding {encoding}: send the body uncompressed',
  },
  rate_limited: {
    status: 429,
    message: 'rate limited: over {rate} samples/s for this token; retry after {retryAfter} s',
  },
  internal: { status: 500, message: 'internal error' },
  unavailable: { status: 503, message: 'unavailable: {reason}' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorTable;
export const errorCodes = Object.keys(errorTable) as ErrorCode[];

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  rejected?: { index: number; reason: string }[];
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    params: Record<string, string | number> = {},
    /** extra fields of the body, e.g. the rejected samples */
    readonly extra: Omit<ErrorBody, 'error' | 'message'> = {},
    /** extra response headers, e.g. Retry-After */
    readonly headers: Record<string, string> = {},
  ) {
    super(fill(errorTable[code].message, params));
    this.status = errorTable[code].status;
  }

  body(): ErrorBody {
    return { error: this.code, message: this.message, ...this.extra };
  }
}

function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

/** The JSON schema of an error body, for every route's error responses. */
export const errorBodySchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', enum: errorCodes },
    message: { type: 'string' },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'reason'],
        properties: { index: { type: 'integer' }, reason: { type: 'string' } },
      },
    },
  },
} as const;

/** Response schemas for the error statuses a route can answer (plus 500, which any route can). */
export function errorResponses(...statuses: number[]): Record<number, typeof errorBodySchema> {
  const out: Record<number, typeof errorBodySchema> = {};
  for (const s of [...statuses, 500]) out[s] = errorBodySchema;
  return out;
}
