import type { Namespace, Server, Socket } from 'socket.io';
import {
  AuthError,
  type Logger,
  type Role,
  type TokenClaims,
  type TokenSigner,
  type VerifiedClaims,
} from '../platform/index.ts';
import { withArticle } from './auth.ts';
import { parseFeedback, type FeedbackInput } from './feedback.ts';
import type { LiveView, ViewListener } from './live-view.ts';

/**
 * The socket.io namespaces of CONTRACT.md. Each connection proves a token (`auth: {token}`) in
 * the namespace middleware and joins exactly one room derived from that token — `floor:F` or
 * `user:U` — so a token never reaches another floor's or user's events. Updates go out as one
 * emit per room (socket.io broadcasts), never as loops over sockets.
 *
 *  /floor    floor | coach | admin (admin names the floor: auth.floorId)  → tiles, tile, leave, suggestion, alert
 *  /coach    coach | admin                                              → everything of /floor, plus trigger
 *  /athlete  athlete | admin (admin names the user: auth.userId)         → live, suggestion; emits feedback
 */

export interface SocketDeps {
  signer: TokenSigner;
  view: LiveView;
  logger: Logger;
  /** produces a Feedback event; resolves once durable */
  sendFeedback(userId: string, input: FeedbackInput): Promise<void>;
}

type Auth = { token?: unknown; floorId?: unknown; userId?: unknown };
const SCOPE = /^[A-Za-z0-9._:-]{1,128}$/;

const floorRoom = (floorId: string) => `floor:${floorId}`;
const userRoom = (userId: string) => `user:${userId}`;

class Unauthorized extends Error {
  constructor(reason: string) {
    super(`unauthorized: ${reason}`);
  }
}

async function verify(
  signer: TokenSigner,
  socket: Socket,
  allowed: readonly Role[],
  ns: string,
): Promise<VerifiedClaims> {
  const auth = (socket.handshake.auth ?? {}) as Auth;
  if (typeof auth.token !== 'string' || auth.token === '') throw new Unauthorized('missing token (auth: {token})');
  let claims: VerifiedClaims;
  try {
    claims = await signer.verify(auth.token);
  } catch (err) {
    if (err instanceof AuthError) throw new Unauthorized(err.message);
    throw err;
  }
  if (!allowed.includes(claims.role)) throw new Unauthorized(`${withArticle(claims.role)} token may not join ${ns}`);
  socket.data.expiresAt = claims.expiresAt;
  return claims;
}

/** setTimeout's longest delay (a longer one fires at once) */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * A connection lasts as long as its token: when the token expires the server disconnects it, and
 * the client must come back with a new one (a token is checked only when it connects).
 */
function endAtExpiry(socket: Socket): void {
  const expiresAt = socket.data.expiresAt as number;
  let timer: NodeJS.Timeout;
  const wait = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      // said first: a client reconnects after any other end, and after this one must not
      socket.emit('expired', { message: 'the token has expired' });
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(wait, Math.min(left, MAX_DELAY_MS));
    timer.unref();
  };
  wait();
  socket.once('disconnect', () => clearTimeout(timer));
}

/** The one scope (floor or user) a connection may watch: the token's, or for admin the one asked for. */
function scopeOf(claims: TokenClaims, asked: unknown, bound: string | undefined, what: 'floor' | 'user'): string {
  const wanted = typeof asked === 'string' && asked !== '' ? asked : undefined;
  if (wanted !== undefined && !SCOPE.test(wanted)) throw new Unauthorized(`bad ${what} id`);
  if (claims.role === 'admin') {
    const id = bound ?? wanted;
    if (id === undefined) throw new Unauthorized(`an admin token must name the ${what} (auth.${what}Id)`);
    if (bound !== undefined && wanted !== undefined && wanted !== bound) {
      throw new Unauthorized(`this token is for another ${what}`);
    }
    return id;
  }
  if (bound === undefined) throw new Unauthorized(`this token is not bound to a ${what}`);
  if (wanted !== undefined && wanted !== bound) throw new Unauthorized(`this token is for another ${what}`);
  return bound;
}

