import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import avro from 'avsc';
import { liveWindowOf, partitionFor, runStage, type RunningStage, type StageDeps } from '../platform/index.ts';
import {
  latestTsOf,
  serde,
  sessionProblems,
  topics,
  type Action,
  type Band,
  type Factor,
  type Profile,
  type Readiness,
  type Session,
  type Suggestion,
  type Trigger,
} from '../schemas/index.ts';

/**
 * The api's live view: one consumer over sessions, profiles, readiness, suggestions and
 * triggers, keeping per user what the screens show — floor, alias, profile, the latest readiness
 * and the latest suggestion — and telling a listener (the socket.io rooms) of every change.
 *
 * Every process that serves the api or ingest needs every user (ingest checks a gateway's
 * samples against the floor its users are on), so the view is a consumer group of its own in
 * each process, as Kafka Streams' global tables are read: on Kafka, group `api.<host>.<random>`,
 * which reads the sessions and profiles from their start and the rest from their end at each
 * start (in one group, the api and ingest processes shared the partitions, and each knew only
 * its share of the users). The embedded log has one process: group `api`, whose membership and
 * profiles (the slowly changing "tables") are committed with its offsets through the Log's
 * snapshot/onAssign, so a restart keeps floor membership without reading the sessions again;
 * their snapshot is re-encoded only when they changed.
 *
 * Compact for 100k users: one fixed-shape object per user with the readiness fields inlined, the
 * floor membership indexed by floor. The latest readiness and suggestion are not snapshotted:
 * they are replaced by the next live window (seconds) and would make every commit re-encode
 * every user.
 */

export interface Tile {
  userId: string;
  alias: string;
  bpm: number | null;
  pctMax: number | null;
  zone: number | null;
  readiness: number | null;
  band: Band | null;
  suggestion: { text: string; action: Action; ts: number } | null;
  /** windowEnd of the readiness shown */
  ts: number | null;
  /** ingest time of the sample that closed that window, for latency tracing */
  traceArrivalMs: number | null;
  /**
   * no readiness for longer than the view's stale time (see staleAfterMs): the live values are
   * null, `ts` still says when the last one was
   */
  stale: boolean;
}

export interface Live {
  userId: string;
  bpm: number | null;
  zone: number | null;
  pctMax: number | null;
  readiness: number | null;
  band: Band | null;
  ts: number | null;
  traceArrivalMs: number | null;
  /** as Tile's */
  stale: boolean;
}

export interface LatestReadiness {
  userId: string;
  score: number;
  band: Band;
  bpm: number;
  pctMax: number;
  zone: number;
  windowEnd: number;
  traceArrivalMs: number;
  factors: Factor[];
  /** as Tile's (the values are still given) */
  stale: boolean;
}

/** A suggestion as the screens get it, with the alias shown on the floor. */
export interface SuggestionEvent {
  suggestionId: string;
  userId: string;
  alias: string;
  text: string;
  action: Action;
  targetZone: number | null;
  durationSec: number | null;
  locale: string;
  ts: number;
}

/** What the view tells the socket layer; each call is one room emit. */
export interface ViewListener {
  tile(floorId: string, tile: Tile): void;
  leave(floorId: string, userId: string): void;
  live(userId: string, live: Live): void;
  suggestion(floorId: string | null, suggestion: SuggestionEvent): void;
  trigger(floorId: string | null, trigger: Trigger & { alias: string }): void;
}

const NO_FACTORS: Factor[] = [];
/** Shared by every profile without goals or conditions (never mutated). */
const NO_STRINGS: string[] = [];

/**
 * One instance per distinct value of the few-valued strings the view keeps for every user
 * (floor ids, locales, factor names): each decoded record brings its own copy, and in the
 * embedded bench those copies were a visible part of the heap per user. Bounded, in case a field that
 * should be few-valued is not.
 */
const sharedStrings = new Map<string, string>();
function shared(value: string): string {
  const known = sharedStrings.get(value);
  if (known !== undefined) return known;
  if (sharedStrings.size < 10_000) sharedStrings.set(value, value);
  return value;
}

