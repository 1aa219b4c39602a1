import {
  applyRetention,
  createLog,
  createLogger,
  createStore,
  migrate,
  type Config,
  type Lifecycle,
  type Logger,
  type Store,
} from '../platform/index.ts';
import { topicSpecs } from '../schemas/index.ts';

const RETENTION_EVERY_MS = 3_600_000;
const PING_EVERY_MS = 5_000;

export interface History {
  store: Store;
  /** whether the engine answered the last ping (for /readyz) */
  healthy(): boolean;
}

/**
 * Opens the configured history, brings its schema up to date (as `pulsecoach migrate` does), and
 * keeps an eye on it for /readyz; where the engine has no TTL, the sink's process also deletes
 * expired rows hourly. Closed by the lifecycle after the stages that write to it.
 */
export async function openHistory(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
  opts: { retention: boolean },
): Promise<History> {
  const store = await createStore(config);
  lifecycle.onStop('history', () => store.close());
  const report = await migrate(store);
  logger.info({ store: store.info.kind, version: store.info.version, schema: report.current }, 'history ready');
  let healthy = true;
  const timers: NodeJS.Timeout[] = [];
  lifecycle.onStop('history checks', () => timers.forEach((t) => clearInterval(t)));
  timers.push(
    setInterval(() => {
      store.ping().then(
        (ok) => (healthy = ok),
        () => (healthy = false),
      );
    }, PING_EVERY_MS),
  );
  if (opts.retention) {
    const run = () =>
      applyRetention(store, config.historyRetention).then(
        (done) => done.length > 0 && logger.info({ retention: done }, 'history retention applied'),
        (err: unknown) => logger.warn({ err: (err as Error).message }, 'history retention failed; tried again later'),
      );
    await run();
    if (!store.info.ttl) timers.push(setInterval(run, RETENTION_EVERY_MS));
  }
  for (const t of timers) t.unref();
  return { store, healthy: () => healthy };
}

/** `pulsecoach migrate`: creates or upgrades the history tables, then exits. */
export async function migrateCommand(config: Config, out: NodeJS.WritableStream): Promise<number> {
  const store = await createStore(config);
  try {
    const report = await migrate(store);
    const applied = report.applied.length > 0 ? `applied ${report.applied.join(', ')}` : 'nothing to apply';
    out.write(`history (${store.info.kind} ${store.info.version}) at schema version ${report.current}: ${applied}\n`);
  } finally {
    await store.close();
  }
  if (config.mode === 'kafka') {
    // topics, and each value schema registered (BACKWARD) as <topic>-value, before any role starts
    const log = await createLog(config, createLogger('warn'));
    try {
      await log.ensureTopics(topicSpecs);
    } finally {
      await log.close();
    }
    out.write(
      `kafka: ${topicSpecs.length} topics ready, their value schemas registered (subjects <topic>-value, BACKWARD)\n`,
    );
  }
  return 0;
}
