// How a Postgres-backed service (catalog, orders) comes up and goes down: served as every service
// is (lifecycle.ts), then it runs the migrations until Postgres answers (it may start after us),
// ready only once the schema is in place and a few pooled connections are warm.

import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { runMigrations } from '../db/migrate.ts';
import { serve } from './lifecycle.ts';
import { warmPool } from './postgres.ts';

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
  /** work done once the schema is there, before readiness turns 200; its failure is logged, not fatal */
  afterMigrations?: () => Promise<void>;
}

export async function servePostgresBacked({ name, app, pool, host, port, disabled, close, afterMigrations }: ServeOptions): Promise<void> {
  let migrated = false;
  const { isStopping } = await serve({ app, host, port, ready: () => migrated, close });
  app.log.info({ disabled: [...disabled] }, `${name} listening`);

  // readiness stays 503 until the schema is there (the advisory lock lets replicas migrate at once)
  for (let attempt = 1; !migrated && !isStopping(); attempt++) {
    try {
      const report = await runMigrations(pool);
      await warmPool(pool, WARM_CONNECTIONS);
      app.log.info(report, 'migrations done');
      await afterMigrations?.().catch((error: unknown) => app.log.warn({ err: error }, `${name}: start-up work after migrations failed; serving without it`));
      migrated = true;
    } catch (error) {
      app.log.warn({ err: error, attempt }, 'migrations failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
    }
  }
}