/** One user. Fixed shape (hidden class) with readiness and suggestion inlined. */
class Member {
  floorId = '';
  alias = '';
  sessionId = '';
  startedAt = 0;
  profile: Profile | null = null;
  /** latest readiness; score < 0: none yet */
  score = -1;
  band: Band = 'green';
  bpm = 0;
  pctMax = 0;
  zone = 0;
  windowEnd = 0;
  traceArrivalMs = 0;
  /**
   * when the latest readiness was appended to its topic (none yet: when the member was checked in
   * or restored), on this process's monotonic clock (performance.now(): a wall-clock step must not
   * expire every tile at once)
   */
  seenAt = 0;
  /** that was more than the stale time ago (the screens were told) */
  stale = false;
  factors: Factor[] = NO_FACTORS;
  /** latest suggestion */
  suggestion: Suggestion | null = null;
  constructor(
    readonly userId: string,
    readonly task: number,
  ) {}
}

export const viewTopics = ['sessions', 'profiles', 'readiness', 'suggestions', 'triggers'] as const;

export interface LiveView {
  /** Subscribes (a group of its own: see above) and resolves once caught up with the log. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the view has applied everything in its topics as of this call. */
  caughtUp(): Promise<void>;
  readonly started: boolean;
  setListener(listener: ViewListener): void;
  /**
   * Marks the members whose latest readiness is older than the stale time at `now` (on the
   * performance.now() clock; default: now) stale, and tells the screens (the view does this
   * itself every few seconds while started).
   */
  expireStale(now?: number): void;
  floorOf(userId: string): string | undefined;
  tiles(floorId: string): Tile[];
  live(userId: string): Live;
  readiness(userId: string): LatestReadiness | null;
  profile(userId: string): Profile | null;
  suggestion(userId: string): SuggestionEvent | null;
  /** The user's open session (the one that put them on their floor), or null. */
  session(userId: string): Session | null;
  /** Applies a session now (it was just produced; its record re-applies it idempotently). */
  applySession(session: Session): void;
  applyProfile(profile: Profile): void;
  /** users known, and members on floors */
  size(): { users: number; members: number };
}

function suggestionEvent(m: Member, s: Suggestion): SuggestionEvent {
  return {
    suggestionId: s.suggestionId,
    userId: s.userId,
    alias: m.alias,
    text: s.text,
    action: s.action,
    targetZone: s.targetZone,
    durationSec: s.durationSec,
    locale: s.locale,
    ts: s.ts,
  };
}

/**
 * A member's live values go stale after this many live windows without a readiness (a strap off,
 * an athlete gone without checking out), and never sooner than STALE_MIN_MS: a readiness comes
 * once per live window, a little after it closes.
 */
const STALE_WINDOWS = 3;
const STALE_MIN_MS = 30_000;
const STALE_SWEEP_MS = 5_000;

const quiet: ViewListener = { tile() {}, leave() {}, live() {}, suggestion() {}, trigger() {} };

