// The orders service's environment contract, read once at start.

import { type PatternName, parseDisabled } from '../../resilience/patterns.ts';
import { type Env, readEnv } from '../../shared/env.ts';

export interface OrdersConfig {
  host: string;
  port: number;
  databaseUrl: string;
  redisUrl: string;
  paymentsUrl: URL;
  disabled: ReadonlySet<PatternName>;
  replicaId: string;
  logLevel: string;
}

export function parseOrdersConfig(env: Env): OrdersConfig {
  return readEnv('orders', env, (r) => ({
    host: r.string('HOST', '127.0.0.1'),
    port: r.port('PORT'),
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']).href,
    redisUrl: r.url('REDIS_URL', ['redis:']).href,
    paymentsUrl: r.url('PAYMENTS_URL', ['http:', 'https:']),
    disabled: r.check('RESILIENCE_DISABLE', () => parseDisabled(env.RESILIENCE_DISABLE), new Set<PatternName>()),
    replicaId: r.string('REPLICA_ID', 'orders-1'),
    logLevel: r.string('LOG_LEVEL', 'info'),
  }));
}
