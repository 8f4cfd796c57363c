// The catalog service: products in Postgres, the last known good copy of every answer in Redis.
// Env: HOST (127.0.0.1), PORT, DATABASE_URL, REDIS_URL, RESILIENCE_DISABLE, REPLICA_ID.

import pg from 'pg';
import { Redis } from 'ioredis';
import { createService, portFromEnv, requireEnv, shutdownOn, switchesFromEnv } from '../../shared/service.ts';
import { migrate } from '../../db/migrate.ts';
import { DEADLINE_HEADER, remainingMs } from '../../resilience/deadline.ts';
import { protectedReader, DependencyError } from './protected-read.ts';

interface Product {
  id: number;
  name: string;
  price_cents: number;
  stock: number;
  description: string;
}

const host = process.env.HOST ?? '127.0.0.1';
const port = portFromEnv();
const sw = switchesFromEnv();
const pool = new pg.Pool({ connectionString: requireEnv('DATABASE_URL'), max: 10, connectionTimeoutMillis: 2000, idleTimeoutMillis: 10_000 });
pool.on('error', () => undefined); // a broken idle connection is replaced on next use
const redis = new Redis(requireEnv('REDIS_URL'), { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n) => Math.min(50 * n, 500), lazyConnect: true });
redis.on('error', () => undefined); // Redis down must not take the catalog down; calls fail fast

const { app, registry, ready } = createService('catalog', sw);
const reader = protectedReader(pool, redis, sw, registry);

function budgetOf(headers: Record<string, string | string[] | undefined>): number {
  if (!sw.enabled('deadline')) return Infinity;
  return remainingMs(headers[DEADLINE_HEADER]);
}

app.setErrorHandler((error, request, reply) => {
  if (error instanceof DependencyError) return reply.code(error.status).send({ error: error.message });
  request.log.error({ err: error }, 'unexpected error');
  return reply.code(500).send({ error: 'internal error' });
});

app.get<{ Params: { id: string } }>('/products/:id', async (request, reply) => {
  const id = Number(request.params.id);
  if (!Number.isInteger(id) || id < 1) return reply.code(400).send({ error: `product id ${JSON.stringify(request.params.id)} must be a whole number >= 1` });
  const left = budgetOf(request.headers);
  if (left <= 0) return reply.code(504).send({ error: 'deadline passed before the catalog started: dropped' });
  const answer = await reader.read<Product>(`product:${id}`, 'SELECT id, name, price_cents, stock, description FROM products WHERE id = $1', [id], left);
  if (answer.degraded) reply.header('x-degraded', answer.degraded);
  const product = answer.value[0];
  return product === undefined ? reply.code(404).send({ error: `no product ${id}` }) : product;
});

app.get<{ Querystring: { limit?: string } }>('/products', async (request, reply) => {
  const limit = Math.min(100, Math.max(1, Number(request.query.limit ?? 20) || 20));
  const answer = await reader.read<Product>(`products:list:${limit}`, 'SELECT id, name, price_cents, stock FROM products ORDER BY id LIMIT $1', [limit], budgetOf(request.headers));
  if (answer.degraded) reply.header('x-degraded', answer.degraded);
  return answer.value;
});

app.get<{ Querystring: { q?: string } }>('/search', async (request, reply) => {
  const q = (request.query.q ?? '').trim().toLowerCase().slice(0, 64);
  if (q === '') return reply.code(400).send({ error: 'q is required' });
  const answer = await reader.read<Product>(`search:${q}`, 'SELECT id, name, price_cents FROM products WHERE lower(name) LIKE $1 ORDER BY id LIMIT 20', [`%${q}%`], budgetOf(request.headers));
  if (answer.degraded) reply.header('x-degraded', answer.degraded);
  return answer.value;
});

shutdownOn(app, async () => {
  redis.disconnect();
  await pool.end();
});

try {
  await redis.connect().catch((error: Error) => app.log.warn({ err: error.message }, 'redis not reachable at start; fallbacks unavailable until it is'));
  const applied = await migrate(pool);
  app.log.info({ applied }, 'migrations done');
  await app.listen({ host, port });
  ready.value = true;
} catch (error) {
  app.log.error({ err: (error as Error).message }, 'catalog failed to start');
  process.exit(1);
}
