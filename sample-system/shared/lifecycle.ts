// How every service comes up and goes down: readiness (503 once it is stopping), on SIGTERM/SIGINT
// stop accepting and then close what it holds, and listen or exit 1 saying why. Kept apart from
// serve.ts so services without Postgres do not load its client at start-up.

import type { FastifyInstance } from 'fastify';
import { registerReadiness } from './http.ts';
import { exitOnSignals } from './shutdown.ts';

export interface ServeAppOptions {
  app: FastifyInstance;
  host: string;
  port: number;
  /** ready besides not stopping (default: always) */
  ready?: () => boolean | Promise<boolean>;
  /** closes what the service holds besides the server (pool, Redis, clients) */
  close?: () => Promise<void>;
}

/** Readiness, graceful stop on signals, then listen (or exit 1): every service's lifecycle. */
export async function serve({ app, host, port, ready = () => true, close }: ServeAppOptions): Promise<{ isStopping: () => boolean }> {
  let stopping = false;
  registerReadiness(app, async () => !stopping && (await ready()));
  exitOnSignals({
    log: app.log,
    close: async () => {
      stopping = true;
      await app.close();
      await close?.();
    },
  });
  try {
    await app.listen({ host, port });
  } catch (error) {
    app.log.fatal({ err: error }, `cannot listen on ${host}:${port}: ${(error as Error).message}`);
    process.exit(1);
  }
  return { isStopping: () => stopping };
}
