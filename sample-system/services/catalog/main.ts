// The catalog service: the read path of the shop (`GET /products/:id`, `GET /products`,
// `GET /search`), Postgres as the source of truth and Redis as the last-known-good copy.
// Env: HOST, PORT, DATABASE_URL, REDIS_URL, RESILIENCE_DISABLE, REPLICA_ID, LOG_LEVEL.

import { configOrExit } from '../../shared/env.ts';
import { servePostgresBacked } from '../../shared/serve.ts';
import { buildCatalog } from './app.ts';
import { parseCatalogConfig } from './config.ts';

const config = configOrExit(() => parseCatalogConfig(process.env));
const { app, pool, cache, primeFallback } = buildCatalog(config);

await servePostgresBacked({
  name: 'catalog',
  app,
  pool,
  host: config.host,
  port: config.port,
  disabled: config.disabled,
  close: async () => void (await Promise.allSettled([pool.end(), cache.close()])),
  afterMigrations: primeFallback,
});
