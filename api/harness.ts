import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket, type Socket } from 'socket.io-client';
import {
  createEmbeddedLog,
  createLogger,
  createMetrics,
  emitter,
  loadConfig,
  tokenSigner,
  type Config,
  type Log,
  type StageDeps,
  type TokenClaims,
  type TokenSigner,
} from '../platform/index.ts';
import { serde, topics, type EventTypes, type TopicId } from '../schemas/index.ts';
import { buildApi, type Api } from './app.ts';

/**
 * For the api's tests: a real embedded Log in a fresh temp dir, the api built over it and its live
 * view started; helpers to sign tokens, produce events, read a topic back and open sockets.
 */
export interface Harness {
  api: Api;
  log: Log;
  deps: StageDeps;
  signer: TokenSigner;
  /** http://127.0.0.1:port once listen() was called */
  url: string;
  listen(): Promise<string>;
  token(claims: TokenClaims): Promise<string>;
  produce<T extends TopicId>(topic: T, values: EventTypes[(typeof topics)[T]['schema']][]): Promise<void>;
  /** every value in a topic, in partition then offset order */
  read<T extends TopicId>(topic: T): Promise<EventTypes[(typeof topics)[T]['schema']][]>;
  socket(namespace: string, auth: Record<string, unknown>): Socket;
  /** the data dir (log under log/) */
  dir: string;
  /** closes everything; the data dir is removed unless `keep` */
  close(keep?: boolean): Promise<void>;
}

export const TEST_SECRET = 'api-test-secret-0123456789';

export interface HarnessOptions {
  /** reuse a data dir (a restart); default: a fresh temp dir */
  dir?: string;
  config?: Partial<Config>;
  now?: () => number;
  ready?: () => Record<string, boolean>;
}

let groups = 0;

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'pulse-api-'));
  const config: Config = { ...loadConfig({ PULSE_DATA_DIR: dir, PULSE_LOG_LEVEL: 'silent' }), ...opts.config };
  const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent');
  const log = await createEmbeddedLog({
    dir: join(dir, 'log'),
    partitions: 4,
    fsyncIntervalMs: 1,
    retentionMs: 1e12,
    retentionBytes: 1e12,
  });
  await log.ensureTopics(Object.values(topics).map((t) => ({ name: t.name, compacted: t.compacted })));
  const deps: StageDeps = { log, logger, metrics: createMetrics(), config };
  const signer = tokenSigner(TEST_SECRET);
  const api = buildApi({ deps, signer, ready: opts.ready, now: opts.now });
  await api.start();
  const sockets: Socket[] = [];

  const h: Harness = {
    api,
    log,
    deps,
    signer,
    url: '',
    dir,
    async listen() {
      const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
      h.url = address;
      return address;
    },
    token: (claims) => signer.sign(claims),
    async produce(topic, values) {
      await emitter(deps, 'test', topic).send(values as never);
    },
    async read(topic) {
      const codec = serde(topics[topic].schema);
      const out: unknown[] = [];
      const sub = log.subscribe({
        group: `test-read-${++groups}`,
        topics: [topics[topic].name],
        onBatch: (records) => {
          for (const r of records) out.push(codec.decode(r.value));
        },
      });
      await sub.caughtUp();
      await sub.close();
      return out as never;
    },
    socket(namespace, auth) {
      const s = connectSocket(`${h.url}${namespace}`, {
        auth,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      sockets.push(s);
      return s;
    },
    async close(keep = false) {
      for (const s of sockets) s.disconnect();
      await api.close();
      await log.close();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Resolves with the first event `name` for which `match` holds. */
export function nextEvent<T>(socket: Socket, name: string, match: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const on = (value: T) => {
      if (!match(value)) return;
      socket.off(name, on);
      resolve(value);
    };
    socket.on(name, on);
  });
}

/** Resolves once connected, or with the refusal's message. */
export function connected(socket: Socket): Promise<{ ok: true } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ ok: true }));
    socket.once('connect_error', (err) => resolve({ ok: false, message: err.message }));
  });
}
