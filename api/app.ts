import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { Gauge } from 'prom-client';
import { Server } from 'socket.io';
import { createIngestor } from '../ingest/index.ts';
import { emitter, type StageDeps, type Store, type TokenSigner } from '../platform/index.ts';
import type { ApiContext } from './context.ts';
import { docsRoutes, registerDocs } from './docs.ts';
import { ApiError } from './errors.ts';
import { toFeedback } from './feedback.ts';
import { createLiveView, type LiveView } from './live-view.ts';
import { TokenBuckets } from './rate-limit.ts';
import { dashboardRoutes } from './routes/dashboards.ts';
import { historyRoutes } from './routes/history.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { opsRoutes } from './routes/ops.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { userRoutes } from './routes/users.ts';
import { attachSockets } from './sockets.ts';

export interface ApiOptions {
  deps: StageDeps;
  signer: TokenSigner;
  /** named readiness checks for /readyz (the live view's is added) */
  ready?: () => Record<string, boolean>;
  /** wall clock, ms (arrival time of samples); default Date.now */
  now?: () => number;
  /** the history behind /v1/users/:userId/history; without it that route answers 503 */
  store?: Store | null;
  /** how long a client may take to send a whole request, headers and body (default 60 s) */
  requestTimeoutMs?: number;
}

export interface Api {
  app: FastifyInstance;
  io: Server;
  view: LiveView;
  /** Subscribes the live view (group `api`) and resolves once it caught up with the log. */
  start(): Promise<void>;
  /** Closes the sockets' connections, stops the live view (commits its snapshot), closes the HTTP server. */
  close(): Promise<void>;
}

const VERSION = '0.1.0';

/**
 * The HTTP API (fastify) and the live socket.io namespaces over one http.Server. A factory:
 * tests call `app.inject()` without a port, or `app.listen()` for sockets and browsers.
 */
export function buildApi(options: ApiOptions): Api {
  const { deps, signer } = options;
  const logger = deps.logger.child({ stage: 'api' });
  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  const app = Fastify({
    loggerInstance: logger,
    // request logs would carry URLs with user ids; errors are logged below, never bodies or headers
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // user and floor ids are up to 128 characters (idSchema) and fastify's router stops at 100 with
    // a 414 of its own: above the ids' limit, a longer one gets the routes' 400 that says why
    routerOptions: { maxParamLength: 256 },
    // the router's own refusals (a path part over that length, a broken %-escape) answer with the
    // API's error body too, not fastify's
    frameworkErrors: (err, _req, reply) => {
      const reason =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path segment is longer than 256 characters'
          : err.code === 'FST_ERR_BAD_URL'
            ? 'the path is not valid percent-encoding'
            : err.message;
      const e = new ApiError('invalid_request', { reason });
      void (reply as FastifyReply).code(e.status).send(e.body());
    },
    // fastify turns Node's request timeout off: a client sending its body a byte at a time would
    // hold a connection (and a file handle the log needs) for ever; it gets 408 instead. Node 20
    // reads the timeout when the server is made (fastify's own option, set on the server after,
    // starts no check), and checks every 30 s by default
    requestTimeout,
    http: { requestTimeout, connectionsCheckingInterval: Math.min(5_000, requestTimeout) },
    forceCloseConnections: true,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allowUnionTypes: true } },
  }) as unknown as FastifyInstance; // the pino Logger generic, widened to the base logger the routes use
  app.decorateRequest('claims', null);

  // every body is JSON, whatever its content type says; anything else is a 400 invalid_json
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  // nothing decodes a compressed body: a gzipped batch would be a confusing 400, and a plain one
  // labelled gzip would pass as if it were
  app.addHook('preParsing', async (req) => {
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      throw new ApiError('unsupported_encoding', { encoding: JSON.stringify(encoding.slice(0, 40)) });
    }
  });

  const view = createLiveView(deps);
  const feedback = emitter(deps, 'api', 'feedback');
  const now = options.now ?? Date.now;
  const ctx: ApiContext = {
    deps,
    signer,
    view,
    ingestor: createIngestor(deps),
    buckets: new TokenBuckets(deps.config.ingestRatePerToken, 2, now),
    out: { sessions: emitter(deps, 'api', 'sessions'), profiles: emitter(deps, 'api', 'profiles'), feedback },
    ready: options.ready ?? (() => ({})),
    store: options.store ?? null,
    now,
  };

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = toApiError(err, req.routeOptions.bodyLimit ?? deps.config.maxBodyBytes);
    if (e.status >= 500 && e.code === 'internal') req.log.error({ err, route: req.routeOptions.url }, 'request failed');
    return reply.code(e.status).headers(e.headers).send(e.body());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('route_not_found', { method: req.method, path: req.url.split('?')[0] ?? '' });
    return reply.code(e.status).send(e.body());
  });

  registerDocs(app, VERSION);
  void app.register(async (routes) => {
    opsRoutes(routes, { ready: () => ({ liveView: view.started, ...ctx.ready() }), registry: deps.metrics.registry });
    ingestRoutes(routes, ctx);
    sessionRoutes(routes, ctx);
    historyRoutes(routes, ctx);
    userRoutes(routes, ctx);
    dashboardRoutes(routes);
    docsRoutes(routes);
  });

  const io = new Server(app.server, { serveClient: true, maxHttpBufferSize: 16 * 1024 });
  view.setListener(
    attachSockets(io, {
      signer,
      view,
      logger,
      sendFeedback: (userId, input) => feedback.send([toFeedback(userId, input, now())]),
    }),
  );

  registerGauges(deps, io, view);

  return {
    app,
    io,
    view,
    start: () => view.start(),
    async close() {
      // sockets first (no more emits to them), then the view (commits), then HTTP
      // connections close as a dropped network would close them, so clients reconnect to the
      // next server (a disconnect from the server is one a socket.io client never retries)
      io.engine.close();
      await view.close();
      await app.close();
    },
  };
}

/** Connected sockets per namespace and the live view's size, read when /metrics is scraped. */
function registerGauges(deps: StageDeps, io: Server, view: LiveView): void {
  const { registry } = deps.metrics;
  if (registry.getSingleMetric('pulsecoach_api_sockets') === undefined) {
    new Gauge({
      name: 'pulsecoach_api_sockets',
      help: 'connected socket.io clients, by namespace',
      labelNames: ['namespace'],
      registers: [registry],
      collect() {
        for (const ns of ['/floor', '/coach', '/athlete']) this.set({ namespace: ns }, io.of(ns).sockets.size);
      },
    });
  }
  if (registry.getSingleMetric('pulsecoach_api_view_users') === undefined) {
    new Gauge({
      name: 'pulsecoach_api_view_users',
      help: 'users in the api live view, and of them members on a floor',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const { users, members } = view.size();
        this.set({ kind: 'users' }, users);
        this.set({ kind: 'members' }, members);
      },
    });
  }
}

function toApiError(err: FastifyError, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation) return new ApiError('invalid_request', { reason: err.message });
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body_too_large', { limit: bodyLimit });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_json', { reason: 'the body is empty' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_json', { reason: 'it does not parse' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_request', { reason: 'Content-Length does not match the body' });
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError('invalid_request', { reason: err.message });
  }
  return new ApiError('internal');
}
