// The catalog service: the read path of the shop (`GET /products/:id`, `GET /products`,
// `GET /search`), Postgres as the source of truth and Redis as the last-known-good copy.
// Env: HOST, PORT, DATABASE_URL, REDIS_URL, RESILIENCE_DISABLE, REPLICA_ID, LOG_LEVEL.

import { runMigrations } from '../../db/migrate.ts';
import { warmPool } from '../../shared/postgres.ts';
import { registerReadiness } from '../../shared/http.ts';
import { configOrExit } from '../../shared/env.ts';
import { exitOnSignals } from '../../shared/shutdown.ts';
import { buildCatalog } from './app.ts';
import { parseCatalogConfig } from './config.ts';

const config = configOrExit(() => parseCatalogConfig(process.env));
const { app, pool, cache } = buildCatalog(config);

// Ready once the schema is in place, which also proves the pool reached Postgres.
let migrated = false;
const WARM_CONNECTIONS = 4;
let stopping = false;
registerReadiness(app, () => migrated && !stopping);

exitOnSignals({
  log: app.log,
  close: async () => {
    stopping = true;
    await app.close();
    await Promise.allSettled([pool.end(), cache.close()]);
  },
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  app.log.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  process.exit(1);
}
app.log.info({ disabled: [...config.disabled] }, 'catalog listening');

// Postgres may come up after us: keep trying, readiness stays 503 until the schema is there.
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
