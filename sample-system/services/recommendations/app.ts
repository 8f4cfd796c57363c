// Recommendations: the most bought products, from a Redis sorted set that orders keeps counting.
// Non-critical by design: Redis sits behind a short timeout and a breaker, and when it fails the
// answer is a static list of best sellers, marked `x-degraded: static-list`, never an error page.

import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { type GuardedDependency, guardDependency } from '../../resilience/dependency.ts';
import { failureReason } from '../../shared/failure.ts';
import { createServiceApp, DEGRADED_HEADER } from '../../shared/http.ts';
import { createServiceMetrics, type ServiceMetrics } from '../../shared/metrics.ts';
import { createRedis } from '../../shared/redis.ts';
import type { RecommendationsConfig } from './config.ts';

export const POPULAR_KEY = 'recs:popular';
export const DEGRADED_STATIC_LIST = 'static-list';
/** Best sellers as of the last catalogue review: what the page shows when Redis cannot say. */
export const STATIC_RECOMMENDATIONS: readonly number[] = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89];
export const MAX_LIMIT = 50;
export const DEFAULT_LIMIT = 10;

export const REDIS_LIMITS = {
  attemptTimeoutMs: 50,
  budgetMs: 100,
  retry: { maxTries: 1, baseMs: 0, capMs: 0 },
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 },
} as const;

export interface Recommendations {
  app: FastifyInstance;
  metrics: ServiceMetrics;
  redis: Redis;
  guarded: GuardedDependency;
  /** ZADD NX of the static list, so a fresh Redis has something to rank */
  seed(): Promise<void>;
}

export function buildRecommendations(config: RecommendationsConfig): Recommendations {
  const { disabled } = config;
  const { app, registry } = createServiceApp({ service: 'recommendations', replicaId: config.replicaId, logLevel: config.logLevel });
  const metrics = createServiceMetrics(registry);
  // the command timeout is the guard's job here; ioredis' own would race it
  const redis = createRedis(config.redisUrl, {
    timeoutsOn: false,
    onConnectionError: (error) => app.log.warn({ err: error, dependency: 'redis' }, 'redis connection failed'),
  });
  const observed = metrics.observerFor('redis');
  const guarded = guardDependency({
    dependency: 'redis',
    disabled,
    ...REDIS_LIMITS,
    isTransient: () => true, // every Redis failure counts against it
    observer: { ...observed, transition: (to) => (observed.transition?.(to), app.log.warn({ dependency: 'redis', to }, `circuit breaker ${to}`)) },
  });
  metrics.watchBreaker(guarded.breaker);
  const fallbackOn = !disabled.has('fallback');

  app.get<{ Querystring: { limit?: string } }>('/recommendations', async (request, reply) => {
    const raw = request.query.limit;
    const limit =
      raw === undefined || raw === '' ? DEFAULT_LIMIT : /^\d{1,2}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= MAX_LIMIT ? Number(raw) : undefined;
    if (limit === undefined) return reply.code(400).send({ error: 'bad_request', message: `limit must be an integer in 1..${MAX_LIMIT}` });
    try {
      const ids = await guarded.call(
        (signal) => {
          // ioredis cannot cancel a command; the abort only stops our wait for it
          const answer = redis.zrevrange(POPULAR_KEY, 0, limit - 1);
          return new Promise<string[]>((resolve, reject) => {
            signal.addEventListener('abort', () => reject(new Error('redis: abandoned')), { once: true });
            answer.then(resolve, reject);
          });
        },
        { idempotent: true },
      );
      if (ids.length > 0) return { productIds: ids.map(Number), source: 'popular' };
      return { productIds: STATIC_RECOMMENDATIONS.slice(0, limit), source: 'static' }; // nothing counted yet
    } catch (error) {
      const reason = failureReason(error);
      if (!fallbackOn) return reply.code(503).send({ error: reason, message: error instanceof Error ? error.message : String(error) });
      metrics.fallback(reason);
      reply.header(DEGRADED_HEADER, DEGRADED_STATIC_LIST);
      return { productIds: STATIC_RECOMMENDATIONS.slice(0, limit), source: 'static' };
    }
  });

  const seed = async (): Promise<void> => {
    const args = STATIC_RECOMMENDATIONS.flatMap((id, i) => [STATIC_RECOMMENDATIONS.length - i, String(id)]);
    await redis.zadd(POPULAR_KEY, 'NX', ...args);
  };
  return { app, metrics, redis, guarded, seed };
}
