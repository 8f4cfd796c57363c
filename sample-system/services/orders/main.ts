// The orders service: the write path of the shop (`POST /orders` with an idempotency key,
// `GET /orders/:id`), Postgres as the truth, the payments provider charged once per key.
// Env: HOST, PORT, DATABASE_URL, REDIS_URL, PAYMENTS_URL, RESILIENCE_DISABLE, REPLICA_ID, LOG_LEVEL.

import { configOrExit } from '../../shared/env.ts';
import { closeRedis } from '../../shared/redis.ts';
import { servePostgresBacked } from '../../shared/serve.ts';
import { buildOrders } from './app.ts';
import { parseOrdersConfig } from './config.ts';

const config = configOrExit(() => parseOrdersConfig(process.env));
const { app, pool, redis, client } = buildOrders(config);

await servePostgresBacked({
  name: 'orders',
  app,
  pool,
  host: config.host,
  port: config.port,
  disabled: config.disabled,
  close: async () => void (await Promise.allSettled([pool.end(), closeRedis(redis), client.close()])),
});
