// The gateway: the edge of the shop. Sheds load by priority, rate-limits each tenant, refuses
// quarantined poison pills, keeps tenants and upstreams in their bulkheads, and routes each
// request to its upstream (the catalog replicas, balanced; orders; recommendations) with a per-hop
// timeout and a propagated deadline, passing status, body and x-degraded through.
// Env: see config.ts.

import { Counter } from 'prom-client';
import { type BulkheadLimits, createBulkheads } from '../resilience/bulkhead.ts';
import { DEADLINE_HEADER, edgeDeadline } from '../resilience/deadline.ts';
import { guardDependency } from '../resilience/dependency.ts';
import { createLoadShedder } from '../resilience/load-shedding.ts';
import { createQuarantine } from '../resilience/quarantine.ts';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter, withMemoryFallback } from '../resilience/rate-limit.ts';
import { configOrExit } from '../shared/env.ts';
import { createServiceApp, DEGRADED_HEADER, IDEMPOTENCY_KEY_HEADER, PRIORITY_HEADER, REQUEST_ID_HEADER, TENANT_HEADER } from '../shared/http.ts';
import { serve } from '../shared/lifecycle.ts';
import { createServiceMetrics } from '../shared/metrics.ts';
import { closeRedis, createRedis } from '../shared/redis.ts';
import { parseGatewayConfig } from './config.ts';
import { registerEdge } from './edge.ts';
import { createPoisonDetector } from './poison.ts';
import { registerGatewayRoutes, type UpstreamName } from './routes.ts';
import { createUpstream, DEFAULT_BALANCING, type Upstream } from './upstream.ts';

/** Concurrent hops per upstream: a slow one holds at most this many of the edge's requests. */
export const UPSTREAM_BULKHEADS: Readonly<Record<UpstreamName, BulkheadLimits>> = {
  catalog: { limit: 128, queue: 0 },
  orders: { limit: 32, queue: 0 },
  recommendations: { limit: 16, queue: 0 },
};
/** The rate limiter's Redis is asked for at most this long before the memory count decides. */
const REDIS_LIMITS = {
  attemptTimeoutMs: 50,
  budgetMs: 60,
  retry: { maxTries: 1, baseMs: 0, capMs: 0 },
  breaker: { consecutiveFailures: 3, halfOpenAfterMs: 2000 },
} as const;

const config = configOrExit(() => parseGatewayConfig(process.env));
const { disabled } = config;
// the deadline is set on arrival, so time spent at the edge counts against it and the logs name it
const deadlineOnArrival = (given: number | undefined, nowMs: number): number => edgeDeadline(nowMs, config.requestTimeoutMs, given);
const { app, registry } = createServiceApp({ service: 'gateway', logLevel: config.logLevel, ...(disabled.has('deadline') ? {} : { deadlineOnArrival }) });
const metrics = createServiceMetrics(registry);
const upstreamCalls = new Counter({
  name: 'upstream_calls_total',
  help: 'Calls to an upstream service, by result (ok|error|timeout|unreachable)',
  labelNames: ['upstream', 'result'],
  registers: [registry],
});
const ejections = new Counter({
  name: 'replica_ejections_total',
  help: 'Replicas ejected by outlier detection, by upstream and replica',
  labelNames: ['upstream', 'replica'],
  registers: [registry],
});
const limiterFallbacks = new Counter({
  name: 'rate_limit_fallback_total',
  help: 'Rate-limit decisions made from the in-memory count because Redis failed',
  registers: [registry],
});

const upstreamFor = (name: UpstreamName, urls: readonly URL[]): Upstream =>
  createUpstream({
    name,
    urls,
    timeoutMs: disabled.has('timeout') ? undefined : config.requestTimeoutMs,
    // the deadline set on arrival (deadlineOnArrival) goes down as it is; without the pattern, none does
    forwardHeaders: [REQUEST_ID_HEADER, TENANT_HEADER, PRIORITY_HEADER, IDEMPOTENCY_KEY_HEADER, ...(disabled.has('deadline') ? [] : [DEADLINE_HEADER])],
    returnHeaders: [DEGRADED_HEADER, 'content-type', 'retry-after', 'location', 'idempotent-replayed'],
    onCall: (result) => upstreamCalls.inc({ upstream: name, result }),
    balancing: { ...DEFAULT_BALANCING, enabled: !disabled.has('outlier-ejection') },
    onEject: (replica, forMs) => {
      ejections.inc({ upstream: name, replica: String(replica + 1) });
      app.log.warn({ upstream: name, replica: replica + 1, forMs }, 'replica ejected');
    },
  });

