// The recommendations service's environment contract, read once at start.

import { type PatternName, parseDisabled } from '../../resilience/patterns.ts';
import { type Env, readEnv } from '../../shared/env.ts';

export interface RecommendationsConfig {
  host: string;
  port: number;
  redisUrl: string;
  disabled: ReadonlySet<PatternName>;
  replicaId: string;
  logLevel: string;
}

export function parseRecommendationsConfig(env: Env): RecommendationsConfig {
  return readEnv('recommendations', env, (r) => ({
    host: r.string('HOST', '127.0.0.1'),
    port: r.port('PORT'),
    redisUrl: r.url('REDIS_URL', ['redis:']).href,
    disabled: r.check('RESILIENCE_DISABLE', () => parseDisabled(env.RESILIENCE_DISABLE), new Set<PatternName>()),
    replicaId: r.string('REPLICA_ID', 'recommendations-1'),
    logLevel: r.string('LOG_LEVEL', 'info'),
  }));
}
