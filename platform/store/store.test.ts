import { beforeEach, describe, expect, it } from 'vitest';
import { historyTables, loadSchema, topics, type SchemaName } from '../../schemas/index.ts';
import { storeBackends } from '../../test/services.ts';
import { migratedStore } from '../../test/store-fixture.ts';
import { applyRetention, migrate, parseRetention, type Store } from './index.ts';

/**
 * One suite, two engines: chDB in-process (ClickHouse 26.x) and Debian's ClickHouse 18.16 server.
 * The same migrations and SQL must behave the same on both.
 */
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

const backends = storeBackends();

function sample(userId: string, ts: number, bpm: number | null, offset: number) {
  return {
    userId,
    deviceId: 'd1',
    ts,
    bpm,
    rr: bpm === null ? [] : [Math.round(60_000 / bpm)],
    steps: null,
    cadence: null,
    power: null,
    speed: null,
    receivedAt: ts + 5,
    sourcePartition: 0,
    sourceOffset: offset,
  };
}

describe.each(backends)('history store on $name', (backend) => {
  const storeOf = migratedStore(backend);
  let store: Store | null = null;
  beforeEach(() => void (store = storeOf()));
  const s = (): Store => store!;

  it('migrates once: a second run applies nothing, and the ledger records every version', async (ctx) => {
    if (!store) return ctx.skip();
    const again = await migrate(s());
    expect(again.applied).toEqual([]);
    expect(again.current).toBe(2);
    const ledger = await s().query<{ version: number }>('SELECT version FROM pulse_migrations ORDER BY version');
    expect(ledger.map((r) => Number(r.version))).toEqual([1, 2]);
  });

  it('has a column for every field of every event it keeps', async (ctx) => {
    if (!store) return ctx.skip();
    // processing metadata, not history; readiness factors are stored as three arrays
    const notKept = new Set(['traceArrivalMs', 'factors']);
    for (const [id, { table }] of Object.entries(historyTables)) {
      const schema = loadSchema(topics[id as keyof typeof historyTables].schema as SchemaName) as {
        fields: { name: string }[];
      };
      const columns = new Set((await s().query<{ name: string }>(`DESCRIBE TABLE ${table}`)).map((c) => c.name));
      const missing = schema.fields.map((f) => f.name).filter((f) => !notKept.has(f) && !columns.has(f));
      expect({ table, missing }).toEqual({ table, missing: [] });
      expect(['sourceLog', 'sourcePartition', 'sourceOffset'].filter((c) => !columns.has(c))).toEqual([]);
    }
  });

  it('binds values, so that a hostile user id is only ever a value', async (ctx) => {
    if (!store) return ctx.skip();
    const hostile = "x' OR 1=1 --\\";
    await s().insert('samples', [sample(hostile, T0, 120, 1), sample('bystander', T0, 90, 2)]);
    const rows = await s().query<{ userId: string; bpm: number; rr: number[]; steps: number | null }>(
      'SELECT userId, bpm, rr, steps FROM samples WHERE userId = {user:String} AND ts >= {from:Int64}',
      { user: hostile, from: T0 },
    );
    expect(rows).toEqual([{ userId: hostile, bpm: 120, rr: [500], steps: null }]);
  });

  it('stores any text as given: quotes, tabs, newlines, backslashes, non-ASCII', async (ctx) => {
    if (!store) return ctx.skip();
    const texts = ['it\'s "fine"', 'tab\there', 'two\nlines\r\n', 'back\\slash \\t', 'Ruhe 🧘 慢一点', ''];
    await s().insert(
      'suggestions',
      texts.map((text, i) => ({
        suggestionId: `text-${i}`,
        userId: 'text-user',
        triggerId: 't',
        ts: T0 + i,
        text,
        action: 'hold',
        targetZone: i % 2 === 0 ? null : 2,
        durationSec: null,
        locale: 'en',
        source: 'rules',
        sourceLog: 'test',
        sourcePartition: 0,
        sourceOffset: i,
      })),
    );
    const rows = await s().query<{ text: string; targetZone: number | null }>(
      'SELECT text, targetZone FROM suggestions WHERE userId = {u:String} ORDER BY ts',
      { u: 'text-user' },
    );
    expect(rows).toEqual(texts.map((text, i) => ({ text, targetZone: i % 2 === 0 ? null : 2 })));

    // and as the elements of an array of strings
    await s().insert('readiness', [
      {
        userId: 'text-user',
        windowEnd: T0,
        score: 70,
        band: 'green',
        bpm: 120,
        pctMax: null,
        zone: 2,
        factorNames: texts,
        factorImpacts: texts.map((_, i) => i),
        factorDetails: [...texts].reverse(),
        model: 'rules-v1',
        sourceLog: 'test',
        sourcePartition: 0,
        sourceOffset: 0,
      },
    ]);
    const [factors] = await s().query<{ factorNames: string[]; factorDetails: string[] }>(
      'SELECT factorNames, factorDetails FROM readiness WHERE userId = {u:String}',
      { u: 'text-user' },
    );
    expect(factors).toEqual({ factorNames: texts, factorDetails: [...texts].reverse() });
  });

  it('rolls heart rate up per minute as samples are inserted (materialized view)', async (ctx) => {
    if (!store) return ctx.skip();
    const u = 'rollup-user';
    // minute 0: 100, 110, 120 and a reading without bpm; minute 1: 90
    await s().insert('samples', [
      sample(u, T0, 100, 10),
      sample(u, T0 + 1000, 110, 11),
      sample(u, T0 + 2000, null, 12),
    ]);
    await s().insert('samples', [sample(u, T0 + 59_000, 120, 13), sample(u, T0 + MINUTE, 90, 14)]);
    const rows = await s().query<{ minute: number; n: number; avg: number; min: number; max: number }>(
      `SELECT minute, countMerge(hrCount) AS n, avgMerge(hrAvg) AS avg, minMerge(hrMin) AS min, maxMerge(hrMax) AS max
       FROM samples_minute WHERE userId = {user:String} GROUP BY minute ORDER BY minute`,
      { user: u },
    );
    expect(rows.map((r) => ({ ...r, minute: Number(r.minute), n: Number(r.n) }))).toEqual([
      { minute: T0, n: 3, avg: 110, min: 100, max: 120 },
      { minute: T0 + MINUTE, n: 1, avg: 90, min: 90, max: 90 },
    ]);
  });

  it('keeps rows for the configured days only (TTL, or a delete where TTL is missing)', async (ctx) => {
    if (!store) return ctx.skip();
    const u = 'retention-user';
    const now = Date.UTC(2026, 10, 29);
    const day = 86_400_000;
    const trigger = (triggerId: string, ts: number, sourceOffset: number) => ({
      triggerId,
      userId: u,
      ts,
      kind: 'drift',
      fromZone: 2,
      toZone: 3,
      pctMax: 0.7,
      readiness: 60,
      detail: '',
      sourcePartition: 0,
      sourceOffset,
    });
    await s().insert('triggers', [trigger('old', now - 40 * day, 1), trigger('new', now - 2 * day, 2)]);
    const done = await applyRetention(s(), parseRetention('triggers=30d'), now);
    expect(done).toEqual([s().info.ttl ? 'triggers: TTL 30 d' : 'triggers: deleted rows older than 30 d']);
    if (s().info.ttl) {
      // set once; a restart with the same policy leaves the table alone
      expect(await applyRetention(s(), parseRetention('triggers=30d'), now)).toEqual([
        'triggers: TTL 30 d (unchanged)',
      ]);
      await s().exec('OPTIMIZE TABLE triggers FINAL');
    }
    const left = async () =>
      (await s().query<{ triggerId: string }>('SELECT triggerId FROM triggers WHERE userId = {u:String}', { u })).map(
        (r) => r.triggerId,
      );
    // 18.16 runs a delete as a background mutation: wait for it to finish, then look
    for (let i = 0; i < 100 && (await left()).length > 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await left()).toEqual(['new']);

    // a policy that no longer names the table keeps all of it from then on
    expect(await applyRetention(s(), parseRetention('none'), now)).toEqual(
      s().info.ttl ? ['triggers: TTL removed (kept whole)'] : [],
    );
    await s().insert('triggers', [trigger('older', now - 60 * day, 3)]);
    if (s().info.ttl) await s().exec('OPTIMIZE TABLE triggers FINAL');
    expect((await left()).sort()).toEqual(['new', 'older']);
  });
});

describe('parseRetention', () => {
  it('reads table=<days>d lists and none', () => {
    expect(parseRetention('samples=90d, features=365d')).toEqual({ samples: 90, features: 365 });
    expect(parseRetention('none')).toEqual({});
  });
  it('refuses unknown tables, other units and zero days', () => {
    expect(() => parseRetention('sampels=90d')).toThrow(/unknown table sampels/);
    expect(() => parseRetention('samples=3m')).toThrow(/not table=<days>d/);
    expect(() => parseRetention('samples=0d')).toThrow(/at least 1 day/);
  });
});
