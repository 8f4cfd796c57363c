// The gateway's environment contract, read once at start.

import { parseDisabled, type PatternName } from '../resilience/patterns.ts';
import { readEnv, type Env } from '../shared/env.ts';

export interface GatewayConfig {
  host: string;
  port: number;
  /** catalog replicas, called round robin */
  catalogUrls: URL[];
  disabled: ReadonlySet<PatternName>;
  requestTimeoutMs: number;
  logLevel: string;
}

export function parseGatewayConfig(env: Env): GatewayConfig {
  return readEnv('gateway', env, (r) => ({
    host: r.string('HOST', '127.0.0.1'),
    port: r.port('PORT'),
    catalogUrls: r.urls('CATALOG_URL', ['http:', 'https:']),
    disabled: r.check('RESILIENCE_DISABLE', () => parseDisabled(env.RESILIENCE_DISABLE), new Set<PatternName>()),
    requestTimeoutMs: r.positiveInt('REQUEST_TIMEOUT_MS', 1000),
    logLevel: r.string('LOG_LEVEL', 'info'),
  }));
}
