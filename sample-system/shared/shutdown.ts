// Graceful shutdown on SIGTERM/SIGINT: stop taking requests, let in-flight ones finish, close
// connections, exit 0. A close that hangs (a stuck dependency) is cut off after `graceMs`, so a
// supervisor never waits longer than that.

import type { FastifyBaseLogger } from 'fastify';

export interface ShutdownOptions {
  log: FastifyBaseLogger;
  /** closes the server, then the pools; runs once */
  close: () => Promise<void>;
  graceMs?: number;
}

export function exitOnSignals(options: ShutdownOptions): void {
  const graceMs = options.graceMs ?? 1800;
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    options.log.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      options.log.warn({ graceMs }, 'shutdown did not finish in time; exiting anyway');
      process.exit(0);
    }, graceMs);
    forced.unref();
    options
      .close()
      .catch((error: unknown) => options.log.error({ err: error }, 'error while shutting down'))
      .finally(() => {
        options.log.info('stopped');
        process.exit(0);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
