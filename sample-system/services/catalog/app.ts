// The catalog assembled from its parts: Postgres behind the resilience layer, the Redis copy,
// metrics and routes. main.ts owns the process (start, migrations, signals).

import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { Counter, type Registry } from 'prom-client';
import { type GuardedDependency, guardDependency } from '../../resilience/dependency.ts';
import { createSingleFlight } from '../../resilience/single-flight.ts';
import { createServiceApp } from '../../shared/http.ts';
import { createServiceMetrics, type ServiceMetrics } from '../../shared/metrics.ts';
import { createPool, isTransientPgError } from '../../shared/postgres.ts';
import { createLastKnownGood, type LastKnownGood } from './cache.ts';
import type { CatalogConfig } from './config.ts';
import { allProducts } from './products.ts';
import { createReader } from './reads.ts';
import { registerCatalogRoutes } from './routes.ts';

/** Postgres answers a primary-key read in ~1 ms; these limits bound what a slow one can cost. */
export const POSTGRES_LIMITS = {
  attemptTimeoutMs: 100,
  budgetMs: 250,
  retry: { maxTries: 3, baseMs: 10, capMs: 50 },
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 },
} as const;

export interface Catalog {
  app: FastifyInstance;
  registry: Registry;
  metrics: ServiceMetrics;
  postgres: GuardedDependency;
  pool: pg.Pool;
  cache: LastKnownGood;
  /** puts every product's last-known-good copy in Redis (start-up; nothing when the fallback is off) */
  primeFallback(): Promise<void>;
}

/** The most the start-up may spend reading the products to prime the fallback. */
export const PRIME_TIMEOUT_MS = 2000;

export function buildCatalog(config: CatalogConfig): Catalog {
  const { disabled } = config;
  const { app, registry } = createServiceApp({ service: 'catalog', replicaId: config.replicaId, logLevel: config.logLevel });
  const metrics = createServiceMetrics(registry);

  const pool = createPool(config.databaseUrl, 'catalog');
  // an idle connection that breaks is removed by the pool; without a listener it would crash us
  pool.on('error', (error) => app.log.warn({ err: error, dependency: 'postgres' }, 'idle connection failed'));
  metrics.watchPool(pool);
  const observed = metrics.observerFor('postgres');
  const postgres = guardDependency({
    dependency: 'postgres',
    disabled,
    ...POSTGRES_LIMITS,
    isTransient: isTransientPgError,
    observer: {
      ...observed,
      transition: (to) => {
        observed.transition?.(to);
        app.log.warn({ dependency: 'postgres', to }, `circuit breaker ${to}`);
      },
    },
  });
  metrics.watchBreaker(postgres.breaker);

  const cache = createLastKnownGood({
    redisUrl: config.redisUrl,
    timeoutsOn: !disabled.has('timeout'),
    onCall: (_op, result) => metrics.dependencyCall('redis', result),
    onConnectionError: (error) => app.log.warn({ err: error, dependency: 'redis' }, 'redis connection failed'),
  });

  const coalesced = new Counter({
    name: 'coalesced_total',
    help: 'Reads that joined a Postgres query already in flight for the same key (single flight)',
    registers: [registry],
  });
  const flight = createSingleFlight({ enabled: !disabled.has('single-flight'), onCoalesced: () => coalesced.inc() });
  const lookups = new Counter({
    name: 'cache_lookups_total',
    help: 'Cache-aside lookups of search results in Redis, by result (hit, miss, error: Redis unreachable, counted as a miss)',
    labelNames: ['result'],
    registers: [registry],
  });
  const read = createReader({
    postgres,
    cache,
    flight,
    fallbackOn: !disabled.has('fallback'),
    metrics,
    log: app.log,
    onLookup: (result) => lookups.inc({ result }),
  });
  registerCatalogRoutes(app, { read, pool, metrics, postgresBudgetMs: POSTGRES_LIMITS.budgetMs, deadlineOn: !disabled.has('deadline') });
  const primeFallback = async (): Promise<void> => {
    if (disabled.has('fallback')) return;
    const startedMs = Date.now();
    const products = await allProducts(pool, AbortSignal.timeout(PRIME_TIMEOUT_MS));
    const stored = await cache.prime(products.map((p) => [`product:${p.id}`, p] as const));
    app.log.info({ products: products.length, stored, tookMs: Date.now() - startedMs }, 'fallback primed: last-known-good copy of every product in Redis');
  };
  return { app, registry, metrics, postgres, pool, cache, primeFallback };
}
