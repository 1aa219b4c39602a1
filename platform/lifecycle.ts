import type { Logger } from './logger.ts';

/**
 * Ordered shutdown: parts register a stop function as they start; on SIGINT/SIGTERM (or stop())
 * they are stopped in reverse order — intake first, then the stages (drain, flush, snapshot,
 * commit), then the log — and the process exits 0.
 */
export class Lifecycle {
  private readonly stops: { name: string; stop: () => Promise<void> | void }[] = [];
  private stopping: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  onStop(name: string, stop: () => Promise<void> | void): void {
    this.stops.push({ name, stop });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, stop } of [...this.stops].reverse()) {
        try {
          await stop();
          this.logger.debug({ part: name }, 'stopped');
        } catch (err) {
          this.logger.error({ part: name, err }, 'failed to stop cleanly');
        }
      }
    })();
    return this.stopping;
  }

  /** Stops on SIGINT/SIGTERM and exits 0 (1 if stopping took longer than the grace period). */
  handleSignals(graceMs = 15_000): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        this.logger.error('shutdown grace period exceeded');
        process.exit(1);
      }, graceMs);
      timer.unref();
      void this.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
}
