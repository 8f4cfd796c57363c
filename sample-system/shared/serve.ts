// How a Postgres-backed service (catalog, orders) comes up and goes down: listen first, then run
// the migrations until Postgres answers (it may start after us), ready only once the schema is in
// place and a few pooled connections are warm; on SIGTERM/SIGINT stop accepting, then close.

import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { runMigrations } from '../db/migrate.ts';
import { registerReadiness } from './http.ts';
import { warmPool } from './postgres.ts';
import { exitOnSignals } from './shutdown.ts';

const WARM_CONNECTIONS = 4;

export interface ServeOptions {
  name: string;
  app: FastifyInstance;
  pool: pg.Pool;
  host: string;
  port: number;
  disabled: Iterable<string>;
  /** closes what the service holds besides the server (pool, Redis, clients) */
  close: () => Promise<void>;
}

export async function servePostgresBacked({ name, app, pool, host, port, disabled, close }: ServeOptions): Promise<void> {
  let migrated = false;
  let stopping = false;
  registerReadiness(app, () => migrated && !stopping);
  exitOnSignals({
    log: app.log,
    close: async () => {
      stopping = true;
      await app.close();
      await close();
    },
  });

  try {
    await app.listen({ host, port });
  } catch (error) {
    app.log.fatal({ err: error }, `cannot listen on ${host}:${port}: ${(error as Error).message}`);
    process.exit(1);
  }
  app.log.info({ disabled: [...disabled] }, `${name} listening`);

  // readiness stays 503 until the schema is there (the advisory lock lets replicas migrate at once)
  for (let attempt = 1; !migrated && !stopping; attempt++) {
    try {
      const report = await runMigrations(pool);
      await warmPool(pool, WARM_CONNECTIONS);
      migrated = true;
      app.log.info(report, 'migrations done');
    } catch (error) {
      app.log.warn({ err: error, attempt }, 'migrations failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
    }
  }
}
