// The catalog's environment contract, read once at start.

import { type PatternName, parseDisabled } from '../../resilience/patterns.ts';
import { type Env, readEnv } from '../../shared/env.ts';

export interface CatalogConfig {
  host: string;
  port: number;
  databaseUrl: string;
  redisUrl: string;
  disabled: ReadonlySet<PatternName>;
  replicaId: string;
  logLevel: string;
}

export function parseCatalogConfig(env: Env): CatalogConfig {
  return readEnv('catalog', env, (r) => ({
    host: r.string('HOST', '127.0.0.1'),
    port: r.port('PORT'),
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']).href,
    redisUrl: r.url('REDIS_URL', ['redis:']).href,
    disabled: r.check('RESILIENCE_DISABLE', () => parseDisabled(env.RESILIENCE_DISABLE), new Set<PatternName>()),
    replicaId: r.string('REPLICA_ID', 'catalog-1'),
    logLevel: r.string('LOG_LEVEL', 'info'),
  }));
}
