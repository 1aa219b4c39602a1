/** JSON schemas shared by the routes (request parts and responses). */

/** userId, floorId, deviceId, sessionId: what ingest accepts for ids */
export const idSchema = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } as const;

export const userParams = {
  type: 'object',
  required: ['userId'],
  additionalProperties: false,
  properties: { userId: idSchema },
} as const;

export const floorParams = {
  type: 'object',
  required: ['floorId'],
  additionalProperties: false,
  properties: { floorId: idSchema },
} as const;

export const bearerAuth = [{ bearerAuth: [] }];

const nullable = <T extends Record<string, unknown>>(s: T) => ({ ...s, type: [s['type'] as string, 'null'] });

/** Profile fields a client may set (CONTRACT.md: age, sex, resting/max HR, goals, conditions, locale). */
export const profileFields = {
  age: nullable({ type: 'integer', minimum: 10, maximum: 100 }),
  sex: { type: ['string', 'null'], enum: ['m', 'f', null] },
  restHr: nullable({ type: 'integer', minimum: 25, maximum: 120 }),
  maxHr: nullable({ type: 'integer', minimum: 100, maximum: 240 }),
  locale: { type: 'string', enum: ['en', 'zh-CN'] },
  goals: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 100 } },
  conditions: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const profileInput = {
  type: 'object',
  additionalProperties: false,
  properties: profileFields,
} as const;

export const profileOutput = {
  type: 'object',
  required: ['userId', 'age', 'sex', 'restHr', 'maxHr', 'locale', 'goals', 'conditions', 'updatedAt'],
  properties: {
    userId: { type: 'string' },
    age: { type: ['integer', 'null'] },
    sex: { type: ['string', 'null'] },
    restHr: { type: ['integer', 'null'] },
    maxHr: { type: ['integer', 'null'] },
    locale: { type: 'string' },
    goals: { type: 'array', items: { type: 'string' } },
    conditions: { type: 'array', items: { type: 'string' } },
    updatedAt: { type: 'integer' },
  },
} as const;

export const readinessOutput = {
  type: 'object',
  required: ['userId', 'score', 'band', 'bpm', 'pctMax', 'zone', 'windowEnd', 'factors', 'stale'],
  properties: {
    userId: { type: 'string' },
    score: { type: 'integer', description: '0-100' },
    band: { type: 'string', enum: ['green', 'yellow', 'red'] },
    bpm: { type: 'integer' },
    pctMax: { type: 'number', description: '% of HRmax' },
    zone: { type: 'integer', description: '1-5, 0 below zone 1' },
    windowEnd: { type: 'integer', description: 'end of the live window scored, ms since the epoch' },
    traceArrivalMs: { type: 'integer' },
    stale: {
      type: 'boolean',
      description: 'no readiness for three live windows (30 s at least): the screens show no signal',
    },
    factors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'impact', 'detail'],
        properties: { name: { type: 'string' }, impact: { type: 'number' }, detail: { type: 'string' } },
      },
    },
  },
} as const;
