// The orders service assembled: Postgres and the payments provider each behind the resilience
// layer, Redis as a best-effort replay cache, metrics and routes. main.ts owns the process.

import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { type DependencyObserver, type GuardedDependency, guardDependency } from '../../resilience/dependency.ts';
import { createServiceApp } from '../../shared/http.ts';
import { createServiceMetrics, type ServiceMetrics } from '../../shared/metrics.ts';
import { createPool, isTransientPgError } from '../../shared/postgres.ts';
import { createRedis } from '../../shared/redis.ts';
import { createOrdersCache } from './cache.ts';
import type { OrdersConfig } from './config.ts';
import { createPaymentsClient, isTransientPaymentError, type PaymentsClient } from './payments-client.ts';
import { registerOrdersRoutes } from './routes.ts';

/** A write takes a few ms (more while the pool opens connections); these bound a slow Postgres. */
export const POSTGRES_LIMITS = {
  attemptTimeoutMs: 250,
  budgetMs: 450,
  retry: { maxTries: 3, baseMs: 10, capMs: 50 },
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 },
} as const;

/**
 * The provider answers in ~5 ms when well; a charge may take up to its budget, retries included.
 * Its breaker opens at 10 failed attempts in a row, not 5: orders makes ~45 charges a second, and
 * a provider failing 40 % of them starts a run of 5 about once in 100 attempts (one of 10, once in
 * 10,000), so at 5 the breaker kept turning a partial failure into a whole one. A dead or silent
 * provider still opens it within a fraction of a second.
 */
export const PAYMENTS_LIMITS = {
  attemptTimeoutMs: 250,
  budgetMs: 500,
  retry: { maxTries: 3, baseMs: 20, capMs: 100 },
  breaker: { consecutiveFailures: 10, halfOpenAfterMs: 2000 },
} as const;

/** All steps of one POST /orders, below the gateway's 1 s per-hop timeout. */
export const REQUEST_BUDGET_MS = 900;

export interface Orders {
  app: FastifyInstance;
  metrics: ServiceMetrics;
  postgres: GuardedDependency;
  payments: GuardedDependency;
  pool: pg.Pool;
  redis: Redis;
  client: PaymentsClient;
}

export function buildOrders(config: OrdersConfig): Orders {
  const { disabled } = config;
  const { app, registry } = createServiceApp({ service: 'orders', replicaId: config.replicaId, logLevel: config.logLevel });
  const metrics = createServiceMetrics(registry);
  const observe = (dependency: string): DependencyObserver => {
    const observed = metrics.observerFor(dependency);
    return {
      ...observed,
      transition: (to) => {
        observed.transition?.(to);
        app.log.warn({ dependency, to }, `circuit breaker ${to}`);
      },
    };
  };

  const pool = createPool(config.databaseUrl, 'orders');
  pool.on('error', (error) => app.log.warn({ err: error, dependency: 'postgres' }, 'idle connection failed'));
  metrics.watchPool(pool);
  const postgres = guardDependency({ dependency: 'postgres', disabled, ...POSTGRES_LIMITS, isTransient: isTransientPgError, observer: observe('postgres') });
  const client = createPaymentsClient(config.paymentsUrl);
  const payments = guardDependency({
    dependency: 'payments',
    disabled,
    ...PAYMENTS_LIMITS,
    isTransient: isTransientPaymentError,
    observer: observe('payments'),
  });
  metrics.watchBreaker(postgres.breaker);
  metrics.watchBreaker(payments.breaker);

  const redis = createRedis(config.redisUrl, {
    timeoutsOn: !disabled.has('timeout'),
    onConnectionError: (error) => app.log.warn({ err: error, dependency: 'redis' }, 'redis connection failed'),
  });
  const cache = createOrdersCache(redis, (result) => metrics.dependencyCall('redis', result));

  registerOrdersRoutes(app, {
    pool,
    postgres,
    payments,
    client,
    cache,
    idempotencyOn: !disabled.has('idempotency'),
    limits: { postgresBudgetMs: POSTGRES_LIMITS.budgetMs, paymentsBudgetMs: PAYMENTS_LIMITS.budgetMs },
    metrics,
    requestBudgetMs: REQUEST_BUDGET_MS,
    deadlineOn: !disabled.has('deadline'),
  });
  return { app, metrics, postgres, payments, pool, redis, client };
}
