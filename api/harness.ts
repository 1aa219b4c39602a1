import { io as connectSocket, type Socket } from 'socket.io-client';
import {
  startStageHarness,
  tokenSigner,
  type Config,
  type StageHarness,
  type Store,
  type TokenClaims,
  type TokenSigner,
} from '../platform/index.ts';
import { buildApi, type Api } from './app.ts';

/**
 * For the api's tests: a real embedded Log in a fresh temp dir, the api built over it and its live
 * view started; helpers to sign tokens, produce events, read a topic back and open sockets.
 */
export interface Harness extends StageHarness {
  api: Api;
  signer: TokenSigner;
  /** http://127.0.0.1:port once listen() was called */
  url: string;
  /** `port`: a given one (a restarted server where the pages were), else any free one */
  listen(port?: number): Promise<string>;
  token(claims: TokenClaims): Promise<string>;
  socket(namespace: string, auth: Record<string, unknown>): Socket;
}

export const TEST_SECRET = 'api-test-secret-0123456789';

export interface HarnessOptions {
  /** reuse a data dir (a restart); default: a fresh temp dir */
  dir?: string;
  config?: Partial<Config>;
  now?: () => number;
  ready?: () => Record<string, boolean>;
  /** the history behind /v1/users/:userId/history */
  store?: Store;
  requestTimeoutMs?: number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const stage = await startStageHarness({ dir: opts.dir, config: opts.config, prefix: 'pulse-api-' });
  const { deps } = stage;
  const signer = tokenSigner(TEST_SECRET);
  const api = buildApi({
    deps,
    signer,
    ready: opts.ready,
    now: opts.now,
    store: opts.store,
    requestTimeoutMs: opts.requestTimeoutMs,
  });
  await api.start();
  const sockets: Socket[] = [];

  const h: Harness = {
    ...stage,
    api,
    signer,
    url: '',
    async listen(port = 0) {
      const address = await api.app.listen({ host: '127.0.0.1', port });
      h.url = address;
      return address;
    },
    token: (claims) => signer.sign(claims),
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
      await stage.close(keep);
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
