// The orders service: the write path of the shop (`POST /orders` with an idempotency key,
// `GET /orders/:id`), Postgres as the truth, the payments provider charged once per key.
// Env: HOST, PORT, DATABASE_URL, REDIS_URL, PAYMENTS_URL, RESILIENCE_DISABLE, REPLICA_ID, LOG_LEVEL.

import { runMigrations } from '../../db/migrate.ts';
import { warmPool } from '../../shared/postgres.ts';
import { configOrExit } from '../../shared/env.ts';
import { registerReadiness } from '../../shared/http.ts';
import { closeRedis } from '../../shared/redis.ts';
import { exitOnSignals } from '../../shared/shutdown.ts';
import { buildOrders } from './app.ts';
import { parseOrdersConfig } from './config.ts';

const config = configOrExit(() => parseOrdersConfig(process.env));
const { app, pool, redis, client } = buildOrders(config);

// Ready once the schema is in place (the advisory lock lets the catalog migrate at the same time).
let migrated = false;
const WARM_CONNECTIONS = 4;
let stopping = false;
registerReadiness(app, () => migrated && !stopping);

exitOnSignals({
  log: app.log,
  close: async () => {
    stopping = true;
    await app.close();
    await Promise.allSettled([pool.end(), closeRedis(redis), client.close()]);
  },
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  app.log.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  process.exit(1);
}
app.log.info({ disabled: [...config.disabled] }, 'orders listening');

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
