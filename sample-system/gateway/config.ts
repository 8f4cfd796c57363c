// The gateway's environment contract, read once at start. Only the catalog is required; an
// upstream without a URL has no routes (a partial system for tests), and without REDIS_URL the
// rate limiter counts in memory alone.

import { type PatternName, parseDisabled } from '../resilience/patterns.ts';
import { type Env, readEnv } from '../shared/env.ts';

export interface GatewayConfig {
  host: string;
  port: number;
  /** catalog replicas, balanced by the gateway */
  catalogUrls: URL[];
  ordersUrl: URL | undefined;
  recommendationsUrl: URL | undefined;
  redisUrl: string | undefined;
  disabled: ReadonlySet<PatternName>;
  requestTimeoutMs: number;
  /** requests per second each tenant may send (sliding window) */
  rateLimitPerSecond: number;
  /** requests the gateway works on at once before it sheds the lowest priority first */
  maxInFlight: number;
  logLevel: string;
}

export function parseGatewayConfig(env: Env): GatewayConfig {
  return readEnv('gateway', env, (r) => ({
    host: r.string('HOST', '127.0.0.1'),
    port: r.port('PORT'),
    catalogUrls: r.urls('CATALOG_URL', ['http:', 'https:']),
    ordersUrl: r.optionalUrl('ORDERS_URL', ['http:', 'https:']),
    recommendationsUrl: r.optionalUrl('RECOMMENDATIONS_URL', ['http:', 'https:']),
    redisUrl: r.optionalUrl('REDIS_URL', ['redis:'])?.href,
    disabled: r.check('RESILIENCE_DISABLE', () => parseDisabled(env.RESILIENCE_DISABLE), new Set<PatternName>()),
    requestTimeoutMs: r.positiveInt('REQUEST_TIMEOUT_MS', 1000),
    rateLimitPerSecond: r.positiveInt('RATE_LIMIT_PER_SECOND', 50),
    maxInFlight: r.positiveInt('MAX_IN_FLIGHT', 64),
    logLevel: r.string('LOG_LEVEL', 'info'),
  }));
}