const upstreams: Partial<Record<UpstreamName, Upstream>> = { catalog: upstreamFor('catalog', config.catalogUrls) };
if (config.ordersUrl) upstreams.orders = upstreamFor('orders', [config.ordersUrl]);
if (config.recommendationsUrl) upstreams.recommendations = upstreamFor('recommendations', [config.recommendationsUrl]);

// Rate limiting: Redis is the shared count, guarded so a slow or absent Redis costs 50 ms at most
// and then nothing while its breaker is open; memory decides whenever Redis does not.
const redis =
  config.redisUrl === undefined
    ? undefined
    : createRedis(config.redisUrl, {
        timeoutsOn: false,
        onConnectionError: (error) => app.log.warn({ err: error, dependency: 'redis' }, 'redis connection failed'),
      });
let limiter: RateLimiter | undefined;
if (!disabled.has('rate-limit')) {
  const window = { limit: config.rateLimitPerSecond, windowMs: 1000 };
  const guard = guardDependency({ dependency: 'redis', disabled, ...REDIS_LIMITS, isTransient: () => true, observer: metrics.observerFor('redis') });
  metrics.watchBreaker(guard.breaker);
  const shared = redis === undefined ? undefined : createRedisRateLimiter(redis, window);
  limiter = withMemoryFallback(
    shared && { consume: (key) => guard.call(() => shared.consume(key), { idempotent: false }) },
    createMemoryRateLimiter(window),
    () => limiterFallbacks.inc(),
  );
}

const quarantine = createQuarantine({ hurtsToQuarantine: 2, quarantineMs: 10 * 60_000, maxEntries: 10_000, enabled: !disabled.has('quarantine') });
const quarantineHurts = new Counter({
  name: 'quarantine_hurts_total',
  help: 'Hops that hung or crashed a replica (it stopped answering its liveness check), by upstream',
  labelNames: ['upstream'],
  registers: [registry],
});
const edge = registerEdge(app, {
  shedder: createLoadShedder({ maxInFlight: config.maxInFlight, enabled: !disabled.has('load-shedding') }),
  limiter,
  quarantine,
  poison: createPoisonDetector({
    quarantine,
    isLive: (upstream, replica) => upstreams[upstream as UpstreamName]?.live(replica) ?? Promise.resolve(true),
    onHurt: (fp, upstream, replica) => {
      quarantineHurts.inc({ upstream });
      app.log.warn({ fingerprint: fp, upstream, replica: replica + 1 }, 'a request hung or crashed a replica');
    },
    onQuarantined: (fp) => app.log.warn({ fingerprint: fp }, 'payload quarantined as a poison pill'),
  }),
  tenantBulkheads: createBulkheads(() => ({ limit: Math.max(1, Math.floor(config.maxInFlight / 2)), queue: 0 }), { enabled: !disabled.has('bulkhead') }),
  upstreamBulkheads: createBulkheads((key) => UPSTREAM_BULKHEADS[key as UpstreamName], { enabled: !disabled.has('bulkhead') }),
  registry,
});

const served = registerGatewayRoutes(app, {
  upstreams,
  fallbackOn: !disabled.has('fallback'),
  onFallback: (upstream) => metrics.fallback(`${upstream}_unavailable`),
  around: edge.around,
});

await serve({
  app,
  host: config.host,
  port: config.port,
  // ready when the catalog (the shop's critical read path) has a ready replica
  ready: () => (upstreams.catalog as Upstream).ready(),
  close: async () => {
    await Promise.allSettled([...Object.values(upstreams).map((u) => u.close()), ...(redis ? [closeRedis(redis)] : [])]);
  },
});
app.log.info(
  {
    disabled: [...disabled],
    routes: served.map((r) => `${r.method} ${r.url} -> ${r.upstream}`),
    catalog: config.catalogUrls.map((u) => u.href),
    rateLimitPerSecond: config.rateLimitPerSecond,
    maxInFlight: config.maxInFlight,
  },
  'gateway listening',
);