export function createLiveView(deps: StageDeps): LiveView {
  const users = new Map<string, Member>();
  const byTask = new Map<number, Map<string, Member>>();
  const floors = new Map<string, Set<string>>();
  /** per task: the cached snapshot of its tables, null when it must be re-encoded */
  const snapshots = new Map<number, Buffer | null>();
  let listener: ViewListener = quiet;
  let running: RunningStage | null = null;
  let started = false;
  let sweep: NodeJS.Timeout | undefined;
  const latency = deps.metrics.pipelineLatencySeconds.labels('api');
  const staleAfterMs = Math.max(STALE_MIN_MS, STALE_WINDOWS * liveWindowOf(deps.config.windows).sizeMs);

  const codecs = {
    sessions: serde('Session'),
    profiles: serde('Profile'),
    readiness: serde('Readiness'),
    suggestions: serde('Suggestion'),
    triggers: serde('Trigger'),
  };
  const topicIds = new Map<string, (typeof viewTopics)[number]>(viewTopics.map((id) => [topics[id].name, id]));
  const snapshotType = avro.Type.forSchema({
    type: 'array',
    items: {
      type: 'record',
      name: 'ApiMember',
      namespace: 'pulsecoach.api',
      fields: [
        { name: 'userId', type: 'string' },
        { name: 'floorId', type: 'string' },
        { name: 'alias', type: 'string' },
        { name: 'sessionId', type: 'string' },
        { name: 'startedAt', type: 'long' },
        { name: 'profile', type: ['null', codecs.profiles.schema] },
      ],
    },
  } as avro.Schema);

  function taskOf(userId: string): number {
    return partitionFor(userId, deps.log.partitionsOf(topics.sessions.name));
  }

  function member(userId: string, task: number): Member {
    let m = users.get(userId);
    if (!m) {
      m = new Member(userId, task);
      users.set(userId, m);
      let t = byTask.get(task);
      if (!t) byTask.set(task, (t = new Map()));
      t.set(userId, m);
    }
    return m;
  }

  function tileOf(m: Member): Tile {
    const has = m.score >= 0 && !m.stale;
    return {
      userId: m.userId,
      alias: m.alias,
      bpm: has ? m.bpm : null,
      pctMax: has ? m.pctMax : null,
      zone: has ? m.zone : null,
      readiness: has ? m.score : null,
      band: has ? m.band : null,
      suggestion:
        m.suggestion === null ? null : { text: m.suggestion.text, action: m.suggestion.action, ts: m.suggestion.ts },
      ts: m.score >= 0 ? m.windowEnd : null,
      traceArrivalMs: has ? m.traceArrivalMs : null,
      stale: m.stale,
    };
  }

  function liveOf(userId: string, m: Member | undefined): Live {
    const has = m !== undefined && m.score >= 0 && !m.stale;
    return {
      userId,
      bpm: has ? m.bpm : null,
      zone: has ? m.zone : null,
      pctMax: has ? m.pctMax : null,
      readiness: has ? m.score : null,
      band: has ? m.band : null,
      ts: m !== undefined && m.score >= 0 ? m.windowEnd : null,
      traceArrivalMs: has ? m.traceArrivalMs : null,
      stale: m?.stale ?? false,
    };
  }

  /** Tells the screens of a member's changed live state. */
  function publish(m: Member): void {
    if (m.floorId !== '') listener.tile(m.floorId, tileOf(m));
    listener.live(m.userId, liveOf(m.userId, m));
  }

  function expireStale(now = performance.now()): void {
    for (const m of users.values()) {
      // (one with no readiness yet matters only on a floor: a tile with nothing on it)
      if (m.stale || now - m.seenAt <= staleAfterMs || (m.score < 0 && m.floorId === '')) continue;
      m.stale = true;
      publish(m);
    }
  }

  function leaveFloor(m: Member): void {
    if (m.floorId === '') return;
    const set = floors.get(m.floorId);
    set?.delete(m.userId);
    if (set?.size === 0) floors.delete(m.floorId);
    listener.leave(m.floorId, m.userId);
    m.floorId = '';
  }

  function joinFloor(m: Member, floorId: string): void {
    floorId = shared(floorId);
    let set = floors.get(floorId);
    if (!set) floors.set(floorId, (set = new Set()));
    set.add(m.userId);
    m.floorId = floorId;
  }

  function applySession(task: number, s: Session): void {
    const m = member(s.userId, task);
    if (s.endedAt !== null) {
      // a session ends only the membership it opened
      if (m.sessionId === s.sessionId || m.floorId === s.floorId) {
        leaveFloor(m);
        m.sessionId = '';
        snapshots.set(m.task, null);
      }
      return;
    }
    // an older session replayed after a newer one was applied (check-in, then its record) loses
    if (m.sessionId !== '' && s.startedAt < m.startedAt) return;
    if (m.floorId === s.floorId && m.alias === s.alias && m.sessionId === s.sessionId) return;
    if (m.floorId !== s.floorId) {
      leaveFloor(m);
      joinFloor(m, s.floorId);
    }
    m.alias = s.alias;
    m.sessionId = s.sessionId;
    m.startedAt = s.startedAt;
    // one checked in without any readiness yet goes stale as long after this as after a readiness
    if (m.score < 0) {
      m.seenAt = performance.now();
      m.stale = false;
    }
    snapshots.set(m.task, null);
    listener.tile(m.floorId, tileOf(m));
  }

  function applyProfile(task: number, p: Profile): void {
    const m = member(p.userId, task);
    if (m.profile !== null && m.profile.updatedAt > p.updatedAt) return;
    p.userId = m.userId;
    p.locale = shared(p.locale);
    p.goals = p.goals.length === 0 ? NO_STRINGS : p.goals.map(shared);
    if (p.conditions.length === 0) p.conditions = NO_STRINGS;
    m.profile = p;
    snapshots.set(m.task, null);
  }

  function applyReadiness(task: number, r: Readiness, appendedAt: number): void {
    const m = member(r.userId, task);
    // a redelivered window, or an older one (the same one again must not make a stale tile live)
    if (m.score >= 0 && r.windowEnd <= m.windowEnd) return;
    m.score = r.score;
    m.band = r.band;
    m.bpm = r.bpm;
    m.pctMax = r.pctMax;
    m.zone = r.zone;
    m.windowEnd = r.windowEnd;
    m.traceArrivalMs = r.traceArrivalMs;
    // live, now; replayed at start-up, as long ago as it was appended
    const now = performance.now();
    m.seenAt = started ? now : now - Math.max(0, Date.now() - appendedAt);
    m.stale = now - m.seenAt > staleAfterMs;
    // factor details take few values ("TRIMP 12.3 this session"): one copy each, like the names
    for (const f of r.factors) {
      f.name = shared(f.name);
      f.detail = shared(f.detail);
    }
    m.factors = r.factors.length === 0 ? NO_FACTORS : r.factors;
    publish(m);
    // sample arrival at ingest → pushed to the rooms; not while replaying history at start-up
    if (started && r.traceArrivalMs > 0) latency.observe(Math.max(0, Date.now() - r.traceArrivalMs) / 1000);
  }

  function applySuggestion(task: number, s: Suggestion): void {
    const m = member(s.userId, task);
    // an older one, or the same one again (the coach is at-least-once: a replay sends it twice)
    if (m.suggestion !== null && (s.ts < m.suggestion.ts || s.suggestionId === m.suggestion.suggestionId)) return;
    s.userId = m.userId;
    s.locale = shared(s.locale);
    // rule texts come from a few templates: one copy each; the trigger id is not shown anywhere
    s.text = shared(s.text);
    s.triggerId = '';
    m.suggestion = s;
    const floorId = m.floorId === '' ? null : m.floorId;
    listener.suggestion(floorId, suggestionEvent(m, s));
    if (floorId !== null) listener.tile(floorId, tileOf(m));
  }

  function applyTrigger(t: Trigger): void {
    const m = users.get(t.userId);
    const floorId = m === undefined || m.floorId === '' ? null : m.floorId;
    listener.trigger(floorId, { ...t, alias: m?.alias ?? '' });
  }

  function restore(task: number, state: Buffer | null): void {
    snapshots.set(task, null);
    if (state === null) return;
    const entries = snapshotType.fromBuffer(state) as {
      userId: string;
      floorId: string;
      alias: string;
      sessionId: string;
      startedAt: number;
      profile: Profile | null;
    }[];
    for (const e of entries) {
      const known = users.get(e.userId);
      const m = member(e.userId, task);
      // what was applied in this process already (a session just posted) is newer
      if (known !== undefined && (known.floorId !== '' || known.profile !== null)) continue;
      if (e.floorId !== '') joinFloor(m, e.floorId);
      m.alias = e.alias;
      m.sessionId = e.sessionId;
      m.startedAt = e.startedAt;
      m.profile = e.profile;
      m.seenAt = performance.now();
    }
  }

  function snapshot(task: number): Buffer | null {
    const cached = snapshots.get(task);
    if (cached !== undefined && cached !== null) return cached;
    const entries: {
      userId: string;
      floorId: string;
      alias: string;
      sessionId: string;
      startedAt: number;
      profile: Profile | null;
    }[] = [];
    for (const m of byTask.get(task)?.values() ?? []) {
      if (m.floorId === '' && m.profile === null && m.alias === '') continue;
      entries.push({
        userId: m.userId,
        floorId: m.floorId,
        alias: m.alias,
        sessionId: m.sessionId,
        startedAt: m.startedAt,
        profile: m.profile,
      });
    }
    const buf = entries.length === 0 ? null : snapshotType.toBuffer(entries);
    if (buf !== null) snapshots.set(task, buf);
    return buf;
  }

  return {
    get started() {
      return started;
    },
    async start() {
      if (running) return;
      await deps.log.ensureTopics(viewTopics.map((id) => ({ name: topics[id].name, compacted: topics[id].compacted })));
      // (on Kafka, a group per process: its snapshots would be a changelog topic per process)
      const perProcess = deps.log.kind === 'kafka';
      running = runStage(deps, {
        name: 'api',
        group: perProcess ? `api.${hostname()}.${randomUUID().slice(0, 8)}` : 'api',
        inputs: [...viewTopics],
        fromEnd: ['readiness', 'suggestions', 'triggers'],
        onBatch(records, task, dead) {
          for (const record of records) {
            const id = topicIds.get(record.topic);
            if (id === undefined) continue;
            let value;
            try {
              value = codecs[id].decode(record.value);
            } catch (err) {
              dead.add(record, 'undecodable', (err as Error).message);
              continue;
            }
            // (what the routes would not write, from a producer outside pulsecoach)
            const latestTs = latestTsOf(record.timestamp, deps.config.maxFutureSkewMs);
            switch (id) {
              case 'sessions': {
                const bad = sessionProblems(value, latestTs);
                if (bad.length > 0) dead.add(record, 'invalid', bad.join('; '));
                else applySession(task, value as Session);
                break;
              }
              case 'profiles': {
                // the newest update wins: one stamped ahead would hide every real one after it
                const { updatedAt } = value as Profile;
                if (updatedAt > latestTs)
                  dead.add(record, 'invalid', `updatedAt: must not be past the allowed clock skew, got ${updatedAt}`);
                else applyProfile(task, value as Profile);
                break;
              }
              case 'readiness':
                applyReadiness(task, value as Readiness, record.timestamp);
                break;
              case 'suggestions':
                applySuggestion(task, value as Suggestion);
                break;
              case 'triggers':
                applyTrigger(value as Trigger);
                break;
            }
          }
        },
        onAssign: restore,
        snapshot: perProcess ? undefined : snapshot,
      });
      await running.subscription.caughtUp();
      if (running === null) return; // closed meanwhile
      started = true;
      sweep = setInterval(expireStale, STALE_SWEEP_MS).unref();
    },
    async close() {
      started = false;
      clearInterval(sweep);
      const r = running;
      running = null;
      await r?.close();
    },
    async caughtUp() {
      await running?.subscription.caughtUp();
    },
    setListener(l) {
      listener = l;
    },
    expireStale,
    floorOf(userId) {
      const f = users.get(userId)?.floorId;
      return f === undefined || f === '' ? undefined : f;
    },
    tiles(floorId) {
      const out: Tile[] = [];
      for (const userId of floors.get(floorId) ?? []) {
        const m = users.get(userId);
        if (m) out.push(tileOf(m));
      }
      return out;
    },
    live(userId) {
      return liveOf(userId, users.get(userId));
    },
    readiness(userId) {
      const m = users.get(userId);
      if (m === undefined || m.score < 0) return null;
      return {
        userId,
        score: m.score,
        band: m.band,
        bpm: m.bpm,
        pctMax: m.pctMax,
        zone: m.zone,
        windowEnd: m.windowEnd,
        traceArrivalMs: m.traceArrivalMs,
        factors: m.factors,
        stale: m.stale,
      };
    },
    profile(userId) {
      return users.get(userId)?.profile ?? null;
    },
    suggestion(userId) {
      const m = users.get(userId);
      return m?.suggestion ? suggestionEvent(m, m.suggestion) : null;
    },
    session(userId) {
      const m = users.get(userId);
      if (m === undefined || m.floorId === '' || m.sessionId === '') return null;
      return {
        sessionId: m.sessionId,
        userId,
        floorId: m.floorId,
        alias: m.alias,
        startedAt: m.startedAt,
        endedAt: null,
      };
    },
    applySession(session) {
      applySession(taskOf(session.userId), session);
    },
    applyProfile(profile) {
      applyProfile(taskOf(profile.userId), profile);
    },
    size() {
      let members = 0;
      for (const s of floors.values()) members += s.size;
      return { users: users.size, members };
    },
  };
}