function guard(ns: Namespace, check: (socket: Socket) => Promise<void>, logger: Logger): void {
  ns.use((socket, next) => {
    check(socket).then(
      () => next(),
      (err: unknown) => {
        if (err instanceof Unauthorized) return next(err);
        logger.error({ err, ns: ns.name }, 'socket authentication failed');
        next(new Error('unauthorized: could not verify the token'));
      },
    );
  });
}

/**
 * Emits to a room only when someone is in it: socket.io encodes a broadcast before it looks
 * for receivers, and most user rooms (athletes without the app open) and coach rooms are empty;
 * skipping them saved two JSON encodes per readiness update in the embedded bench. (Rooms are
 * local to this process: a cluster adapter would need the plain broadcast.)
 */
function emitTo(ns: Namespace, room: string, event: string, payload: unknown): void {
  if ((ns.adapter.rooms.get(room)?.size ?? 0) === 0) return;
  ns.to(room).emit(event, payload);
}

/** Sets up the namespaces and returns the listener that turns view changes into room emits. */
export function attachSockets(io: Server, deps: SocketDeps): ViewListener {
  const { signer, view, logger } = deps;
  const floorNs = io.of('/floor');
  const coachNs = io.of('/coach');
  const athleteNs = io.of('/athlete');

  // the main namespace carries nothing: refuse it rather than hold idle connections
  io.use((_socket, next) => next(new Unauthorized('connect to /floor, /coach or /athlete')));

  for (const [ns, roles] of [
    [floorNs, ['floor', 'coach', 'admin']],
    [coachNs, ['coach', 'admin']],
  ] as const) {
    guard(
      ns,
      async (socket) => {
        const claims = await verify(signer, socket, roles, ns.name);
        socket.data.floorId = scopeOf(claims, (socket.handshake.auth as Auth).floorId, claims.floor, 'floor');
      },
      logger,
    );
    ns.on('connection', (socket) => {
      endAtExpiry(socket);
      const floorId = socket.data.floorId as string;
      void socket.join(floorRoom(floorId));
      socket.emit('tiles', view.tiles(floorId));
    });
  }

  guard(
    athleteNs,
    async (socket) => {
      const claims = await verify(signer, socket, ['athlete', 'admin'], athleteNs.name);
      socket.data.userId = scopeOf(claims, (socket.handshake.auth as Auth).userId, claims.user, 'user');
    },
    logger,
  );
  athleteNs.on('connection', (socket) => {
    endAtExpiry(socket);
    const userId = socket.data.userId as string;
    void socket.join(userRoom(userId));
    socket.emit('live', view.live(userId));
    const latest = view.suggestion(userId);
    if (latest) socket.emit('suggestion', latest);
    socket.on('feedback', (payload: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (answer: unknown) => void) : () => {};
      const parsed = parseFeedback(payload);
      if (!parsed.ok) {
        reply({ error: 'invalid_request', message: `invalid request: ${parsed.reason}` });
        return;
      }
      deps.sendFeedback(userId, parsed.value).then(
        () => reply({ ok: true }),
        (err: unknown) => {
          logger.error({ err }, 'feedback not produced');
          reply({ error: 'unavailable', message: 'unavailable: feedback could not be stored' });
        },
      );
    });
  });

  return {
    tile(floorId, tile) {
      emitTo(floorNs, floorRoom(floorId), 'tile', tile);
      emitTo(coachNs, floorRoom(floorId), 'tile', tile);
    },
    leave(floorId, userId) {
      emitTo(floorNs, floorRoom(floorId), 'leave', { userId });
      emitTo(coachNs, floorRoom(floorId), 'leave', { userId });
    },
    live(userId, live) {
      emitTo(athleteNs, userRoom(userId), 'live', live);
    },
    suggestion(floorId, s) {
      emitTo(athleteNs, userRoom(s.userId), 'suggestion', s);
      if (floorId !== null) {
        emitTo(floorNs, floorRoom(floorId), 'suggestion', s);
        emitTo(coachNs, floorRoom(floorId), 'suggestion', s);
      }
    },
    trigger(floorId, t) {
      if (floorId === null) return;
      emitTo(coachNs, floorRoom(floorId), 'trigger', t);
      if (t.kind === 'danger') {
        emitTo(floorNs, floorRoom(floorId), 'alert', t);
        emitTo(coachNs, floorRoom(floorId), 'alert', t);
      }
    },
  };
}
