import type { Logger } from './logger.ts';

/**
 * Ordered shutdown: parts register a stop function as they start; on SIGINT/SIGTERM (or stop())
 * they are stopped in reverse order — intake first, then the stages (drain, flush, snapshot,
 * commit), then the log — and the process exits 0, or 1 when a part failed to stop (its state
 * may not be saved: a supervisor must not take that for a clean stop).
 */
export class Lifecycle {
  private readonly stops: { name: string; stop: () => Promise<void> | void }[] = [];
  private stopping: Promise<boolean> | null = null;

  constructor(private readonly logger: Logger) {}

  onStop(name: string, stop: () => Promise<void> | void): void {
    this.stops.push({ name, stop });
  }

  /** Stops every part (each once, the later ones even when one fails); true when all stopped cleanly. */
  stop(): Promise<boolean> {
    this.stopping ??= (async () => {
      let clean = true;
      for (const { name, stop } of [...this.stops].reverse()) {
        try {
          await stop();
          this.logger.debug({ part: name }, 'stopped');
        } catch (err) {
          clean = false;
          this.logger.error({ part: name, err }, 'failed to stop cleanly');
        }
      }
      return clean;
    })();
    return this.stopping;
  }

  /**
   * Stops on SIGINT/SIGTERM and exits 0, or 1 if a part failed to stop or stopping took longer
   * than the grace period. A second signal exits 1 at once (a second Ctrl-C: stop now), saying so.
   */
  handleSignals(graceMs = 15_000): void {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        this.logger.error({ signal }, 'second signal: exiting now, before the shutdown finished');
        process.exit(1);
      }
      stopping = true;
      this.logger.info({ signal }, 'shutting down');
      // (not unref'd: a stop that never settles must not let the process end as if it had)
      setTimeout(() => {
        this.logger.error('shutdown grace period exceeded');
        process.exit(1);
      }, graceMs);
      void this.stop().then((clean) => process.exit(clean ? 0 : 1));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}
